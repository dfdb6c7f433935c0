import json

import pytest
from conftest import SAMPLE_WARC, shared

from mmcorpus import schemas
from mmcorpus.cli.main import main
from mmcorpus.io.documents import read_documents, write_documents


@pytest.mark.parametrize("name", ["docs.jsonl.gz", "docs.jsonl", "docs.parquet"])
def test_extract_sample_to_each_format(tmp_path, capsys, name):
    out = tmp_path / name
    assert main(["extract", "-q", str(SAMPLE_WARC), "-o", str(out)]) == 0
    docs = list(read_documents(str(out)))
    assert len(docs) == 7  # 9 pages: the German page and the gibberish page are dropped
    urls = {d.url for d in docs}
    assert "http://sample.mmcorpus.test/de/stadtpark" not in urls
    for d in docs:
        schemas.validate("document.v1", d.to_json())
        assert d.language == "en"
    lighthouse = next(d for d in docs if d.url.endswith("/lighthouses"))
    kinds = ["img" if t is None else "txt" for t in lighthouse.texts]
    assert kinds.count("img") == 3 and kinds[0] == "txt"  # images where they occur, after the heading
    assert lighthouse.images[kinds.index("img")].caption == "The lighthouse at dusk, its lamp just lit."
    assert not any("cookie" in t.lower() for t in lighthouse.text_blocks)


def test_summary_reports_the_ledger(tmp_path, capsys):
    assert main(["extract", str(SAMPLE_WARC), "-o", str(tmp_path / "d.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "ledger adds up: 22 records, 9 pages -> 7 documents" in out
    assert "extract dropped: language_prefilter" in out  # the German page, before the main-content rules


def test_bad_output_extension_is_a_clear_error(tmp_path, capsys):
    assert main(["extract", str(SAMPLE_WARC), "-o", str(tmp_path / "d.csv")]) == 2
    assert "unknown output format" in capsys.readouterr().err


def test_roundtrip_parquet_and_jsonl(tmp_path):
    docs = list(read_documents(str(_extract(tmp_path))))
    for name in ("a.parquet", "a.jsonl.gz"):
        write_documents(str(tmp_path / name), docs)
        assert list(read_documents(str(tmp_path / name))) == docs


def _extract(tmp_path):
    out = tmp_path / "base.jsonl"
    assert main(["extract", "-q", str(SAMPLE_WARC), "-o", str(out)]) == 0
    return out


@pytest.mark.realdata
def test_common_crawl_excerpt_and_eval_sample(tmp_path):
    cc = shared("cc-warc-resiliparse", "warcfile.warc.gz")
    ev = shared("warc-pages-from-eval", "trafilatura-eval-sample.warc.gz")
    out = tmp_path / "docs.jsonl"
    assert main(["extract", "-q", "--workers", "2", "--set", "language.languages=", str(cc), str(ev),
                 "-o", str(out)]) == 0
    docs = list(read_documents(str(out)))
    assert len(docs) > 200  # of 16 + 368 pages, every language kept
    for d in docs:
        schemas.validate("document.v1", json.loads(json.dumps(d.to_json())))
