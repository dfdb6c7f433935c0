"""Writing one shard set (interleaved/, pairs/ or text/) from many workers, deterministically.

Beam hands samples to workers in no particular order, yet two runs must give byte-identical
shards, and each shard should be written once, under its final name (on object stores a
"rename" is a copy of the whole file). So a set is written in three steps:

1. every sample goes to a bucket chosen by a hash of its key; the number of buckets comes from
   the set's total size, so a bucket is about one shard (:func:`bucket_count`, :func:`bucket_of`);
2. each bucket, sorted by key, is cut into shards by :func:`plan_shards` (sizes only). The number
   of shards of every bucket is known before anything is written, so bucket ``b`` starts at index
   ``sum(shards of buckets < b)`` (:func:`start_indexes`) and writes ``{set}-{index:06d}.tar`` with
   its parquet index directly (:func:`write_bucket`), each atomically (:mod:`mmcorpus.shards.writer`);
3. one finalizer removes shards left by an earlier, larger run into the same folder and writes
   ``sizes.json`` (:func:`finalize_set`).

A retried bucket, or a rerun, rewrites the same names with the same bytes, so neither duplicates
samples.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Iterable
from typing import Any

from mmcorpus.config import ShardConfig
from mmcorpus.io.fs import join, write_json_atomic
from mmcorpus.shards.layout import index_name, shard_name
from mmcorpus.shards.writer import ShardWriter, archive_size, sample_size


def sample_nbytes(sample: dict[str, Any]) -> int:
    return sum(len(v) for k, v in sample.items() if k != "__key__") + 512 * (len(sample) + 1)


def set_shard_config(cfg: ShardConfig, n_samples: int) -> ShardConfig:
    """The caps for a set of ``n_samples``: at most ``n_samples // min_shards`` samples a shard, so
    a set of at least ``min_shards`` samples gives at least ``min_shards`` shards (open_clip's
    ``get_wds_dataset`` refuses fewer shards than dataloader workers). Every bucket is cut with this
    cap, so the total holds whatever the hash did: sum(ceil(n_b / c)) >= n / c >= min_shards."""
    import dataclasses

    cap = max(1, n_samples // max(1, cfg.min_shards))
    return dataclasses.replace(cfg, max_shard_samples=min(cfg.max_shard_samples, cap))


def bucket_count(n_samples: int, n_bytes: int, cfg: ShardConfig) -> int:
    return max(1, math.ceil(n_bytes / cfg.max_shard_bytes), math.ceil(n_samples / cfg.max_shard_samples))


def bucket_of(key: str, n_buckets: int) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") % n_buckets


def plan_shards(sizes: Iterable[int], cfg: ShardConfig) -> list[int]:
    """Samples per shard for samples of these tar sizes (in order), under the shard caps.

    A shard is closed before the sample that would take it past ``max_shard_samples`` or, once
    closed, past ``max_shard_bytes``; a sample larger than the cap gets a shard of its own.
    """
    counts: list[int] = []
    n = nbytes = 0
    for size in sizes:
        if n and (n + 1 > cfg.max_shard_samples or archive_size(nbytes + size) > cfg.max_shard_bytes):
            counts.append(n)
            n = nbytes = 0
        n += 1
        nbytes += size
    if n:
        counts.append(n)
    return counts


def _sorted_items(items: Iterable[tuple[dict[str, Any], dict[str, Any]]]) -> list:
    return sorted(items, key=lambda it: it[0]["__key__"])


def bucket_plan(bucket: int, items: Iterable[tuple[dict[str, Any], dict[str, Any]]],
                cfg: ShardConfig) -> tuple[int, int]:
    """(bucket, number of shards it will write)."""
    return bucket, len(plan_shards((sample_size(s) for s, _ in _sorted_items(items)), cfg))


def start_indexes(plans: Iterable[tuple[int, int]], first: int = 0) -> dict[int, int]:
    """First shard index of each bucket: buckets in order, each after the shards of the ones before
    (the set's first shard is ``first``: 0, or after an earlier batch's shards for ``--append``)."""
    starts, index = {}, first
    for bucket, n in sorted(plans):
        starts[bucket] = index
        index += n
    return starts


def write_bucket(set_dir: str, set_name: str, bucket: int, start: int,
                 items: Iterable[tuple[dict[str, Any], dict[str, Any]]], cfg: ShardConfig) -> list[dict[str, Any]]:
    """Write one bucket's samples, sorted by key, as shards ``start``, ``start + 1``, ...; describe them."""
    items = _sorted_items(items)
    out = []
    pos = 0
    for i, n in enumerate(plan_shards((sample_size(s) for s, _ in items), cfg)):
        with ShardWriter(set_dir, set_name, cfg, start_index=start + i, rotate=False) as writer:
            for sample, row in items[pos:pos + n]:
                writer.write(sample, row)
        pos += n
        (info,) = writer.infos
        out.append({"bucket": bucket, "name": info.name, "samples": info.n_samples, "bytes": info.n_bytes,
                    "sha256": info.sha256, "index": index_name(info.name)})
    return out


def finalize_set(set_dir: str, set_name: str, shards: list[dict[str, Any]], first: int = 0) -> dict[str, Any]:
    """Remove shards of an earlier, larger run; write ``sizes.json``; the set's manifest entry.

    With ``first`` > 0 (``--append``) shards below ``first`` belong to earlier batches: they stay,
    and so do their ``sizes.json`` entries."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(set_dir)
    fs.makedirs(root, exist_ok=True)
    shards = sorted(({k: v for k, v in s.items() if k != "bucket"} for s in shards), key=lambda s: s["name"])
    if [s["name"] for s in shards] != [shard_name(set_name, i) for i in range(first, first + len(shards))]:
        raise RuntimeError(f"{set_dir}: shard indexes are not contiguous: {[s['name'] for s in shards]}")
    # shards of an earlier, larger run into the same folder would otherwise be read as ours
    pattern = re.compile(rf"^{re.escape(set_name)}-(\d{{6}})(\.tar|\.parquet|_stats\.json)$")
    for path in fs.ls(root, detail=False):
        m = pattern.match(os.path.basename(path))
        if m and int(m.group(1)) >= first + len(shards):
            fs.rm(path)
    sizes = {}
    if first and fs.exists(join(root, "sizes.json")):
        with fs.open(join(root, "sizes.json"), "rb") as f:
            earlier = json.load(f)
        sizes = {k: v for k, v in earlier.items() if (m := pattern.match(k)) and int(m.group(1)) < first}
    sizes.update({s["name"]: s["samples"] for s in shards})
    write_json_atomic(join(set_dir, "sizes.json"), sizes, indent=1, sort_keys=True)
    return {"samples": sum(s["samples"] for s in shards), "shards": shards}
