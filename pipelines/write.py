"""Stage 6: one shard set written deterministically, each shard once under its final name.

Bucket by key hash, plan each bucket's shards from sample sizes, give every bucket its first
shard index (a small side input: one number per bucket), write, then finalize
(:mod:`mmcorpus.shards.sets` has the why).
"""

from __future__ import annotations

import apache_beam as beam

from mmcorpus.config import ShardConfig


class WriteBucketFn(beam.DoFn):
    def __init__(self, set_dir: str, set_name: str, cfg: ShardConfig) -> None:
        self.set_dir, self.set_name, self.cfg = set_dir, set_name, cfg

    def process(self, element, starts, totals):
        from mmcorpus.shards.sets import set_shard_config, write_bucket

        bucket, items = element
        cfg = set_shard_config(self.cfg, totals[0])
        yield from write_bucket(self.set_dir, self.set_name, bucket, starts[bucket], items, cfg)


class WriteShardSet(beam.PTransform):
    """(sample, index row) pairs -> ``{set}-{index:06d}.tar`` shards, indexes and sizes.json.

    Output: ``(set name, manifest entry)``, from a single finalizer.
    """

    def __init__(self, set_name: str, set_dir: str, cfg: ShardConfig, first_index: int = 0) -> None:
        super().__init__()
        self.set_name, self.set_dir, self.cfg = set_name, set_dir, cfg
        self.first_index = first_index  # > 0 when appending after an earlier batch's shards

    def expand(self, samples):
        from mmcorpus.shards.sets import (
            bucket_count,
            bucket_of,
            bucket_plan,
            finalize_set,
            sample_nbytes,
            set_shard_config,
            start_indexes,
        )

        cfg, set_dir, set_name, first = self.cfg, self.set_dir, self.set_name, self.first_index
        totals = (
            samples
            | "SizeOf" >> beam.Map(lambda it: (1, sample_nbytes(it[0])))
            | "Total" >> beam.CombineGlobally(lambda xs: tuple(map(sum, zip((0, 0), *xs))))
        )
        buckets = (
            samples
            | "AssignBucket" >> beam.Map(
                lambda it, t: (bucket_of(it[0]["__key__"], bucket_count(t[0], t[1], set_shard_config(cfg, t[0]))), it),
                t=beam.pvalue.AsSingleton(totals))
            | "GroupByBucket" >> beam.GroupByKey()
        )
        starts = (
            buckets
            | "PlanBucket" >> beam.MapTuple(
                lambda bucket, items, t=(0, 0): bucket_plan(bucket, items, set_shard_config(cfg, t[0])),
                t=beam.pvalue.AsSingleton(totals))
            | "AllPlans" >> beam.combiners.ToList()
            | "StartIndexes" >> beam.Map(start_indexes, first)
        )
        return (
            buckets
            | "WriteBuckets" >> beam.ParDo(WriteBucketFn(set_dir, set_name, cfg), beam.pvalue.AsSingleton(starts),
                                          beam.pvalue.AsSingleton(totals))
            | "AllShards" >> beam.combiners.ToList()
            | "Finalize" >> beam.Map(lambda shards: (set_name, finalize_set(set_dir, set_name, shards, first)))
        )
