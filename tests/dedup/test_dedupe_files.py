"""OUT/dedupe/ files: stored signatures and the audit (mmcorpus.dedup.dedupe_files)."""

from __future__ import annotations

import pytest

from mmcorpus.dedup import dedupe_files as df
from mmcorpus.dedup import minhash as mh
from mmcorpus.errors import UserError


def rows():
    h = mh.MinHasher()
    out = []
    for i, t in enumerate(["one two three four five six", "alpha beta gamma delta epsilon zeta eta"]):
        ws = mh.words(t)
        out.append((f"id{i}", f"http://x.test/{i}", len(ws), mh.signature_to_bytes(h.signature_of_words(ws))))
    return out


def test_signature_files_round_trip_sorted_and_byte_identical(tmp_path):
    family = df.hash_family(mh.MinHasher())
    out = str(tmp_path)
    path = f"{out}/dedupe/{df.file_name(df.SIGNATURES, 0, 1)}"
    df.write_signature_file(path, list(reversed(rows())), family)
    first = (tmp_path / "dedupe" / "signatures-00000-of-00001.parquet").read_bytes()
    df.write_signature_file(path, rows(), family)
    assert (tmp_path / "dedupe" / "signatures-00000-of-00001.parquet").read_bytes() == first
    assert list(df.read_signature_file(path)) == rows()
    assert df.signature_files_for(out, mh.MinHasher()) == [path]
    assert [p.name for p in (tmp_path / "dedupe").iterdir()] == ["signatures-00000-of-00001.parquet"]  # no temp left


def test_earlier_runs_are_checked_up_front(tmp_path):
    with pytest.raises(UserError, match="no dedupe/signatures"):
        df.signature_files_for(str(tmp_path), mh.MinHasher())
    df.write_signature_file(f"{tmp_path}/dedupe/{df.file_name(df.SIGNATURES, 0, 1)}", rows(),
                            df.hash_family(mh.MinHasher()))
    with pytest.raises(UserError, match="shingle_size"):
        df.signature_files_for(str(tmp_path), mh.MinHasher(shingle_size=3))


def test_audit_files_and_stale_files(tmp_path):
    out = str(tmp_path)
    recs = [{"id": "b", "url": "u2", "kept_id": "k"}, {"id": "a", "url": "u1", "kept_id": "k"}]
    df.write_audit_file(f"{out}/dedupe/{df.file_name(df.AUDIT, 1, 2)}", recs)
    df.write_audit_file(f"{out}/dedupe/{df.file_name(df.AUDIT, 0, 1)}", recs[:1])
    assert (tmp_path / "dedupe" / "audit-00001-of-00002.jsonl").read_text().splitlines()[0].startswith('{"id": "a"')
    df.remove_stale(out, df.AUDIT, 1)
    assert [r["id"] for r in df.read_audit(out)] == ["b"]
    assert list(df.read_audit(str(tmp_path / "nowhere"))) == []
    assert df.file_count(0, 10) == 1 and df.file_count(25, 10) == 3
    assert {df.file_of(f"id{i}", 4) for i in range(100)} == {0, 1, 2, 3}
