"""Pages that would keep the HTML parser busy for minutes end quickly as counted drops (issue 14).

The bound checked: extracting any of these bombs (up to 3 MB) takes under 5 s on CI's cores
(measured here ~0.3 s each; unguarded, the 200,000-attribute ``<div>`` took 178 s), and ends in
``extract/dropped:too_many_attributes`` or ``extract/dropped:too_many_options``.
"""

import gzip
import time

import pytest
from conftest import shared

from mmcorpus.config import ExtractConfig
from mmcorpus.data import HtmlRecord, Provenance
from mmcorpus.extract.document import extract_document
from mmcorpus.extract.prescan import attribute_names, max_attributes, prescan, select_option_work
from mmcorpus.ledger import Ledger

CFG = ExtractConfig()
PARA = b"<p>" + b"Plain words of a real paragraph, long enough to be kept by the rules. " * 5 + b"</p>"


def record(body: bytes) -> HtmlRecord:
    return HtmlRecord(url="http://bomb.test/", body=body, status=200, content_type="text/html", http_headers={},
                      provenance=Provenance("x.warc.gz", 0, len(body), "urn:x", None))


def page(inner: bytes) -> bytes:
    return b"<html><head><title>t</title></head><body>" + PARA + inner + b"</body></html>"


BOMBS = {
    "200k_attributes": page(b"<div " + b" ".join(b"a%d=x" % i for i in range(200_000)) + b">x</div>"),
    "quoted_brackets": page(b"<div " + b" ".join(b'a%d="<>"' % i for i in range(100_000)) + b">x</div>"),
    "slash_separated": page(b"<div " + b"/".join(b"a%d" % i for i in range(100_000)) + b">x</div>"),
    "no_separators": page(b"<div " + b"".join(b'a%d="" ' % i for i in range(100_000)) + b">x</div>"),
    "merged_body_tags": page(b"".join(b"<body a%d=x b%d=x c%d=x d%d=x e%d=x>" % ((i,) * 5) for i in range(4_000))),
    # a quote in the tag name opens no value: the parser reads a1, a2... as attributes
    "quote_in_tag_name": page(b'<div="x ' + b" ".join(b"a%d" % i for i in range(100_000)) + b'">x</div>'),
    "hidden_after_fake_comment": page(b'<p title="<!--">x</p><div ' + b" ".join(b"a%d" % i for i in range(50_000))
                                      + b"></div><!-- -->"),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_attribute_bombs_are_dropped_fast(name):
    ledger = Ledger()
    t0 = time.perf_counter()
    doc, reason = extract_document(record(BOMBS[name]), CFG, ledger)
    elapsed = time.perf_counter() - t0
    assert doc is None and reason == "too_many_attributes"
    assert ledger.to_dict() == {"extract/dropped:too_many_attributes": 1}
    assert elapsed < 5, f"{name}: {elapsed:.1f} s"


def test_option_bomb_is_dropped_fast():
    ledger = Ledger()
    t0 = time.perf_counter()
    doc, reason = extract_document(record(page(b"<select>" + b"<option>x" * 300_000 + b"</select>")), CFG, ledger)
    assert reason == "too_many_options" and ledger.to_dict() == {"extract/dropped:too_many_options": 1}
    assert time.perf_counter() - t0 < 5


def test_ordinary_markup_passes():
    # many options spread over selects, long data: URLs, stray quotes, script text that looks like tags
    body = page(
        (b"<select>" + b"<option>x</option>" * 300 + b"</select>") * 20
        + b'<img src="data:image/png;base64,' + b"A" * 200_000 + b'" alt="x">'
        + b'<div class="a"" id=b>x</div>'
        + b"<script>" + b"for(i=0;i<n;i++){a<b" + b" x" * 5000 + b"}" + b"</script>"
        + b"<style>" + b"a<b " * 5000 + b"</style>"
    )
    assert prescan(body, CFG) is None
    doc, reason = extract_document(record(body), CFG)
    assert reason is None and doc is not None


def test_counting_rules():
    assert attribute_names(b'<div a=1 B=2 a=3 c d="x>y"e=\'f\'') == {b"a", b"b", b"c", b"d", b"e"}
    assert attribute_names(b'<img class="x"" alt=y') == {b"class", b'"', b"alt"}
    assert max_attributes(b"<div " + b" ".join(b"a%d" % i for i in range(300)) + b">", 256) == 300
    assert max_attributes(b"<div " + b" a" * 300 + b">", 256) == 1  # repeated names are cheap for the parser
    assert max_attributes(b"<script>" + b"<x " + b" ".join(b"a%d" % i for i in range(300)) + b"></script>", 256) == 0
    assert max_attributes(b"<html a=1><html b=2><body c=3><body d=4 e=5>", 1) == 3
    assert max_attributes(b'<div="x ' + b" ".join(b"a%d" % i for i in range(300)) + b'">', 256) == 300
    assert max_attributes(b"<div " + b" ".join(b"a%d" % i for i in range(256)) + b"></div>", 256) == 0
    assert select_option_work(b"<select><option>a<option>b</select><select><option>c") == 4 + 1
    assert select_option_work(b"<datalist><option>a</datalist>") == 0


@pytest.mark.realdata
def test_real_pages_are_not_dropped():
    folder = shared("extraction-wcxb-dev", "dev", "html")
    files = sorted(folder.glob("*.html.gz"))[::5]
    dropped = [f.name for f in files if prescan(gzip.decompress(f.read_bytes()), CFG)]
    assert len(files) > 100 and not dropped
