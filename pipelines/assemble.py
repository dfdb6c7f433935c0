"""Stage 5: images attached, KOSMOS-1 document rules, routing to the three shard sets; pair dedup."""

from __future__ import annotations

import logging

import apache_beam as beam
from apache_beam import pvalue

from mmcorpus.config import Config, DedupConfig, DocumentRulesConfig, LanguageConfig, PairConfig
from mmcorpus.pipelines.metrics import BeamCounter

log = logging.getLogger(__name__)

INTERLEAVED, PAIRS, TEXT = "interleaved", "pairs", "text"


class AssembleFn(beam.DoFn):
    """Attach images, emit pairs, apply the KOSMOS-1 document rules, route to a shard set."""

    def __init__(self, pairs: PairConfig, language: LanguageConfig, doc_rules: DocumentRulesConfig,
                 dedup: DedupConfig) -> None:
        self.pairs, self.language, self.doc_rules, self.dedup = pairs, language, doc_rules, dedup
        self.count = BeamCounter()

    def setup(self):
        from mmcorpus.filters.language import LanguageIdentifier

        self.ident = LanguageIdentifier.from_config(self.language).load()

    def process(self, element):
        from mmcorpus.shards.assemble import assemble_document

        _, grouped = element
        # a total order, so the survivor of duplicate records does not depend on the shuffle
        docs = sorted(grouped["doc"], key=lambda d: (d.provenance.warc_file, d.provenance.offset, d.provenance.length))
        if not docs:  # outcomes for a document that no longer exists cannot happen; nothing to account
            return
        doc, *same_id = docs
        if same_id:  # the same WARC record given twice (two copies of a file) with URL dedup off
            self.count("dedup/dropped:duplicate_record", len(same_id))
        try:
            routed = assemble_document(doc, grouped["images"], pairs=self.pairs, language=self.language,
                                       doc_rules=self.doc_rules, dedup=self.dedup, ident=self.ident,
                                       count=self.count)
        except Exception as e:
            log.warning("assembling %s failed: %r", doc.url, e)
            self.count("pipeline/error:assemble_exception")
            return
        for set_name, item in routed:
            yield pvalue.TaggedOutput(set_name, item)


class AssembleAndRoute(beam.PTransform):
    def __init__(self, cfg: Config) -> None:
        super().__init__()
        self.cfg = cfg

    def expand(self, joined):
        cfg = self.cfg
        assemble = AssembleFn(cfg.pairs, cfg.language, cfg.doc_rules, cfg.dedup)
        return joined | "Assemble" >> beam.ParDo(assemble).with_outputs(INTERLEAVED, PAIRS, TEXT)


class DedupePairsFn(beam.DoFn):
    """Of the pair candidates of one image, encode the one with the smallest key; count the rest."""

    def __init__(self) -> None:
        self.count = BeamCounter()

    def process(self, element):
        _, candidates = element
        first, *rest = sorted(candidates, key=lambda c: c.key)
        if rest:
            self.count("pairs/dropped:duplicate_image", len(rest))
        self.count("output/pairs")
        yield first.encode()


class DedupePairs(beam.PTransform):
    """PairCandidates -> one encoded (sample, index row) per distinct image (sha256 of the original bytes)."""

    def expand(self, candidates):
        return (
            candidates
            | "KeyPairBySha" >> beam.Map(lambda c: (c.sha256, c))
            | "GroupPairsBySha" >> beam.GroupByKey()
            | "FirstPair" >> beam.ParDo(DedupePairsFn())
        )
