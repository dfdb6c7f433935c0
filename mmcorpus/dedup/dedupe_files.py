"""The files of ``OUT/dedupe/``: stored signatures (Parquet) and the near-duplicate audit (JSONL).

* ``signatures-NNNNN-of-MMMMM.parquet``: one row per document the near-dedupe stage kept (``id``,
  ``url``, ``words``, ``signature`` = 112 little-endian uint64). A later run reads them with
  ``--dedupe-against OUT/`` and drops its own copies of these documents without reprocessing this
  crawl. The file's metadata records the hash family; other parameters are refused on read.
* ``audit-NNNNN-of-MMMMM.jsonl``: one line per dropped document: its ``id`` and ``url``, the kept
  document (``kept_id``, ``kept_url``, ``kept_from`` = ``this_run`` or ``earlier_run``), the
  estimated Jaccard ``similarity`` and the ``cluster_size``. ``mmcorpus inspect`` summarises them.

Rows are spread over files by a hash of the id and sorted inside each file, so the files are a pure
function of their rows (reruns are byte-identical) and any number of workers can write them.
Each file is written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

from mmcorpus.errors import UserError

DEDUPE_DIR = "dedupe"
SIGNATURES = "signatures"
AUDIT = "audit"
META_KEY = b"mmcorpus.near_dedup"
_NAME = re.compile(r"^(signatures|audit)-(\d{5})-of-(\d{5})\.(parquet|jsonl)$")


def file_count(n_rows: int, rows_per_file: int) -> int:
    return max(1, math.ceil(n_rows / max(1, rows_per_file)))


def file_of(doc_id: str, n_files: int) -> int:
    return int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                          "big") % n_files


def file_name(kind: str, index: int, n_files: int) -> str:
    ext = "parquet" if kind == SIGNATURES else "jsonl"
    return f"{kind}-{index:05d}-of-{n_files:05d}.{ext}"


def _fs(path: str):
    import fsspec

    return fsspec.core.url_to_fs(path)


def _atomic_write(path: str, data: bytes) -> None:
    fs, p = _fs(path)
    parent, name = p.rsplit("/", 1) if "/" in p else ("", p)
    tmp = f"{parent}/.{name}.tmp" if parent else f".{name}.tmp"
    if parent:
        fs.makedirs(parent, exist_ok=True)
    with fs.open(tmp, "wb") as f:
        f.write(data)
    fs.mv(tmp, p)


def hash_family(hasher) -> dict[str, Any]:
    """What a stored signature depends on; two runs can be compared only when these agree."""
    from mmcorpus.dedup.minhash import SIGNATURE_VERSION

    return {"version": SIGNATURE_VERSION, "num_perm": hasher.num_perm, "shingle_size": hasher.shingle_size}


def signature_file_bytes(rows: Iterable[tuple[str, str, int, bytes]], family: dict[str, Any]) -> bytes:
    """A Parquet file of ``(id, url, words, signature)`` rows, sorted by id."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = sorted(rows)
    schema = pa.schema([("id", pa.string()), ("url", pa.string()), ("words", pa.int32()),
                        ("signature", pa.binary())], metadata={META_KEY: json.dumps(family, sort_keys=True)})
    table = pa.table({"id": [r[0] for r in rows], "url": [r[1] for r in rows], "words": [r[2] for r in rows],
                      "signature": [r[3] for r in rows]}, schema=schema)
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()


def write_signature_file(path: str, rows: Iterable[tuple[str, str, int, bytes]], family: dict[str, Any]) -> None:
    _atomic_write(path, signature_file_bytes(rows, family))


def audit_file_bytes(records: Iterable[dict[str, Any]]) -> bytes:
    lines = [json.dumps(r, sort_keys=True, ensure_ascii=False) for r in sorted(records, key=lambda r: r["id"])]
    return "".join(line + "\n" for line in lines).encode("utf-8")


def write_audit_file(path: str, records: Iterable[dict[str, Any]]) -> None:
    _atomic_write(path, audit_file_bytes(records))


def list_files(out: str, kind: str) -> list[str]:
    """The complete set of ``kind`` files under ``OUT/dedupe/`` (sorted URLs), or [] when there is none."""
    fs, root = _fs(f"{out.rstrip('/')}/{DEDUPE_DIR}")
    if not fs.exists(root):
        return []
    names = sorted(p.rsplit("/", 1)[-1] for p in fs.ls(root, detail=False))
    found = [n for n in names if (m := _NAME.match(n)) and m.group(1) == kind]
    base = out.rstrip("/") + "/" + DEDUPE_DIR
    return [f"{base}/{n}" for n in found]


def remove_stale(out: str, kind: str, n_files: int) -> None:
    """Delete ``kind`` files of an earlier run into the same folder that used another file count."""
    fs, _ = _fs(out)
    for url in list_files(out, kind):
        m = _NAME.match(url.rsplit("/", 1)[-1])
        if m and int(m.group(3)) != n_files:
            fs.rm(_fs(url)[1])


def read_family(path: str) -> dict[str, Any]:
    from mmcorpus.shards.reader import read_parquet

    table = read_parquet(path)
    meta = (table.schema.metadata if table is not None else None) or {}
    if META_KEY not in meta:
        raise UserError(f"{path}: not an mmcorpus signature file (no {META_KEY.decode()} metadata)")
    return json.loads(meta[META_KEY])


def signature_files_for(previous_out: str, hasher) -> list[str]:
    """The signature files of an earlier run, checked up front: they exist and use this hash family."""
    files = list_files(previous_out, SIGNATURES)
    if not files:
        raise UserError(f"--dedupe-against {previous_out}: no {DEDUPE_DIR}/{SIGNATURES}-*.parquet there "
                        "(an mmcorpus output folder written with near_dedup.enabled)")
    want = hash_family(hasher)
    got = read_family(files[0])
    if got != want:
        raise UserError(f"--dedupe-against {previous_out}: its signatures were made with {got}, this run uses "
                        f"{want}; rerun with the same near_dedup.shingle_size and bands x rows")
    return files


def read_signature_file(path: str) -> Iterator[tuple[str, str, int, bytes]]:
    from mmcorpus.shards.reader import read_parquet

    table = read_parquet(path)
    if table is None:
        raise UserError(f"{path}: signature file not found")
    yield from zip(*(table.column(c).to_pylist() for c in ("id", "url", "words", "signature")))


def read_audit(out: str) -> Iterator[dict[str, Any]]:
    """Every audit record of the run in ``out`` (none when it has no ``dedupe/`` folder)."""
    for url in list_files(out, AUDIT):
        fs, p = _fs(url)
        with fs.open(p, "r", encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)
