"""Enough shards for the readers: a set of n >= shards.min_shards samples is cut into at least
min_shards shards (open_clip refuses fewer shards than workers), whatever the key hash does."""

from __future__ import annotations

import pytest

from mmcorpus.cli.summary import brace_pattern
from mmcorpus.config import ShardConfig
from mmcorpus.data import stable_key
from mmcorpus.shards.sets import bucket_count, bucket_of, plan_shards, set_shard_config


def shards_for(n: int, cfg: ShardConfig) -> int:
    """What WriteShardSet does, without Beam: bucket by key hash, then cut each bucket."""
    eff = set_shard_config(cfg, n)
    k = bucket_count(n, n * 2048, eff)
    buckets: dict[int, int] = {}
    for i in range(n):
        b = bucket_of(stable_key(str(i)), k)
        buckets[b] = buckets.get(b, 0) + 1
    return sum(len(plan_shards([2048] * m, eff)) for m in buckets.values())


@pytest.mark.parametrize("n", [1, 3, 7, 8, 9, 15, 17, 40, 101, 999, 20_000])
def test_at_least_min_shards_when_the_set_allows(n):
    cfg = ShardConfig(min_shards=8)
    got = shards_for(n, cfg)
    assert got >= min(n, 8)
    if n >= 8 * cfg.max_shard_samples:  # large sets keep the configured cap
        assert set_shard_config(cfg, n).max_shard_samples == cfg.max_shard_samples


def test_min_shards_one_keeps_the_old_behaviour():
    cfg = ShardConfig(min_shards=1, max_shard_samples=10_000)
    assert shards_for(500, cfg) == 1


def test_brace_pattern_names_exactly_what_was_written():
    assert brace_pattern([f"pairs-{i:06d}.tar" for i in range(4)]) == "pairs-{000000..000003}.tar"
    assert brace_pattern(["text-000000.tar"]) == "text-000000.tar"
    assert brace_pattern(["a-000000.tar", "a-000002.tar"]) == "a-000000.tar::a-000002.tar"
    import braceexpand

    assert list(braceexpand.braceexpand(brace_pattern([f"p-{i:06d}.tar" for i in range(3, 12)]))) == \
        [f"p-{i:06d}.tar" for i in range(3, 12)]
