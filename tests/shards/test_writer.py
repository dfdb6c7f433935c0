import hashlib
import json
import os
import tarfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import webdataset as wds

from mmcorpus.config import ShardConfig
from mmcorpus.shards.writer import ShardWriter


def sample(i: int, n_bytes: int = 10) -> dict:
    return {"__key__": f"k{i:04d}", "jpg": bytes([i % 256]) * n_bytes, "txt": f"caption {i}",
            "json": json.dumps({"i": i}).encode()}


def write_all(out, n, cfg=None, prefix="pairs", **kw):
    with ShardWriter(out, prefix, cfg or ShardConfig(), **kw) as w:
        for i in range(n):
            w.write(sample(i), index_row={"i": i, "url": f"http://x/{i}"})
    return w.infos


def finished_shards(folder, prefix: str) -> list[str]:
    """Published shards (temporary files are hidden dot-files, not matched)."""
    return sorted(p.name for p in Path(folder).glob(f"{prefix}-[0-9][0-9][0-9][0-9][0-9][0-9].tar"))


def test_rotation_by_count(tmp_path):
    infos = write_all(tmp_path, 25, ShardConfig(max_shard_samples=10))
    assert [i.name for i in infos] == [f"pairs-{i:06d}.tar" for i in range(3)]
    assert [i.n_samples for i in infos] == [10, 10, 5]
    assert finished_shards(tmp_path, "pairs") == [i.name for i in infos]
    assert sorted(os.listdir(tmp_path)) == sorted(
        [i.name for i in infos] + [i.name.replace(".tar", ".parquet") for i in infos]
        + [i.name.replace(".tar", "_stats.json") for i in infos]
    )
    for info in infos:
        data = (tmp_path / info.name).read_bytes()
        assert info.n_bytes == len(data) and info.sha256 == hashlib.sha256(data).hexdigest()


def test_rotation_by_bytes(tmp_path):
    cfg = ShardConfig(max_shard_bytes=40_000, max_shard_samples=10**6)
    with ShardWriter(tmp_path, "big", cfg) as w:
        for i in range(12):
            w.write(sample(i, n_bytes=9_000))
    infos = w.infos
    assert len(infos) > 1 and sum(i.n_samples for i in infos) == 12
    assert all(i.n_bytes <= 40_000 for i in infos)
    assert all(i.n_samples >= 1 for i in infos)


def test_oversized_sample_gets_its_own_shard(tmp_path):
    cfg = ShardConfig(max_shard_bytes=20_000)
    with ShardWriter(tmp_path, "x", cfg) as w:
        w.write(sample(0, 10))
        w.write(sample(1, 50_000))
        w.write(sample(2, 10))
    assert [i.n_samples for i in w.infos] == [1, 1, 1]


def test_byte_identical_reruns_and_member_metadata(tmp_path):
    a = write_all(tmp_path / "a", 30, ShardConfig(max_shard_samples=16, mtime=1_700_000_000))
    b = write_all(tmp_path / "b", 30, ShardConfig(max_shard_samples=16, mtime=1_700_000_000))
    assert a == b
    for info in a:
        assert (tmp_path / "a" / info.name).read_bytes() == (tmp_path / "b" / info.name).read_bytes()
    with tarfile.open(tmp_path / "a" / a[0].name) as tf:
        m = tf.getmembers()[0]
        assert (m.mtime, m.uid, m.gid, m.uname, m.gname, m.mode) == (1_700_000_000, 0, 0, "", "", 0o444)
        assert tf.getnames()[:3] == ["k0000.jpg", "k0000.json", "k0000.txt"]


def test_crash_mid_shard_leaves_no_truncated_shard(tmp_path):
    with pytest.raises(RuntimeError), ShardWriter(tmp_path, "pairs", ShardConfig(max_shard_samples=10)) as w:
        for i in range(15):
            w.write(sample(i))
        raise RuntimeError("worker died")
    # The first shard was complete and stays; the half-written second one is gone, tmp included.
    assert sorted(os.listdir(tmp_path)) == ["pairs-000000.parquet", "pairs-000000.tar", "pairs-000000_stats.json"]
    assert finished_shards(tmp_path, "pairs") == ["pairs-000000.tar"]


def test_unfinished_shard_is_only_a_tmp_file(tmp_path):
    w = ShardWriter(tmp_path, "pairs", ShardConfig())
    w.write(sample(0))
    names = os.listdir(tmp_path)
    assert len(names) == 1 and names[0].startswith(".pairs-000000.tar.tmp-")
    assert finished_shards(tmp_path, "pairs") == []
    w.abort()
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("key", ["", "A1", "a.b", "a/b", "ä", "a b", None, 12])
def test_key_validation(tmp_path, key):
    with ShardWriter(tmp_path, "p") as w, pytest.raises(ValueError):
        w.write({"__key__": key, "txt": b"x"})


def test_value_and_duplicate_validation(tmp_path):
    with ShardWriter(tmp_path, "p") as w:
        with pytest.raises(ValueError):
            w.write({"__key__": "a", "txt": 3})
        with pytest.raises(ValueError):
            w.write({"__key__": "a", "T/X": b"x"})
        with pytest.raises(ValueError):
            w.write({"__key__": "a"})
        w.write({"__key__": "a", "txt": b"x"})
        with pytest.raises(ValueError):
            w.write({"__key__": "a", "txt": b"y"})
        with pytest.raises(ValueError):
            w.write({"__key__": "b", "txt": b"y"}, index_row={"key": "clash"})
    with pytest.raises(ValueError):
        ShardWriter(tmp_path, "bad.prefix")


def test_parquet_index(tmp_path):
    infos = write_all(tmp_path, 12, ShardConfig(max_shard_samples=5), start_index=7)
    assert infos[0].name == "pairs-000007.tar"
    t = pq.read_table(tmp_path / "pairs-000008.parquet").to_pylist()
    assert [r["key"] for r in t] == [f"k{i:04d}" for i in range(5, 10)]
    assert all(r["shard"] == "pairs-000008.tar" for r in t)
    assert [r["i"] for r in t] == list(range(5, 10)) and t[0]["url"] == "http://x/5"
    raw = (tmp_path / "pairs-000008.tar").read_bytes()
    for r in t:  # offsets point at the sample's first header in the tar
        name = raw[r["tar_offset"]:r["tar_offset"] + 100].rstrip(b"\0").decode()
        assert name == f"{r['key']}.jpg"
    assert t[1]["tar_offset"] == t[0]["tar_offset"] + t[0]["tar_size"]


def test_webdataset_reads_back(tmp_path):
    infos = write_all(tmp_path, 23, ShardConfig(max_shard_samples=10))
    urls = [str(tmp_path / i.name) for i in infos]
    got = list(wds.WebDataset(urls, shardshuffle=False))
    assert [s["__key__"] for s in got] == [f"k{i:04d}" for i in range(23)]
    assert got[3]["txt"] == b"caption 3" and json.loads(got[3]["json"]) == {"i": 3}
    assert got[3]["jpg"] == bytes([3]) * 10


def test_empty_writer_writes_nothing(tmp_path):
    with ShardWriter(tmp_path, "p") as w:
        pass
    assert w.close() == [] and os.listdir(tmp_path) == []


def test_fsspec_memory_filesystem():
    fsspec = pytest.importorskip("fsspec")
    out = "memory://mmcorpus-test/shards"
    infos = write_all(out, 7, ShardConfig(max_shard_samples=4))
    fs = fsspec.filesystem("memory")
    assert sorted(fs.ls("/mmcorpus-test/shards", detail=False)) == sorted(
        f"/mmcorpus-test/shards/pairs-00000{i}{ext}" for i in range(2) for ext in (".tar", ".parquet", "_stats.json")
    )
    assert hashlib.sha256(fs.cat("/mmcorpus-test/shards/pairs-000000.tar")).hexdigest() == infos[0].sha256
    fs.rm("/mmcorpus-test", recursive=True)


def test_plan_matches_what_a_rotating_writer_does(tmp_path):
    from mmcorpus.shards.sets import plan_shards, start_indexes
    from mmcorpus.shards.writer import sample_size

    cfg = ShardConfig(max_shard_samples=7, max_shard_bytes=40_000)
    samples = [{"__key__": f"k{i:03d}", "bin": bytes(300 * (i % 13)), "json": b"{}"} for i in range(60)]
    with ShardWriter(tmp_path, "r", cfg) as w:
        for s in samples:
            w.write(s)
    assert plan_shards([sample_size(s) for s in samples], cfg) == [i.n_samples for i in w.infos]
    assert plan_shards([], cfg) == []
    assert start_indexes([(2, 1), (0, 3), (1, 0)]) == {0: 0, 1: 3, 2: 3}
