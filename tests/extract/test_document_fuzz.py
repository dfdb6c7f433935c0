"""Property test: random markup never makes extract_document raise or break the invariants."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mmcorpus.config import ExtractConfig
from mmcorpus.data import HtmlRecord, Provenance
from mmcorpus.extract.decode import decode_html
from mmcorpus.extract.document import extract_document
from mmcorpus.ledger import Ledger

TAGS = ["p", "div", "span", "a", "img", "figure", "figcaption", "ul", "li", "table", "td", "script",
        "style", "nav", "article", "h1", "picture", "source", "br", "noscript", "svg", "form"]
ATTRS = ["src='x.jpg'", "srcset='a.jpg 10w, b.jpg 20w'", "data-src='/l.png'", "class='comments'",
         "hidden", "style='display:none'", "width='1'", "height='300px'", "alt='<'", "href='/'",
         "aria-hidden='true'", "src='data:xx'", "src='http://[bad'", "srcset=',,, 3x'"]
WORDS = ["lorem ipsum dolor, sit amet. " * 3, "&amp;", "&#0;", "<", ">", "\x00", "é", "\ud7ff",
         "<!--", "-->", "<![CDATA[", "]]>", "</", "\n\t"]

piece = st.one_of(
    st.builds(lambda t, a: f"<{t} {a}>", st.sampled_from(TAGS), st.sampled_from(ATTRS)),
    st.builds(lambda t: f"</{t}>", st.sampled_from(TAGS)),
    st.sampled_from(WORDS),
    st.text(max_size=20),
)
markup = st.lists(piece, max_size=80).map("".join)


def _record(body: bytes, ct: str) -> HtmlRecord:
    prov = Provenance(warc_file="f", offset=0, length=len(body), record_id="r", fetch_date=None)
    return HtmlRecord(url="https://ex.com/a/b", body=body, status=200, content_type=ct,
                      http_headers={}, provenance=prov)


def _check(body: bytes, ct: str = "text/html") -> None:
    cfg = ExtractConfig()
    cfg.min_doc_chars = 0
    led = Ledger()
    doc, reason = extract_document(_record(body, ct), cfg, led)
    assert sum(led.counts.values()) == 1
    if doc is None:
        assert isinstance(reason, str) and reason != "error" and led.get(f"extract/dropped:{reason}") == 1
    else:
        assert reason is None and len(doc.texts) == len(doc.images)
        assert all((t is None) != (i is None) for t, i in zip(doc.texts, doc.images))
        assert len({i.url for i in doc.image_refs}) == len(doc.image_refs)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markup)
def test_random_markup(html):
    _check(html.encode("utf-8", "surrogatepass"))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(["text/html", "", "text/html; charset=utf-16",
                                                  "text/html; charset=bogus"]))
def test_random_bytes(body, ct):
    _check(body, ct)
    text, enc = decode_html(body, ct)
    assert isinstance(text, str) and enc
