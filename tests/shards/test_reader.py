"""Shard reading: finding a dataset's shards, iterating samples, and distrusting member names."""

from __future__ import annotations

import shutil

import pytest
from conftest import make_tar

from mmcorpus.errors import UserError
from mmcorpus.shards.reader import (
    ShardError,
    _group_samples,
    find_key,
    iter_dataset,
    iter_samples,
    nth_sample,
    open_dataset,
    read_index,
    read_sample_at,
    split_name,
    unsafe_name_reason,
)


@pytest.fixture(scope="module")
def out(sample_run):
    return sample_run


@pytest.mark.parametrize("name, bad", [
    ("abc.json", False), ("dir/abc.images.npy", False), ("../../x", True), ("/etc/passwd", True),
    ("a/../b.txt", True), ("a\\b.txt", True), ("C:x.txt", True), ("a\x00b.txt", True), ("", True),
])
def test_unsafe_member_names_are_recognised(name, bad):
    assert (unsafe_name_reason(name) is not None) == bad


def test_split_name_follows_webdataset():
    assert split_name("abc.images.npy") == ("abc", "images.npy")
    assert split_name("d/abc.json") == ("d/abc", "json")
    assert split_name("noext") == ("noext", "")


def test_group_samples_on_plain_lists():
    members = [{"name": n, "data": b"x", "offset": i * 1024, "end": i * 1024 + 1024}
               for i, n in enumerate(["a.json", "a.txt", "b.json", "b.json"])]
    errors = []
    samples = list(_group_samples(members, "s.tar", handler=lambda e: errors.append(e.kind) or True))
    assert [s["__key__"] for s in samples] == ["a", "b"]
    assert samples[0]["__size__"] == 2048 and samples[1]["__offset__"] == 2048
    assert errors == ["bad_member_name"]  # b.json twice
    with pytest.raises(ShardError):
        list(_group_samples(members, "s.tar"))  # the default handler re-raises


def test_hostile_members_are_skipped_and_nothing_is_written(tmp_path):
    tar = make_tar(tmp_path / "t-000000.tar", [("../../x", b"evil"), ("ok.txt", b"hi"), ("ok.json", b"{}")],
                   links=("lnk.txt",))
    kinds = []
    samples = list(iter_samples(str(tar), handler=lambda e: kinds.append(e.kind) or True))
    assert [s["__key__"] for s in samples] == ["ok"] and samples[0]["txt"] == b"hi"
    assert kinds == ["unsafe_member", "non_file_member"]
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["t-000000.tar"]
    assert not (tmp_path.parent.parent / "x").exists()


def test_truncated_tars_are_reported(tmp_path):
    data = make_tar(tmp_path / "a.tar", [("k.txt", b"x" * 5000), ("k.json", b"{}")]).read_bytes()
    end = 512 + 5120 + 512 + 512  # k.txt header + data blocks, k.json header + data block
    for cut in (3000, 5632 + 256, end):  # inside data, inside a header, the end-of-archive blocks cut off
        p = tmp_path / f"cut{cut}.tar"
        p.write_bytes(data[:cut])
        kinds = []
        list(iter_samples(str(p), handler=lambda e, k=kinds: k.append(e.kind) or True))
        assert "truncated_tar" in kinds, cut
    (tmp_path / "empty.tar").write_bytes(b"")
    with pytest.raises(ShardError, match="truncated_tar"):
        list(iter_samples(str(tmp_path / "empty.tar")))


def test_open_dataset_resolves_out_folder_set_folder_and_tar(out):
    ds = open_dataset(str(out))
    assert ds.kind == "out" and set(ds.sets) == {"interleaved", "pairs", "text"} and ds.manifest
    counts = {}
    for name, _ in iter_dataset(ds):
        counts[name] = counts.get(name, 0) + 1
    assert counts == {k: v["samples"] for k, v in ds.manifest["outputs"].items()}
    ds_set = open_dataset(str(out / "pairs"))
    assert ds_set.kind == "set" and list(ds_set.sets) == ["pairs"]
    tar = ds_set.sets["pairs"][0]
    assert open_dataset(tar).sets == {"pairs": [tar]}
    with pytest.raises(UserError, match="no such"):
        open_dataset(str(out / "nope"))
    with pytest.raises(UserError):
        open_dataset(str(out / "manifest.json"))


def test_byte_ranges_from_the_index_give_the_same_samples(out):
    tar = str(out / "interleaved" / "interleaved-000000.tar")
    full = list(iter_samples(tar))
    rows = read_index(tar)
    assert [r["key"] for r in rows] == [s["__key__"] for s in full]
    for row, sample in zip(rows, full):
        assert (row["tar_offset"], row["tar_size"]) == (sample["__offset__"], sample["__size__"])
        assert read_sample_at(tar, row["tar_offset"], row["tar_size"]) == sample
    ds = open_dataset(str(out))
    assert find_key(ds, full[1]["__key__"]) == ("interleaved", full[1])
    assert nth_sample(ds, "interleaved", len(full) - 1) == ("interleaved", full[-1])
    assert nth_sample(ds, "interleaved", 99) is None and find_key(ds, "missing") is None


def test_fsspec_urls_work(out, tmp_path):
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    for p in (out / "pairs").iterdir():
        fs.pipe(f"/mmc-test/pairs/{p.name}", p.read_bytes())
    try:
        ds = open_dataset("memory://mmc-test/pairs")
        assert ds.sets["pairs"][0].startswith("memory://")
        assert len(list(iter_dataset(ds))) == 4  # the sample's 4 pairs (/gardens is a near-duplicate of /paint)
        key = next(iter_samples(ds.sets["pairs"][0]))["__key__"]
        assert find_key(ds, key)[1]["__key__"] == key
    finally:
        fs.rm("/mmc-test", recursive=True)
    shutil.rmtree(tmp_path, ignore_errors=True)
