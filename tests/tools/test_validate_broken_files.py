"""``mmcorpus validate`` on hostile folders (issue 14): broken ``sizes.json``, parquet index and
manifest types are findings, never a traceback; the ledger balance is recomputed from the
counters, not read from the stored flag; files a killed run left behind are reported."""

from __future__ import annotations

import json
import shutil

import pytest

from mmcorpus.cli.main import main
from mmcorpus.shards.reader import open_dataset
from mmcorpus.tools.validate import validate_dataset


def kinds(path) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in validate_dataset(open_dataset(str(path))):
        out.setdefault(f.kind, []).append(f)
    return out


@pytest.fixture
def copy(sample_run, tmp_path):
    dst = tmp_path / "out"
    shutil.copytree(sample_run, dst)
    return dst


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe"])
def test_broken_sizes_json(copy, content, capsys):
    (copy / "text" / "sizes.json").write_bytes(content)
    found = kinds(copy)
    assert list(found) == ["sizes_json"], found
    assert main(["validate", str(copy)]) == 1
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("content", [b"", b"PAR1garbagePAR1", b"not parquet at all"])
def test_broken_parquet_index(copy, content):
    idx = sorted((copy / "text").glob("*.parquet"))[0]
    idx.write_bytes(content)
    found = kinds(copy)
    assert set(found) == {"index"} and "does not read" in found["index"][0].message


@pytest.mark.parametrize("edit", [
    lambda m: m.update(ledger=[1, 2]),
    lambda m: m.update(ledger={"warc/records_read": "many"}),
    lambda m: m.update(outputs=["interleaved"]),
    lambda m: m.update(outputs={"text": "x", "pairs": {"shards": "y"}, "interleaved": {"shards": [1, None]}}),
    lambda m: m.update(balance="yes"),
])
def test_manifest_of_wrong_types(copy, edit, capsys):
    m = json.loads((copy / "manifest.json").read_text())
    edit(m)
    (copy / "manifest.json").write_text(json.dumps(m))
    assert kinds(copy)  # findings, no exception
    assert main(["validate", str(copy)]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_ledger_balance_is_recomputed(copy):
    m = json.loads((copy / "manifest.json").read_text())
    m["ledger"]["warc/records_read"] += 5  # five records vanish; the stored flag still says balanced
    assert m["balance"]["balanced"] is True
    (copy / "manifest.json").write_text(json.dumps(m))
    msgs = [f.message for f in kinds(copy)["manifest_ledger"]]
    assert any("does not add up" in s for s in msgs) and any("stored balance" in s for s in msgs)


def test_leftovers_of_a_killed_run(copy):
    (copy / ".manifest.json.tmp123").write_text("{}")
    (copy / "pairs" / ".pairs-000009.tar.tmp").write_bytes(b"x")
    (copy / "interleaved" / "_staging").mkdir()
    found = kinds(copy)
    assert set(found) == {"leftover"}
    assert sorted(f.file for f in found["leftover"]) == ["interleaved/_staging", "out/.manifest.json.tmp123",
                                                          "pairs/.pairs-000009.tar.tmp"]
