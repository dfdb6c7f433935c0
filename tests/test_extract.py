"""Unit tests for mmcorpus.extract / html_decode / image_urls on small literal HTML."""

from __future__ import annotations

import pytest

from mmcorpus.config import ExtractConfig
from mmcorpus.data import HtmlRecord, Provenance
from mmcorpus.extract import extract_document
from mmcorpus.html_decode import decode_html, looks_binary
from mmcorpus.image_urls import best_srcset, parse_dimension
from mmcorpus.stats import Ledger

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
    assert decode_html("hé".encode("utf-16-le"), None)[1] in ("utf-8", "windows-1252", "cp1252", "ascii") \
        or True  # no BOM: any decoding, but no crash
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
