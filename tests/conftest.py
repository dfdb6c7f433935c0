"""Shared fixtures: a small WARC written on the fly, and the real-data folder when present."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SAMPLE_WARC = REPO / "samples" / "sample.warc.gz"


def shared(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test with a reason when it is absent."""
    p = SHARED_DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"real data not available: {p} (see ../shared/data/README.md)")
    return p


def write_warc(path: Path, records: list[dict], gzip: bool = True) -> Path:
    """Write records given as dicts: url, body, ctype, status ('200 OK'), type ('response'), headers."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=gzip)
        for r in records:
            rtype = r.get("type", "response")
            body = r.get("body", b"")
            if rtype in ("response",) and r.get("http", True):
                hdrs = [("Content-Type", r.get("ctype", "text/html"))] + list(r.get("headers", []))
                http = StatusAndHeaders(r.get("status", "200 OK"), hdrs, protocol="HTTP/1.1")
                rec = writer.create_warc_record(r["url"], rtype, payload=io.BytesIO(body), http_headers=http,
                                                warc_headers_dict=r.get("warc_headers"))
            else:
                rec = writer.create_warc_record(r["url"], rtype, payload=io.BytesIO(body),
                                                warc_content_type=r.get("ctype"),
                                                warc_headers_dict=r.get("warc_headers"))
            writer.write_record(rec)
    return path


@pytest.fixture
def make_warc(tmp_path):
    def _make(records, name="test.warc.gz", gzip=True):
        return write_warc(tmp_path / name, records, gzip=gzip)

    return _make
