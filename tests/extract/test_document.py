"""Unit tests for mmcorpus.extract.document / html_decode / image_urls on small literal HTML."""

from __future__ import annotations

import codecs

import pytest

from mmcorpus.config import ExtractConfig
from mmcorpus.data import HtmlRecord, Provenance
from mmcorpus.extract.decode import decode_html, looks_binary
from mmcorpus.extract.document import extract_document
from mmcorpus.extract.image_urls import best_srcset, parse_dimension
from mmcorpus.ledger import Ledger

PARA = ("This is a long paragraph of real article text, with commas, clauses, and enough words "
        "to look like prose that a reader came to the page for. ")
URL = "https://example.com/news/story.html"


def rec(html: str | bytes, url: str = URL, ct: str = "text/html", headers=None) -> HtmlRecord:
    body = html.encode("utf-8") if isinstance(html, str) else html
    prov = Provenance(warc_file="t.warc.gz", offset=0, length=len(body), record_id="<urn:1>",
                      fetch_date=None)
    return HtmlRecord(url=url, body=body, status=200, content_type=ct, http_headers=headers or {},
                      provenance=prov)


def cfg(**kw) -> ExtractConfig:
    c = ExtractConfig()
    for k, v in kw.items():
        setattr(c, k, v)
    return c


def page(article: str, extra: str = "") -> str:
    return (f"<html lang='en-US'><head><title> My  Story </title></head><body>{extra}"
            f"<article>{article}</article></body></html>")


def run(html, **kw):
    led = Ledger()
    doc, reason = extract_document(rec(html, **kw), cfg(), led)
    return doc, reason, led


def test_document_order_and_parallel_lists():
    art = (f"<h1>Headline here</h1><p>{PARA}one</p><figure><img src='/a.jpg' alt='A cat'>"
           f"<figcaption>The  cat</figcaption></figure><p>{PARA}two</p><ul><li>{PARA}item</li></ul>")
    doc, reason, led = run(page(art))
    assert reason is None and led.get("extract/kept") == 1
    assert all((t is None) != (i is None) for t, i in zip(doc.texts, doc.images))
    texts = doc.text_blocks
    assert texts[0] == "Headline here"
    assert texts[1].endswith("one") and texts[-1].endswith("item")
    img_pos = doc.images.index(doc.image_refs[0])
    assert doc.texts[img_pos - 1].endswith("one")
    ref = doc.image_refs[0]
    assert ref.url == "https://example.com/a.jpg" and ref.alt == "A cat" and ref.caption == "The cat"
    assert doc.title == "My Story" and doc.declared_language == "en-us"
    assert doc.metadata["n_img_tags"] == 1 and doc.metadata["extractor"].startswith("mmcorpus-")


def test_boilerplate_removed():
    junk = ("<nav><a href='/'>Home</a> <a href='/b'>Blog</a></nav>"
            "<div class='cookie-banner'>We use cookies to improve everything</div>")
    art = (f"<p>{PARA}</p><div class='share-bar'>Share on Facebook</div><p>{PARA}</p>"
           "<div id='comments'><p>Great post, thanks a lot, really loved it!!</p></div>"
           "<div hidden>secret hidden text</div><p style='display: none'>invisible words</p>"
           "<span aria-hidden='true'>aria junk</span><script>var x = 'scripted';</script>"
           "<ul class='related-links'><li><a href='/x'>Other story one</a></li>"
           "<li><a href='/y'>Other story two</a></li></ul>")
    doc, reason, _ = run(page(art, extra=junk) + "<footer>Copyright footer</footer>")
    text = doc.plain_text
    assert "real article text" in text
    for bad in ("Home", "cookies", "Share on", "Great post", "secret", "invisible", "aria junk",
                "scripted", "Other story", "Copyright"):
        assert bad not in text, bad


def test_main_content_chosen_over_link_lists():
    sidebar = "<div class='col'>" + "".join(f"<p><a href='/{i}'>Link number {i} to elsewhere</a></p>"
                                             for i in range(30)) + "</div>"
    body = f"<div class='story'>{''.join(f'<p>{PARA}</p>' for _ in range(4))}</div>"
    doc, _, _ = run(f"<html><body>{sidebar}{body}</body></html>")
    assert "Link number" not in doc.plain_text and doc.plain_text.count("real article") == 4


def test_srcset_lazy_base_and_picture():
    art = (f"<p>{PARA}</p><img src='small.jpg' srcset='a-300.jpg 300w, a-900.jpg 900w, a-600.jpg 600w'>"
           "<img src='data:image/gif;base64,R0lGOD' data-src='lazy.jpg'>"
           "<img data-lazy-srcset='x1.jpg 1x, x2.jpg 2x'>"
           "<picture><source srcset='p-800.webp 800w, p-1600.webp 1600w'><img src='p.jpg'></picture>"
           f"<p>{PARA}</p>")
    html = f"<html><head><base href='https://cdn.example.org/img/'></head><body><article>{art}</article></body></html>"
    doc, _, _ = run(html)
    urls = [i.url for i in doc.image_refs]
    assert urls == ["https://cdn.example.org/img/a-900.jpg", "https://cdn.example.org/img/lazy.jpg",
                    "https://cdn.example.org/img/x2.jpg", "https://cdn.example.org/img/p-1600.webp"]


def test_tracking_pixels_icons_and_dedupe():
    art = (f"<p>{PARA}</p><img src='/photo.jpg' width='640px' height='480'>"
           "<img src='/t.gif' width='1' height='1'><img src='/static/logo.png'>"
           "<img src='/i.png' class='avatar'><img src='/tiny.png' width='16' height='16'>"
           f"<img src='https://example.com/photo.jpg'><p>{PARA}</p>")
    doc, _, _ = run(page(art))
    refs = doc.image_refs
    assert [r.url for r in refs] == ["https://example.com/photo.jpg"]
    assert (refs[0].declared_width, refs[0].declared_height) == (640, 480)


def test_canonical_url():
    html = page(f"<p>{PARA}</p><p>{PARA}</p>").replace(
        "<head>", "<head><link rel='canonical' href='/canon'>")
    doc, _, _ = run(html)
    assert doc.canonical_url == "https://example.com/canon"


@pytest.mark.parametrize("body,reason", [(b"", "empty_body"), (b"   \n", "empty_body"),
                                         (b"\x00\x01\x02\x03" * 500, "not_html"),
                                         (b"<html><body><p>short</p></body></html>", "no_content")])
def test_drops_are_counted(body, reason):
    led = Ledger()
    doc, r = extract_document(rec(body), cfg(), led)
    assert doc is None and r == reason and led.to_dict() == {f"extract/dropped:{reason}": 1}


def test_not_html_content_type():
    _, r, _ = run(page(f"<p>{PARA}</p>" * 3), ct="application/pdf")
    assert r == "not_html"


def test_charset_meta_windows_1252_and_bom():
    html = page(f"<p>{PARA} caf\xe9 na\xefve \u201cquoted\u201d</p>" * 2)
    raw = html.replace("<head>", "<head><meta charset='windows-1252'>").encode("cp1252")
    doc, _, _ = run(raw)
    assert "café naïve “quoted”" in doc.plain_text and doc.metadata["encoding"] == "cp1252"
    assert decode_html(b"\xef\xbb\xbfh\xc3\xa9", None) == ("hé", "utf-8")
    # no BOM and no declaration: whatever encoding is detected must be a real codec that decodes
    # these bytes to the returned text
    raw = "hé".encode("utf-16-le")
    text, enc = decode_html(raw, None)
    assert codecs.lookup(enc) and text == raw.decode(enc, "replace")
    assert decode_html(b"\xff\xfeh\x00i\x00", None) == ("hi", "utf-16-le")
    assert decode_html("é".encode("latin-1"), "text/html; charset=ISO-8859-1") == ("é", "cp1252")
    text, enc = decode_html(b"\x81\xff\xfe garbage \xc3", "text/html; charset=utf-8")
    assert isinstance(text, str)


def test_looks_binary():
    assert looks_binary(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 10)
    assert not looks_binary(b"<html><body>hello</body></html>")


def test_nested_deep_is_bounded():
    deep = "<div>" * 100_000 + PARA + "</div>" * 100_000
    doc, r, led = run(f"<html><body>{deep}</body></html>")
    assert doc is None and r == "too_deep"
    # Deeper than max_depth (512) but under the pre-parse bound: parsed, walk capped, no crash.
    medium = "<div>" * 1_000 + PARA * 3 + "</div>" * 1_000 + "<p>" + PARA * 3 + "</p>"
    doc, r, _ = run(f"<html><body>{medium}</body></html>")
    assert r is None and doc.metadata.get("depth_capped") is True


def test_huge_page_truncated_and_many_images():
    imgs = "".join(f"<img src='/p{i}.jpg'>" for i in range(10_000))
    doc, r, _ = run(page(f"<p>{PARA}</p>" + imgs + f"<p>{PARA}</p>"))
    assert r is None and len(doc.image_refs) <= ExtractConfig().max_images_seen
    big = page(f"<p>{PARA}</p>" * 400_000)  # ~55 MB
    c = cfg(max_html_bytes=2_000_000)
    doc, r = extract_document(rec(big), c)
    assert r is None and sum(len(t) for t in doc.text_blocks) < 2_000_000


def test_broken_markup():
    doc, r, _ = run(f"<p>{PARA}<div><p>{PARA}<b><i>unclosed</b> <table><tr><td>{PARA}</div></p></html>")
    assert r is None and "unclosed" in doc.plain_text


def test_helpers():
    assert parse_dimension("300px") == 300 and parse_dimension("100%") is None
    assert parse_dimension(None) is None and parse_dimension("auto") is None
    assert best_srcset("a.jpg 1x, b.jpg 3x, c.jpg 2x") == "b.jpg"
    assert best_srcset("a.jpg, b.jpg 200w") == "b.jpg"


# --- main-content choice (mmcorpus.extract.main_content) on small pages -------------------------------

def texts_of(html: str) -> list[str]:
    doc, reason, _ = run(html)
    assert reason is None, reason
    return doc.text_blocks


def test_article_split_over_sibling_containers_is_joined():
    html = (
        "<html><body><div class='page'>"
        "<div class='intro'><p>The lead paragraph says what happened in the town hall last night, "
        "and why it matters to everyone who lives here.</p></div>"
        f"<div class='body'><div class='ce'><p>{PARA}one</p></div><div class='ce'><p>{PARA}two</p></div>"
        f"<div class='ce'><p>{PARA}three</p></div></div>"
        "<div class='aside-box'><p>Our shop sells the best walking boots, in every size you need.</p></div>"
        "</div></body></html>"
    )
    t = texts_of(html)
    assert t[0].startswith("The lead paragraph") and [x[-3:] for x in t[1:4]] == ["one", "two", "ree"]
    assert not any("walking boots" in x for x in t)


def test_furniture_sections_are_dropped():
    art = (f"<p>{PARA}</p><p>{PARA}</p><h2>Related articles</h2><ul><li>Something else entirely here</li>"
           "<li>And another story you might like</li></ul><h3>3 Comments</h3>"
           "<p>What a great article, thank you so much for writing it!</p>")
    t = texts_of(page(art))
    assert len(t) == 2 and all("real article" in x for x in t)


def test_a_documentation_pages_feedback_box_is_dropped():
    # PostgreSQL's manual closes each page with "Submit correction" and a paragraph asking for reports
    art = (f"<p>{PARA}</p><p>{PARA}</p><h2>Submit correction</h2><p>If you see anything in the "
           "documentation that is not correct, please use this form to report a documentation issue.</p>")
    t = texts_of(page(art))
    assert len(t) == 2 and all("real article" in x for x in t)
    t = texts_of(page(art.replace("Submit correction", "Was this page helpful?")))
    assert len(t) == 2


def test_short_blocks_inside_the_article_stay_and_tail_furniture_goes():
    art = (f"<p>{PARA}</p><h3>Ingredients</h3><ul><li>200 g flour</li><li>2 eggs</li><li>1 pinch salt</li></ul>"
           f"<p>{PARA}</p><p>Enjoy your meal!</p><div class='tags-line'><span>Tagged:</span></div>"
           "<div class='meta'><p>11 Jan 2019</p></div>")
    t = texts_of(page(art))
    assert "2 eggs" in t and "Ingredients" in t and "Enjoy your meal!" in t
    assert "Tagged:" not in t and "11 Jan 2019" not in t


def test_captions_go_to_the_image_not_the_text():
    art = (f"<p>{PARA}</p><figure><img src='/a.jpg' width='600' height='400'><figcaption>Photo: the harbour "
           f"at dawn</figcaption></figure><p>{PARA}</p>")
    doc, _, _ = run(page(art))
    assert not any("harbour" in x for x in doc.text_blocks)
    assert doc.image_refs[0].caption == "Photo: the harbour at dawn"


def test_preformatted_code_keeps_its_lines():
    art = f"<p>{PARA}</p><pre><code>def f(x):\n    return x + 1\n</code></pre><p>{PARA}</p>"
    assert "def f(x):\n    return x + 1" in texts_of(page(art))


def test_words_either_side_of_inline_elements_stay_apart():
    art = f"<p>{PARA}<a href='/a'>first</a> <a href='/b'>second</a> <em>third</em></p><p>{PARA}</p>"
    assert "first second third" in texts_of(page(art))[0]


def test_article_inside_a_flagged_class_survives_by_the_retry():
    body = "".join(f"<p>{PARA}</p>" for _ in range(4))
    html = f"<html><body><div class='comments-area'>{body}</div><div><p>short</p></div></body></html>"
    t = texts_of(html)
    assert len(t) == 4


def test_noscript_holds_the_article_when_nothing_else_does():
    paras = "".join(f"<p>{PARA}</p>" for _ in range(3))
    html = f"<html><body><div id='app'></div><noscript>{paras}</noscript></body></html>"
    assert len(texts_of(html)) == 3


def test_figures_between_article_parts_keep_their_images_not_their_credits():
    html = (
        "<html><body><div class='story'>"
        f"<div class='part'><p>{PARA}one</p></div>"
        "<div class='gallery'><img src='/g1.jpg' width='600' height='400'><p>Facebook</p></div>"
        f"<div class='part'><p>{PARA}two</p></div>"
        "</div><div class='more'><img src='/teaser.jpg' width='600' height='400'></div></body></html>"
    )
    doc, reason, _ = run(html)
    assert [i.url for i in doc.image_refs] == ["https://example.com/g1.jpg"]


def test_figure_gaps_lend_images_only_between_region_parts():
    from mmcorpus.extract.main_content import figure_gaps

    # body(0) > [part(1) > p(2)], [gallery(3) > img(4)], [part(5) > p(6)], [teaser(7) > img(8)]
    parent = [-1, 0, 1, 0, 3, 0, 5, 0, 7]
    end = [8, 2, 2, 4, 4, 6, 6, 8, 8]
    bad = [0] * 9
    images = [(0, 4, None), (0, 8, None)]
    assert figure_gaps([1, 5], images, parent, end, bad) == [3]
    assert figure_gaps([1], images, parent, end, bad) == []
    bad[3] = 40  # a gallery with link-heavy text is not a figure of the article
    assert figure_gaps([1, 5], images, parent, end, bad) == []


def test_min_block_chars_drops_short_blocks():
    art = f"<p>{PARA}</p><ul><li>200 g flour</li><li>2 eggs</li><li>1 pinch salt</li></ul><p>{PARA}</p>"
    doc, _ = extract_document(rec(page(art)), cfg(min_block_chars=10))
    assert "2 eggs" not in doc.text_blocks and "200 g flour" in doc.text_blocks


def test_caption_index_answers_as_a_css_query_on_each_element_inside_what_it_covers(monkeypatch):
    from selectolax.lexbor import LexborHTMLParser

    from mmcorpus.extract import document
    from mmcorpus.extract.document import _CAPTION_CSS, CaptionIndex

    html = ("<div class='gallery'><div class='wp-caption' id='a'><img src='/1.jpg'><p class='wp-caption-text'>One</p>"
            "</div><div id='b'><span class='photo-credit'>Credit B</span><img src='/2.jpg'>"
            "<p class='Caption'>Two</p></div><div id='c'><div><img src='/3.jpg'></div></div>"
            "<figure><img src='/4.jpg'><figcaption class='bildunterschrift'>Vier</figcaption></figure></div>")
    body = LexborHTMLParser(html).body

    def inside(node, top) -> bool:
        while node is not None:
            if node.mem_id == top.mem_id:
                return True
            node = node.parent
        return False

    def check(index, covered) -> None:
        for node in body.traverse():
            if any(inside(node, top) for top in covered):
                want = node.css_first(_CAPTION_CSS)
                got = index.first_in(node)
                assert (got.mem_id if got is not None else None) == (want.mem_id if want is not None else None), \
                    node.html

    divs = body.css("div")
    for order in (divs, divs[::-1], [divs[2], divs[0], divs[2]], [body]):  # nested, repeated, the whole page
        index = CaptionIndex(body)
        for i, top in enumerate(order):
            index.cover(top)
            check(index, order[:i + 1])
    monkeypatch.setattr(document, "_MAX_CAPTION_QUERIES", 1)  # past the bound: the whole page at once
    index = CaptionIndex(body)
    index.cover(divs[3])
    index.cover(divs[1])
    check(index, [body])


def test_image_caption_from_a_caption_class_beside_it():
    art = (f"<p>{PARA}</p><div class='wp-caption'><img src='/a.jpg' width='600' height='400'>"
           f"<p class='wp-caption-text'>The harbour at dawn</p></div><div><div><img src='/b.jpg' width='600' "
           f"height='400'></div><span class='credit'>Photo: Jane Doe</span></div><p>{PARA}</p>")
    doc, _ = extract_document(rec(f"<html><body><article>{art}</article></body></html>"), cfg())
    assert [i.caption for i in doc.image_refs] == ["The harbour at dawn", "Photo: Jane Doe"]
