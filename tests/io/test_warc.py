import gzip
import zlib
from pathlib import Path

import brotli
import pytest
from conftest import SHARED_DATA, shared

from mmcorpus.config import WarcConfig
from mmcorpus.data import HtmlRecord, ImageRecord
from mmcorpus.io.warc import RawRecord, iter_warc, normalise_target_uri
from mmcorpus.ledger import Ledger, warc_balance

HTML = b"<!DOCTYPE html><html><head><title>t</title></head><body><p>Hello</p></body></html>"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def read(path, cfg=None):
    ledger = Ledger()
    items = list(iter_warc(str(path), cfg or WarcConfig(), ledger))
    return items, ledger


def assert_balanced(ledger):
    read_, accounted = warc_balance(ledger)
    assert read_ == accounted, ledger


def test_routes_every_record_type(make_warc):
    path = make_warc([
        {"url": "http://a.test/", "body": HTML},
        {"url": "http://a.test/x.png", "body": PNG, "ctype": "image/png"},
        {"url": "http://a.test/r", "body": b"", "status": "301 Moved"},
        {"url": "http://a.test/404", "body": HTML, "status": "404 Not Found"},
        {"url": "http://a.test/500", "body": HTML, "status": "503 Busy"},
        {"url": "http://a.test/s.css", "body": b"p{}", "ctype": "text/css"},
        {"url": "http://a.test/", "type": "request", "body": b"GET / HTTP/1.1\r\n\r\n", "ctype": "application/http"},
        {"url": "http://a.test/", "type": "metadata", "body": b"via: x", "ctype": "application/warc-fields"},
        {"url": "http://a.test/", "type": "revisit", "body": b"", "http": False},
        {"url": "http://a.test/e", "body": b""},
    ])
    items, ledger = read(path)
    pages = [i for i in items if isinstance(i, HtmlRecord)]
    images = [i for i in items if isinstance(i, ImageRecord)]
    assert [p.url for p in pages] == ["http://a.test/"]
    assert pages[0].body == HTML and pages[0].status == 200
    assert pages[0].http_headers["content-type"] == "text/html"
    assert [i.url for i in images] == ["http://a.test/x.png"]
    assert ledger.stage("warc") == {
        "files": 1, "records_read": 10, "pages": 1, "images": 1,
        "skipped:http_3xx": 1, "skipped:http_4xx": 1, "skipped:http_5xx": 1,
        "skipped:other_content_type": 1, "skipped:request": 1, "skipped:metadata": 1,
        "skipped:revisit": 1, "skipped:empty_payload": 1,
    }
    assert_balanced(ledger)


def test_provenance_points_at_the_record(make_warc, tmp_path):
    path = make_warc([{"url": "http://a.test/1", "body": HTML}, {"url": "http://a.test/2", "body": HTML}])
    (p1, p2), _ = read(path)
    assert p1.provenance.offset == 0 and p2.provenance.offset == p1.provenance.length
    assert p1.provenance.record_id.startswith("urn:uuid:")
    assert p1.provenance.fetch_date and p1.provenance.warc_file == str(path)
    # the offset/length really delimit the record: re-read it alone
    raw = Path(path).read_bytes()[p2.provenance.offset:p2.provenance.offset + p2.provenance.length]
    (tmp_path / "one.warc.gz").write_bytes(raw)
    (only,), _ = read(tmp_path / "one.warc.gz")
    assert only.url == "http://a.test/2"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_content_encodings_are_decoded(make_warc, encoding):
    body = {"gzip": gzip.compress(HTML), "deflate": zlib.compress(HTML), "br": brotli.compress(HTML)}[encoding]
    path = make_warc([{"url": "http://a.test/", "body": body, "headers": [("Content-Encoding", encoding)]}])
    (page,), ledger = read(path)
    assert page.body == HTML
    assert_balanced(ledger)


def test_chunked_transfer_encoding(make_warc):
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in (HTML[:20], HTML[20:])) + b"0\r\n\r\n"
    path = make_warc([{"url": "http://a.test/", "body": chunked, "headers": [("Transfer-Encoding", "chunked")]}])
    (page,), _ = read(path)
    assert page.body == HTML


def test_sniffing_when_the_header_lies(make_warc):
    path = make_warc([
        {"url": "http://a.test/p", "body": HTML, "ctype": "text/plain"},
        {"url": "http://a.test/o", "body": HTML, "ctype": "application/octet-stream"},
        {"url": "http://a.test/i", "body": PNG, "ctype": "text/html"},
        {"url": "http://a.test/t", "body": b"just some words", "ctype": "text/plain"},
    ])
    items, ledger = read(path)
    assert [(type(i).__name__, i.url) for i in items] == [
        ("HtmlRecord", "http://a.test/p"), ("HtmlRecord", "http://a.test/o"), ("ImageRecord", "http://a.test/i")]
    assert items[2].content_type == "image/png"
    assert ledger.get("warc/skipped:other_content_type") == 1


def test_size_cap_is_a_counted_drop(make_warc):
    path = make_warc([{"url": "http://a.test/big", "body": HTML * 100}, {"url": "http://a.test/ok", "body": HTML}])
    items, ledger = read(path, WarcConfig(max_record_bytes=len(HTML) * 10))
    assert [i.url for i in items] == ["http://a.test/ok"]
    assert ledger.get("warc/skipped:too_large") == 1
    assert_balanced(ledger)


def test_gzip_bomb_body_is_capped_not_inflated(make_warc):
    bomb = gzip.compress(b"<html>" + b" " * 50_000_000)
    path = make_warc([{"url": "http://a.test/", "body": bomb, "headers": [("Content-Encoding", "gzip")]}])
    items, ledger = read(path, WarcConfig(max_record_bytes=1_000_000))
    assert items == [] and ledger.get("warc/skipped:too_large") == 1


def test_wget_angle_bracket_uri():
    assert normalise_target_uri("<https://a.test/x>") == "https://a.test/x"
    assert normalise_target_uri(" http://a.test/a b ") == "http://a.test/a%20b"
    assert normalise_target_uri(None) == ""


def test_resource_records_and_uncompressed_warc(make_warc):
    path = make_warc([{"url": "file:///x.html", "type": "resource", "body": HTML, "ctype": "text/html"}],
                     name="plain.warc", gzip=False)
    (page,), ledger = read(path)
    assert page.url == "file:///x.html" and page.status is None
    assert_balanced(ledger)


def test_truncated_file_is_one_counted_error(make_warc, tmp_path):
    path = make_warc([{"url": f"http://a.test/{i}", "body": HTML * 50} for i in range(5)])
    data = Path(path).read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) * 2 // 3])
    items, ledger = read(cut)
    assert 1 <= len(items) < 5
    assert sum(ledger.by_prefix("warc", "error").values()) == 1
    assert_balanced(ledger)


def test_garbage_and_missing_files(tmp_path):
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(b"this is not a warc file at all\n" * 10)
    items, ledger = read(junk)
    assert items == [] and sum(ledger.by_prefix("warc", "error").values()) == 1
    items, ledger = read(tmp_path / "missing.warc.gz")
    assert ledger.get("warc/error:unreadable_file") == 1
    assert_balanced(ledger)


def test_with_raw_yields_a_summary_per_record(make_warc):
    path = make_warc([{"url": "http://a.test/", "body": HTML}, {"url": "http://a.test/r", "status": "302 Found"}])
    items = list(iter_warc(str(path), with_raw=True))
    raws = [i for i in items if isinstance(i, RawRecord)]
    assert [(r.warc_type, r.status, r.content_type) for r in raws] == [("response", 200, "text/html"),
                                                                      ("response", 302, "text/html")]


REAL_DIRS = ["warc-edgecases-warcio", "warc-pywb-samples", "cc-warc-resiliparse", "warc-ukwa-test-suite",
             "warc-aut-archiveorg-2008", "warc-ukwa-discovery", "warc-dolma-wget", "cc-warc-whirlwind"]


def _real_files():
    out = []
    for d in REAL_DIRS:
        root = SHARED_DATA / d
        if root.is_dir():
            out += sorted(p for p in root.rglob("*") if p.is_file() and ".warc" in p.name or p.name.endswith(
                (".arc", ".arc.gz")))
    return out


@pytest.mark.realdata
@pytest.mark.parametrize("path", _real_files() or [None], ids=lambda p: p.name if p else "absent")
def test_every_real_file_reads_or_fails_cleanly(path):
    if path is None:
        pytest.skip("real data not available: ../shared/data")
    items, ledger = read(path)
    assert_balanced(ledger)
    s = ledger.stage("warc")
    assert s.get("pages", 0) == sum(isinstance(i, HtmlRecord) for i in items)
    assert s.get("images", 0) == sum(isinstance(i, ImageRecord) for i in items)


@pytest.mark.realdata
def test_aut_2008_has_140_html_pages_and_55_images():
    from mmcorpus.cli.warc_stats import collect
    from mmcorpus.config import Config

    stats = collect([str(shared("warc-aut-archiveorg-2008", "example.warc.gz"))], Config())
    assert stats.html_any_status == 140
    assert stats.image_any_status == 55
    assert stats.ledger.get("warc/images") == 55
    read_, accounted = warc_balance(stats.ledger)
    assert read_ == accounted == 822


@pytest.mark.realdata
def test_arc_and_warc_of_one_crawl_agree():
    _, warc = read(shared("warc-aut-archiveorg-2008", "example.warc.gz"))
    _, arc = read(shared("warc-aut-archiveorg-2008", "example.arc.gz"))
    assert warc.get("warc/pages") == arc.get("warc/pages") == 94
    assert warc.get("warc/images") == arc.get("warc/images") == 55


@pytest.mark.realdata
def test_ukwa_truncated_files_stop_cleanly():
    for p in sorted(shared("warc-ukwa-test-suite", "small-arcs-and-warcs").glob("*truncated*")):
        items, ledger = read(p)
        assert_balanced(ledger)
        assert any(isinstance(i, HtmlRecord) for i in items), p
