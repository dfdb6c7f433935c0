"""Stage 6: one shard set written deterministically (bucket by key hash, sort, finalize)."""

from __future__ import annotations

import logging

import apache_beam as beam

from mmcorpus.config import Config

log = logging.getLogger(__name__)


class WriteBucketFn(beam.DoFn):
    def __init__(self, set_dir: str, cfg: Config) -> None:
        self.set_dir, self.cfg = set_dir, cfg

    def process(self, element):
        from mmcorpus.shards.sets import write_bucket

        bucket, items = element
        yield from write_bucket(self.set_dir, bucket, list(items), self.cfg.shards)


class WriteShardSet(beam.PTransform):
    """(sample, index row) pairs -> ``{set}-{index:06d}.tar`` shards, indexes and sizes.json.

    Output: one dict (the set's entry in the manifest), written by a single finalizer.
    """

    def __init__(self, set_name: str, set_dir: str, cfg: Config) -> None:
        super().__init__()
        self.set_name, self.set_dir, self.cfg = set_name, set_dir, cfg

    def expand(self, samples):
        from mmcorpus.shards.sets import bucket_count, bucket_of, finalize_set, sample_nbytes

        shard_cfg = self.cfg.shards
        totals = (
            samples
            | "SizeOf" >> beam.Map(lambda it: (1, sample_nbytes(it[0])))
            | "Total" >> beam.CombineGlobally(lambda xs: tuple(map(sum, zip((0, 0), *xs))))
        )
        parts = (
            samples
            | "AssignBucket" >> beam.Map(
                lambda it, t: (bucket_of(it[0]["__key__"], bucket_count(t[0], t[1], shard_cfg)), it),
                t=beam.pvalue.AsSingleton(totals))
            | "GroupByBucket" >> beam.GroupByKey()
            | "WriteBuckets" >> beam.ParDo(WriteBucketFn(self.set_dir, self.cfg))
        )
        set_dir, set_name = self.set_dir, self.set_name
        return (
            parts
            | "AllParts" >> beam.combiners.ToList()
            | "Finalize" >> beam.Map(lambda ps: (set_name, finalize_set(set_dir, set_name, ps)))
        )
