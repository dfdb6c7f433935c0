"""``mmcorpus inspect``: statistics of the sample run, as tables, JSON and PNG histograms."""

from __future__ import annotations

import json

import pytest

from mmcorpus.cli.main import main
from mmcorpus.shards.reader import open_dataset
from mmcorpus.tools.inspect import collect, estimate_tokens, report, summarize


@pytest.fixture(scope="module")
def out(sample_run):
    return sample_run


def test_summarize_and_token_estimate():
    assert summarize([]) == {"n": 0}
    assert summarize([1, 2, 3, 4, 10]) == {"n": 5, "mean": 4.0, "min": 1, "p50": 3, "p90": 10, "max": 10}
    assert [estimate_tokens(n) for n in (0, 1, 4, 5)] == [0, 1, 1, 2]


def test_stats_agree_with_the_manifest_and_index(out):
    import pyarrow.parquet as pq

    ds = open_dataset(str(out))
    rep = report(ds, collect(ds))
    for name, entry in ds.manifest["outputs"].items():
        s = rep["sets"][name]
        assert s["samples"] == entry["samples"] and s["bytes"] == sum(x["bytes"] for x in entry["shards"])
    rows = pq.read_table(out / "interleaved" / "interleaved-000000.parquet").to_pylist()
    inter = rep["sets"]["interleaved"]
    # the sample's /paint page reuses /gardens' paragraphs: near-dedupe keeps /paint (more words), so
    # /gardens and its images are not in interleaved/ (docs/dedup.md)
    assert inter["stats"]["images_per_doc"]["n"] == 2
    assert inter["totals"]["images_per_doc"] == sum(r["n_images"] for r in rows) == 5
    assert inter["totals"]["text_chars"] == sum(r["n_chars"] for r in rows)
    assert inter["counts"]["language"] == {"en": 2}
    assert rep["near_duplicates"]["dropped"] == rep["drops"]["dedup/dropped:near_duplicate"] == 1
    assert rep["sets"]["pairs"]["stats"]["image_width"]["max"] == 320
    assert rep["drops"]["extract/dropped:language_prefilter"] == 1 and rep["balance"]["balanced"]
    assert rep["token_estimate"] == "ceil(chars / 4)"


def test_cli_tables_json_and_plots(out, tmp_path, capsys):
    assert main(["inspect", str(out)]) == 0
    text = capsys.readouterr().out
    for needle in ("interleaved-000000.tar", "images_per_doc", "tokens_est", "dedup/dropped:duplicate_url",
                   "ledger adds up"):
        assert needle in text
    assert main(["inspect", str(out / "pairs" / "pairs-000000.tar"), "--json", "--plot", str(tmp_path)]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["kind"] == "tar" and rep["sets"]["pairs"]["counts"]["caption_source"] == {"figcaption": 2, "alt": 2}
    from PIL import Image

    assert rep["plots"] and all(Image.open(p).size == (640, 360) for p in rep["plots"])
    assert (tmp_path / "pairs-caption_chars.png").exists()


def test_limit_and_bad_path(out, tmp_path, capsys):
    assert main(["inspect", str(out / "pairs"), "--json", "--limit", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["sets"]["pairs"]["samples"] == 2
    assert main(["inspect", str(tmp_path)]) == 2
    assert "no shards" in capsys.readouterr().err
