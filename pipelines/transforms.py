"""Composite transforms of the crawl-to-shards pipeline, one per stage.

Each DoFn's ``process`` is a few lines around a pure function of ``mmcorpus``; every drop is a
Beam counter (namespace ``mmcorpus``) with a named reason, which the launcher reads back into the
manifest's ledger. Models load in ``setup`` (once per worker).
"""

from __future__ import annotations

import logging

import apache_beam as beam
from apache_beam import pvalue

from mmcorpus.config import Config
from mmcorpus.data import HtmlRecord, ImageRecord
from pipelines.metrics import BeamCounter

log = logging.getLogger(__name__)

PAGES, IMAGES = "pages", "images"
INTERLEAVED, PAIRS, TEXT = "interleaved", "pairs", "text"


class ReadWarcFn(beam.DoFn):
    """One WARC path in, its pages (main output) and image records (``images``) out."""

    def __init__(self, cfg: Config, progress_dir: str | None = None) -> None:
        self.cfg = cfg
        self.progress_dir = progress_dir
        self.count = BeamCounter()

    def process(self, path: str):
        from mmcorpus.stats import Ledger
        from mmcorpus.warc import iter_warc

        file_ledger = Ledger()

        def count(name: str, n: int = 1) -> None:
            self.count(name, n)
            file_ledger.count(name, n)

        for item in iter_warc(path, self.cfg.warc, count):
            if isinstance(item, HtmlRecord):
                yield item
            elif isinstance(item, ImageRecord):
                yield pvalue.TaggedOutput(IMAGES, item)
        if self.progress_dir:
            _report_progress(self.progress_dir, path, file_ledger.stage("warc"))


def _report_progress(directory: str, path: str, counts: dict) -> None:
    """A finished WARC's counts, for the local launcher's progress line (best effort)."""
    import json
    import os

    from mmcorpus.data import stable_key

    try:
        tmp = os.path.join(directory, f".{stable_key(path)}.tmp")
        with open(tmp, "w") as f:
            json.dump(counts, f)
        os.replace(tmp, os.path.join(directory, f"{stable_key(path)}.json"))
    except OSError:
        pass


class ReadWarcs(beam.PTransform):
    """WARC paths -> pages and image records.

    A WARC file is not splittable, so the paths are reshuffled first: that breaks fusion with the
    Create step, and each file becomes its own unit of parallel work on any runner.
    """

    def __init__(self, paths: list[str], cfg: Config, progress_dir: str | None = None) -> None:
        super().__init__()
        self.paths, self.cfg, self.progress_dir = paths, cfg, progress_dir

    def expand(self, pbegin):
        return (
            pbegin
            | "CreatePaths" >> beam.Create(self.paths)
            | "ReshufflePaths" >> beam.Reshuffle()
            | "ReadRecords" >> beam.ParDo(ReadWarcFn(self.cfg, self.progress_dir)).with_outputs(IMAGES, main=PAGES)
        )


class ProcessPageFn(beam.DoFn):
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.count = BeamCounter()

    def setup(self):
        from mmcorpus.page_processing import PageProcessor

        self.processor = PageProcessor(self.cfg).setup()

    def process(self, record: HtmlRecord):
        doc = self.processor.process(record, self.count)
        if doc is not None:
            yield doc


class ExtractAndFilter(beam.PTransform):
    """Pages -> documents that pass extraction, language ID and the text-quality rules."""

    def __init__(self, cfg: Config) -> None:
        super().__init__()
        self.cfg = cfg

    def expand(self, pages):
        return pages | "ExtractFilter" >> beam.ParDo(ProcessPageFn(self.cfg))


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
        from mmcorpus import dedup

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


class ResolveImageFn(beam.DoFn):
    """One image URL with its referencing documents and records -> (doc id, outcome) per reference."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.count = BeamCounter()

    def process(self, element):
        from mmcorpus.image_join import resolve_image

        url, grouped = element
        doc_ids = sorted(set(grouped["refs"]))
        try:
            outcome = resolve_image(url, len(doc_ids), grouped["records"], self.cfg, self.count)
        except Exception as e:  # process_image promises not to raise; keep the ledger whole if it does
            log.warning("image %s failed: %r", url, e)
            self.count("image/dropped:exception")
            from mmcorpus.image_join import ImageOutcome

            outcome = ImageOutcome(url, None, "exception")
        for doc_id in doc_ids:
            yield doc_id, outcome


class JoinImages(beam.PTransform):
    """Documents + image records -> (doc id, {'doc': [Document], 'images': [ImageOutcome]}).

    A CoGroupByKey on the normalised image URL, then one on the document id: both scale with the
    data, unlike a side input of every image. Any image source that yields ImageRecords (WARC
    image records, a downloader's output) plugs in as ``records``.
    """

    def __init__(self, cfg: Config) -> None:
        super().__init__()
        self.cfg = cfg

    def expand(self, inputs):
        from mmcorpus.image_join import image_urls
        from mmcorpus.urls import normalise_url

        docs, records = inputs
        refs = docs | "ImageRefs" >> beam.FlatMap(lambda d: [(u, d.id) for u in image_urls(d)])
        keyed = records | "KeyImageByUrl" >> beam.Map(lambda r: (normalise_url(r.url), r))
        outcomes = (
            {"refs": refs, "records": keyed}
            | "GroupByImageUrl" >> beam.CoGroupByKey()
            | "ResolveImages" >> beam.ParDo(ResolveImageFn(self.cfg))
        )
        by_id = docs | "KeyDocById" >> beam.Map(lambda d: (d.id, d))
        return {"doc": by_id, "images": outcomes} | "GroupByDocument" >> beam.CoGroupByKey()


class AssembleFn(beam.DoFn):
    """Attach images, emit pairs, apply the KOSMOS-1 document rules, route to a shard set."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.count = BeamCounter()

    def setup(self):
        from mmcorpus.langid import LanguageIdentifier

        self.ident = LanguageIdentifier.from_config(self.cfg.language).load()

    def process(self, element):
        from mmcorpus.assemble import assemble_document

        _, grouped = element
        docs = sorted(grouped["doc"], key=lambda d: (d.provenance.warc_file, d.provenance.offset))
        if not docs:  # outcomes for a document that no longer exists cannot happen; nothing to account
            return
        doc, *same_id = docs
        if same_id:  # the same WARC record given twice (two copies of a file) with URL dedup off
            self.count("dedup/dropped:duplicate_record", len(same_id))
        try:
            routed = assemble_document(doc, grouped["images"], self.cfg, self.ident, self.count)
        except Exception as e:
            log.warning("assembling %s failed: %r", doc.url, e)
            self.count("pipeline/error:assemble_exception")
            return
        for set_name, sample, row in routed:
            yield pvalue.TaggedOutput(set_name, (sample, row))


class AssembleAndRoute(beam.PTransform):
    def __init__(self, cfg: Config) -> None:
        super().__init__()
        self.cfg = cfg

    def expand(self, joined):
        return joined | "Assemble" >> beam.ParDo(AssembleFn(self.cfg)).with_outputs(INTERLEAVED, PAIRS, TEXT)


class DedupePairsFn(beam.DoFn):
    def __init__(self) -> None:
        self.count = BeamCounter()

    def process(self, element):
        _, items = element
        first, *rest = sorted(items, key=lambda it: it[0]["__key__"])
        if rest:
            self.count("pairs/dropped:duplicate_image", len(rest))
        self.count("output/pairs")
        yield first


class DedupePairs(beam.PTransform):
    """One pair per distinct image (sha256 of the original bytes): the smallest key wins."""

    def expand(self, pairs):
        import json

        return (
            pairs
            | "KeyPairBySha" >> beam.Map(lambda it: (json.loads(it[0]["json"])["sha256"], it))
            | "GroupPairsBySha" >> beam.GroupByKey()
            | "FirstPair" >> beam.ParDo(DedupePairsFn())
        )


class WriteBucketFn(beam.DoFn):
    def __init__(self, set_dir: str, cfg: Config) -> None:
        self.set_dir, self.cfg = set_dir, cfg

    def process(self, element):
        from mmcorpus.shard_sets import write_bucket

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
        from mmcorpus.shard_sets import bucket_count, bucket_of, finalize_set, sample_nbytes

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
