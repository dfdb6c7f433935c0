"""Which images a document takes: <noscript> twins of lazy-loaded pictures, and images whose
nearest text was dropped as boilerplate (self-made HTML)."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from mmcorpus.config import ExtractConfig
from mmcorpus.data import HtmlRecord, Provenance
from mmcorpus.extract.document import _names_url, extract_document
from mmcorpus.extract.page_tree import build_page_tree, noscript_twins, remove_junk

PARA = ("This is a long paragraph of real article text, with commas, clauses, and enough words "
        "to look like prose that a reader came to the page for. ")
URL = "https://example.com/news/story.html"


def doc_of(article: str):
    html = f"<html><head><title>T</title></head><body><article>{article}</article></body></html>"
    body = html.encode()
    prov = Provenance(warc_file="t", offset=0, length=len(body), record_id="<urn:1>", fetch_date=None)
    rec = HtmlRecord(url=URL, body=body, status=200, content_type="text/html", http_headers={}, provenance=prov)
    doc, reason = extract_document(rec, ExtractConfig())
    assert reason is None
    return doc


def twins_of(html: str) -> dict[int, int]:
    root = LexborHTMLParser(html).body
    remove_junk(root)
    return noscript_twins(build_page_tree(root, 256, 100), _names_url)


LAZY_FIGURE = (
    "<figure><div><div class='blur'><img src='/max/60/pic.png?q=20' width='1894' height='970'></div>"
    "<img class='swap' width='1894' height='970'>"
    "<noscript><img src='/max/3788/pic.png' width='1894' height='970'></noscript></div>"
    "<figcaption>Memory leak in action</figcaption></figure>"
)


def test_placeholder_and_noscript_twin_are_one_picture_with_the_real_file_first():
    doc = doc_of(f"<p>{PARA}</p>{LAZY_FIGURE}<p>{PARA}</p>")
    (ref,) = doc.image_refs
    assert ref.url == "https://example.com/max/3788/pic.png"
    # the shown element's src is the script's placeholder: not a candidate to fetch
    assert ref.candidates == ["https://example.com/max/3788/pic.png"]
    assert ref.caption == "Memory leak in action"
    assert (ref.declared_width, ref.declared_height) == (1894, 970)


def test_noscript_twin_keeps_the_shown_elements_lazy_urls_after_its_own():
    doc = doc_of(f"<p>{PARA}</p><p><img src='data:image/gif;base64,R0lG' data-src='/big.jpg'>"
                 f"<noscript><img src='/real.jpg'></noscript></p><p>{PARA}</p>")
    (ref,) = doc.image_refs
    assert ref.candidates == ["https://example.com/real.jpg", "https://example.com/big.jpg"]


def test_noscript_twin_only_for_a_single_image_right_before_it():
    # the <noscript> holds two images: not one picture's fallback
    assert twins_of("<div><img src='/a.jpg'><noscript><img src='/b.jpg'><img src='/c.jpg'></noscript></div>") == {}
    # the previous sibling holds text as well as the image: not a placeholder
    assert twins_of("<div><p><img src='/a.jpg'>Some words</p><noscript><img src='/b.jpg'></noscript></div>") == {}
    # nothing before it in its parent
    assert twins_of("<div><noscript><img src='/b.jpg'></noscript><img src='/a.jpg'></div>") == {}
    # an image naming no URL is passed over; the single-image wrapper before it is the twin
    assert twins_of("<div><span class='w'><img src='/a.jpg'></span><img class='x'>"
                    "<noscript><img src='/b.jpg'></noscript></div>") == {0: 2}


def test_teaser_thumbnails_go_with_their_dropped_headlines():
    teasers = "".join(
        f"<div class='story-block'><a href='/other/{i}'><img src='/thumb{i}.jpg'></a>"
        f"<h4><a href='/other/{i}'>Another story headline number {i} you might like</a></h4></div>"
        for i in range(3)
    )
    doc = doc_of(f"<p>{PARA}</p><figure><img src='/lead.jpg'><figcaption>The lead picture</figcaption>"
                 f"</figure><p>{PARA}</p><div><img src='/inline.jpg'><p>{PARA}</p></div>{teasers}")
    urls = [r.url for r in doc.image_refs]
    assert urls == ["https://example.com/lead.jpg", "https://example.com/inline.jpg"]


def test_an_image_beside_a_credit_line_that_is_not_output_stays():
    # a short line and a credit line ("Source: ...", BAD by its words) are not page structure:
    # they do not decide for the picture
    doc = doc_of(f"<p>{PARA}</p><div><img src='/photo.jpg'><span>Getty</span></div><p>{PARA}</p>"
                 f"<div><p><img src='/chart.png'></p><p>Source: Tableau</p></div><p>{PARA}</p>")
    assert [r.url for r in doc.image_refs] == ["https://example.com/photo.jpg", "https://example.com/chart.png"]


def test_an_image_beside_flagged_furniture_goes():
    doc = doc_of(f"<p>{PARA}</p><div><img src='/promo.jpg'><div class='newsletter-signup'>Get our "
                 f"daily newsletter, every morning</div></div><p>{PARA}</p>")
    assert doc.image_refs == []
