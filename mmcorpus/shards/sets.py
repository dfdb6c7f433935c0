"""Writing one shard set (interleaved/, pairs/ or text/) from many workers, deterministically.

Beam hands samples to workers in no particular order, yet two runs must give byte-identical
shards. So the set is written in three steps:

1. every sample goes to a bucket chosen by a hash of its key; the number of buckets comes from
   the set's total size, so a bucket is about one shard (:func:`bucket_count`, :func:`bucket_of`);
2. each bucket is sorted by key and written to staging shards ``_staging/b{bucket}-{part}.tar``
   (:func:`write_bucket`), each atomic (see :mod:`mmcorpus.shards.writer`);
3. one finalizer renames the staging shards, in (bucket, part) order, to
   ``{set}-{index:06d}.tar`` with their parquet indexes, removes shards left by an earlier run
   into the same folder, and writes ``sizes.json`` (:func:`finalize_set`).

A retried bucket rewrites the same staging names, and a rerun rewrites the same final names, so
neither duplicates samples.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from typing import Any

from mmcorpus.config import ShardConfig
from mmcorpus.shards.writer import ShardWriter

STAGING = "_staging"


def sample_nbytes(sample: dict[str, Any]) -> int:
    return sum(len(v) for k, v in sample.items() if k != "__key__") + 512 * (len(sample) + 1)


def bucket_count(n_samples: int, n_bytes: int, cfg: ShardConfig) -> int:
    return max(1, math.ceil(n_bytes / cfg.max_shard_bytes), math.ceil(n_samples / cfg.max_shard_samples))


def bucket_of(key: str, n_buckets: int) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") % n_buckets


def _fs(path: str):
    import fsspec

    return fsspec.core.url_to_fs(path)


def _join(*parts: str) -> str:
    return "/".join(p.rstrip("/") for p in parts)


def write_bucket(set_dir: str, bucket: int, items: list[tuple[dict[str, Any], dict[str, Any]]],
                 cfg: ShardConfig) -> list[dict[str, Any]]:
    """Write one bucket's samples, sorted by key, to staging shards; describe what was written."""
    items = sorted(items, key=lambda it: it[0]["__key__"])
    prefix = f"b{bucket:06d}"
    with ShardWriter(_join(set_dir, STAGING), prefix, cfg) as writer:
        for sample, row in items:
            writer.write(sample, row)
    return [
        {"bucket": bucket, "part": part, "staging": info.name, "samples": info.n_samples,
         "bytes": info.n_bytes, "sha256": info.sha256}
        for part, info in enumerate(writer.infos)
    ]


def finalize_set(set_dir: str, set_name: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Publish staging shards as ``{set}-{index:06d}.tar`` and write ``sizes.json``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    fs, root = _fs(set_dir)
    fs.makedirs(root, exist_ok=True)
    staging = _join(root, STAGING)
    parts = sorted(parts, key=lambda p: (p["bucket"], p["part"]))
    shards = []
    for index, part in enumerate(parts):
        name = f"{set_name}-{index:06d}.tar"
        src_tar = _join(staging, part["staging"])
        src_idx = src_tar[: -len(".tar")] + ".parquet"
        # the index names its shard: rewrite that column for the final name, then publish
        table = pq.read_table(fs.open(src_idx, "rb"))
        table = table.set_column(table.schema.get_field_index("shard"), "shard",
                                 pa.array([name] * table.num_rows, pa.string()))
        idx_name = name[: -len(".tar")] + ".parquet"
        tmp_idx = _join(root, f".{idx_name}.tmp")
        with fs.open(tmp_idx, "wb") as f:
            pq.write_table(table, f)
        fs.mv(tmp_idx, _join(root, idx_name))
        fs.mv(src_tar, _join(root, name))
        fs.rm(src_idx)
        shards.append({"name": name, "samples": part["samples"], "bytes": part["bytes"],
                       "sha256": part["sha256"], "index": idx_name})
    # shards of an earlier, larger run into the same folder would otherwise be read as ours
    pattern = re.compile(rf"^{re.escape(set_name)}-(\d{{6}})\.(tar|parquet)$")
    for path in fs.ls(root, detail=False):
        m = pattern.match(os.path.basename(path))
        if m and int(m.group(1)) >= len(shards):
            fs.rm(path)
    if fs.exists(staging):
        leftovers = fs.ls(staging, detail=False)
        if not leftovers:
            fs.rmdir(staging)
    sizes = {s["name"]: s["samples"] for s in shards}
    with fs.open(_join(root, ".sizes.json.tmp"), "w") as f:
        json.dump(sizes, f, indent=1, sort_keys=True)
    fs.mv(_join(root, ".sizes.json.tmp"), _join(root, "sizes.json"))
    return {"samples": sum(s["samples"] for s in shards), "shards": shards}
