"""Files cut at any byte: every cut record is one counted ``truncated_record`` error, never a page.

Ground truth comes from reading the whole file with ``with_raw=True``: a record whose bytes end at
or before the cut is whole, a record the cut falls inside is cut. The reader must yield exactly
the whole records' pages and images, count one error and one truncated file when a record is cut,
and balance its ledger. Generated files are cut at every 2nd byte (gzip) or every 4th byte (plain)
and next to each record end; real files from ../shared/data at 25 seeded positions each.
"""

import logging
import random
from pathlib import Path

import pytest
from conftest import shared

from mmcorpus.data import HtmlRecord, ImageRecord
from mmcorpus.io.warc import RawRecord, iter_warc
from mmcorpus.ledger import Ledger, warc_balance

HTML = b"<!DOCTYPE html><html><head><title>t</title></head><body><p>Hello</p></body></html>"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3


def _whole(path: Path) -> tuple[list[tuple[int, int]], list[int]]:
    """Record byte ranges and the end offsets of the records that become pages or images."""
    raws, outs = [], []
    for r in iter_warc(str(path), with_raw=True):
        (raws if isinstance(r, RawRecord) else outs).append(r)
    bounds = [(r.provenance.offset, r.provenance.offset + r.provenance.length) for r in raws]
    return bounds, [o.provenance.offset + o.provenance.length for o in outs]


def _check_cut(data: bytes, cut: int, bounds, out_ends, scratch: Path) -> str | None:
    scratch.write_bytes(data[:cut])
    ledger = Ledger()
    items = list(iter_warc(str(scratch), count=ledger))
    whole = sum(1 for e in out_ends if e <= cut)
    cut_inside = any(a < cut < b for a, b in bounds)
    errors = ledger.by_prefix("warc", "error")
    read, accounted = warc_balance(ledger)
    want_errors = {"truncated_record": 1} if cut_inside else {}
    if (len(items), errors, ledger.get("warc/truncated_files"), read) != (whole, want_errors, int(cut_inside),
                                                                            accounted):
        return f"cut at {cut}: {len(items)} items (want {whole}), ledger {ledger.to_dict()}"
    if any(isinstance(i, HtmlRecord) and i.body != HTML * 10 for i in items):
        return f"cut at {cut}: a page with a short body passed on"
    return None


@pytest.fixture
def quiet():
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


@pytest.mark.parametrize("gzip", [True, False], ids=["gz", "plain"])
def test_every_cut_of_a_generated_warc_is_counted(make_warc, tmp_path, quiet, gzip):
    path = make_warc([
        {"url": "http://a.test/", "type": "request", "body": b"GET / HTTP/1.1\r\n\r\n", "ctype": "application/http"},
        {"url": "http://a.test/1", "body": HTML * 10},
        {"url": "http://a.test/x.png", "body": PNG, "ctype": "image/png"},
        {"url": "http://a.test/2", "body": HTML * 10},
        {"url": "http://a.test/3", "body": HTML * 10},
    ], name="g.warc.gz" if gzip else "g.warc", gzip=gzip)
    data = path.read_bytes()
    bounds, out_ends = _whole(path)
    assert len(bounds) == 5 and len(out_ends) == 4
    scratch = tmp_path / ("cut.warc.gz" if gzip else "cut.warc")
    step = 2 if gzip else 4
    cuts = sorted(set(range(1, len(data), step)) | {b for _, b in bounds[:-1]} | {b - 1 for _, b in bounds})
    problems = [p for cut in cuts if (p := _check_cut(data, cut, bounds, out_ends, scratch))]
    assert not problems, f"{len(problems)} of {len(cuts)} cuts wrong, e.g. {problems[:3]}"


REAL = ["cc-warc-resiliparse/warcfile.warc.gz", "warc-dolma-wget/sample-0000.warc.gz",
        "warc-aut-archiveorg-2008/issue-493.warc", "warc-aut-archiveorg-2008/issue-514.warc"]


@pytest.mark.realdata
@pytest.mark.parametrize("name", REAL)
def test_real_warcs_cut_at_random_bytes(tmp_path, quiet, name):
    path = shared(*name.split("/"))
    data = path.read_bytes()
    bounds, out_ends = _whole(path)
    scratch = tmp_path / ("cut" + "".join(path.suffixes))
    rng = random.Random(14)
    cuts = sorted(rng.sample(range(1, len(data)), 25))
    problems = []
    for cut in cuts:
        scratch.write_bytes(data[:cut])
        ledger = Ledger()
        items = list(iter_warc(str(scratch), count=ledger))
        cut_inside = any(a < cut < b for a, b in bounds)
        read, accounted = warc_balance(ledger)
        got = (len(items), sum(ledger.by_prefix("warc", "error").values()), ledger.get("warc/truncated_files"))
        if got != (sum(1 for e in out_ends if e <= cut), int(cut_inside), int(cut_inside)) or read != accounted:
            problems.append((cut, got, ledger.to_dict()))
    assert not problems, problems[:3]
    assert any(a < c < b for c in cuts for a, b in bounds), "no cut fell inside a record"


def test_warc_truncated_header_page_kept_image_skipped(make_warc):
    """Common Crawl's ``WARC-Truncated: length`` (payload cut at 1 MiB, record whole): the page is
    kept and the flag counted; the image is skipped, as it cannot decode whole."""
    path = make_warc([
        {"url": "http://a.test/", "body": HTML, "warc_headers": {"WARC-Truncated": "length"}},
        {"url": "http://a.test/x.png", "body": PNG, "ctype": "image/png", "warc_headers": {"WARC-Truncated": "time"}},
        {"url": "http://a.test/y", "body": HTML, "warc_headers": {"WARC-Truncated": "bogus"}},
    ])
    ledger = Ledger()
    items = list(iter_warc(str(path), count=ledger))
    assert [type(i) for i in items] == [HtmlRecord, HtmlRecord]
    assert not any(isinstance(i, ImageRecord) for i in items)
    assert ledger.stage("warc") == {"files": 1, "records_read": 3, "pages": 2, "skipped:truncated_image": 1,
                                    "warc_truncated:length": 1, "warc_truncated:other": 1}


def test_short_file_inside_the_first_header(tmp_path, make_warc):
    data = make_warc([{"url": "http://a.test/", "body": HTML}], gzip=False).read_bytes()
    for n in (1, 3, 5, 9, 40):
        p = tmp_path / f"short{n}.warc"
        p.write_bytes(data[:n])
        ledger = Ledger()
        assert list(iter_warc(str(p), count=ledger)) == []
        assert ledger.by_prefix("warc", "error") == {"truncated_record": 1}, (n, ledger)
