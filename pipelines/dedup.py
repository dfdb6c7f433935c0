"""Stage 3: exact deduplication of documents (normalised URL, then exact text)."""

from __future__ import annotations

import logging

import apache_beam as beam

from mmcorpus.config import Config
from mmcorpus.pipelines.metrics import BeamCounter

log = logging.getLogger(__name__)


class KeepFirstFn(beam.DoFn):
    """Of a group of documents, keep the first by ``order``; count the rest as ``reason``."""

    def __init__(self, order, reason: str) -> None:
        self.order, self.reason = order, reason
        self.count = BeamCounter()

    def process(self, element):
        _, docs = element
        first, *rest = self.order(docs)
        if rest:
            self.count(f"dedup/dropped:{self.reason}", len(rest))
        yield first


class Dedupe(beam.PTransform):
    """Normalised-URL dedup (newest fetch wins), then exact-text dedup."""

    def __init__(self, cfg: Config) -> None:
        super().__init__()
        self.cfg = cfg

    def expand(self, docs):
        from mmcorpus.dedup import exact as dedup

        if self.cfg.dedup.url:
            docs = (
                docs
                | "KeyByUrl" >> beam.Map(lambda d: (dedup.url_key(d), d))
                | "GroupByUrl" >> beam.GroupByKey()
                | "NewestCapture" >> beam.ParDo(KeepFirstFn(dedup.newest_first, "duplicate_url"))
            )
        if self.cfg.dedup.exact_text:
            docs = (
                docs
                | "KeyByText" >> beam.Map(lambda d: (dedup.text_fingerprint(d.plain_text), d))
                | "GroupByText" >> beam.GroupByKey()
                | "FirstOfText" >> beam.ParDo(KeepFirstFn(dedup.canonical_first, "duplicate_text"))
            )
        return docs
