"""Shared fixtures: small WARCs and tars written on the fly, one cached pipeline run on the bundled
sample, and the real-data folder when present."""

from __future__ import annotations

import io
import tarfile
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


def word(n: int) -> str:
    """For dedup tests: a made-up word for ``n`` in letters only (digits are folded to ``0`` by the normalisation)."""
    s = ""
    while True:
        n, r = divmod(n, 26)
        s += "abcdefghijklmnopqrstuvwxyz"[r]
        if n == 0:
            return s + "x"


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


def make_tar(path: Path, members: list[tuple[str, bytes]], links: tuple[str, ...] = ()) -> Path:
    """A plain tar of (name, bytes) members, plus symlinks to /etc/passwd named in ``links``."""
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tf:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
        for name in links:
            ti = tarfile.TarInfo(name)
            ti.type, ti.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tf.addfile(ti)
    return path


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> Path:
    """One pipeline run on the bundled sample, shared by the reader/inspect/validate/view tests.

    Tests must not modify it: copy it first (``shutil.copytree``) to break it on purpose.
    """
    from mmcorpus.pipelines.crawl_to_shards import run

    out = tmp_path_factory.getbasetemp() / "mmcorpus-sample-run"
    if not (out / "manifest.json").exists():
        # one shard per set (shards.min_shards=1): these tests look at several samples of one shard
        run([str(SAMPLE_WARC), "-o", str(out), "--runner", "inprocess", "-q", "--set", "shards.min_shards=1"])
    return out


@pytest.fixture(scope="session")
def default_sample_run(tmp_path_factory) -> Path:
    """The sample run exactly as the docs show it (default config: shards.min_shards=8 gives one
    shard per sample on this small crawl), for the doc-snippet and reader-compatibility tests."""
    from mmcorpus.pipelines.crawl_to_shards import run

    out = tmp_path_factory.getbasetemp() / "mmcorpus-default-sample-run"
    if not (out / "manifest.json").exists():
        run([str(SAMPLE_WARC), "-o", str(out), "--runner", "inprocess", "-q"])
    return out
