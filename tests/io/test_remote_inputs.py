"""Inputs over HTTP (a server of our own on 127.0.0.1) and through fsspec's memory filesystem."""

import functools
import http.server
import threading

import pytest
from conftest import SAMPLE_WARC

from mmcorpus.config import WarcConfig
from mmcorpus.io.inputs import expand_inputs
from mmcorpus.io.warc import iter_warc
from mmcorpus.ledger import Ledger, warc_balance


@pytest.fixture
def http_root(tmp_path):
    (tmp_path / "crawl").mkdir()
    (tmp_path / "crawl" / "sample.warc.gz").write_bytes(SAMPLE_WARC.read_bytes())
    (tmp_path / "warc.paths").write_text("crawl/sample.warc.gz\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_warc_over_http_reads_like_a_local_file(http_root):
    ledger = Ledger()
    items = list(iter_warc(f"{http_root}/crawl/sample.warc.gz", WarcConfig(), ledger))
    assert ledger.get("warc/pages") == 9 and ledger.get("warc/images") == 9
    read, accounted = warc_balance(ledger)
    assert read == accounted == 22 and len(items) == 18


def test_paths_list_over_http_with_base_url(http_root):
    urls = expand_inputs([f"{http_root}/warc.paths"], base_url=http_root)
    assert urls == [f"{http_root}/crawl/sample.warc.gz"]


def test_missing_remote_file_is_a_counted_error(http_root):
    ledger = Ledger()
    assert list(iter_warc(f"{http_root}/crawl/absent.warc.gz", WarcConfig(), ledger)) == []
    assert ledger.get("warc/error:unreadable_file") == 1


def test_memory_filesystem_glob():
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe("/bucket/crawl/a.warc.gz", SAMPLE_WARC.read_bytes())
    fs.pipe("/bucket/crawl/b.warc.gz", SAMPLE_WARC.read_bytes())
    urls = expand_inputs(["memory://bucket/crawl/*.warc.gz"])
    assert [u.rsplit("/", 1)[1] for u in urls] == ["a.warc.gz", "b.warc.gz"]
    ledger = Ledger()
    for u in urls:
        list(iter_warc(u, WarcConfig(), ledger))
    assert ledger.get("warc/pages") == 18
