"""Stage 4: images for the documents: the WARC join on any candidate URL, then downloads.

Three shuffles, all keyed by data (no side input of every image):

1. ``GroupByCandidateUrl``: per normalised candidate URL, the slots that list it and the WARC
   image records that hold it; each record is decided once (ResolveRecordFn);
2. ``GroupBySlot``: per slot (one image as pages reference it), its referencing documents and
   the WARC's verdicts on its candidates; the best candidate wins, or the slot is skipped, or it
   goes to the downloader (ResolveSlotFn);
3. ``GroupByDocument``: each document with the outcomes of its slots, for assembly.

The download step (DownloadImagesFn) takes batches of slots and hands them to img2dataset's
downloader in-process (:mod:`mmcorpus.images.download`), so it runs unchanged in local worker
processes and on Dataflow workers. docs/images.md explains the choices.
"""

from __future__ import annotations

import logging

import apache_beam as beam
from apache_beam import pvalue

from mmcorpus.config import Config
from mmcorpus.pipelines.metrics import BeamCounter
from mmcorpus.pipelines.progress import write_progress

log = logging.getLogger(__name__)

TO_DOWNLOAD = "to_download"


class ResolveRecordFn(beam.DoFn):
    """One candidate URL with the slots naming it and its WARC records -> (slot id, FoundImage)."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.count = BeamCounter()

    def process(self, element):
        from mmcorpus.images.join import FoundImage, resolve_record

        url, grouped = element
        refs = list(grouped["refs"])
        records = list(grouped["records"])
        if not records:
            return
        n_pages = len({doc_id for _, doc_id in refs})
        try:
            found = resolve_record(url, n_pages, records, self.cfg, self.count)
        except Exception as e:  # process_image promises not to raise; keep the ledger whole if it does
            log.warning("image %s failed: %r", url, e)
            self.count("image/dropped:exception")
            found = FoundImage(url, None, "exception")
        if found is None:
            return
        for slot in sorted({slot for slot, _ in refs}):
            yield slot, found


class ResolveSlotFn(beam.DoFn):
    """One slot with its references and WARC verdicts -> (doc id, ImageOutcome) per document, or
    the slot to the ``to_download`` output."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.count = BeamCounter()

    def process(self, element):
        from mmcorpus.images.join import resolve_slot

        slot, grouped = element
        refs = list(grouped["refs"])
        outcome = resolve_slot(slot, refs, grouped["found"], self.cfg, self.count)
        doc_ids = sorted({r.doc_id for r in refs})
        if outcome is None:
            yield pvalue.TaggedOutput(TO_DOWNLOAD, (slot, doc_ids))
            return
        for doc_id in doc_ids:
            yield doc_id, outcome


class DownloadImagesFn(beam.DoFn):
    """A batch of ``(slot, doc ids)`` -> (doc id, ImageOutcome): img2dataset downloads behind the
    URL guard, candidates tried best first, bodies decoded and filtered by ``process_image``."""

    def __init__(self, cfg: Config, cache_dir: str | None, progress_dir: str | None = None) -> None:
        self.cfg = cfg
        self.cache_dir = cache_dir
        self.progress_dir = progress_dir
        self.count = BeamCounter()

    def setup(self):
        from mmcorpus.images.download import ImageFetcher

        self.fetcher = ImageFetcher(self.cfg.download, self.cache_dir)

    def process(self, batch):
        from mmcorpus.images.join import candidates_of, downloaded_outcome, validate_download

        items = [(slot, candidates_of(slot)) for slot, _ in batch]
        try:
            results = self.fetcher.fetch(items, lambda data: validate_download(data, self.cfg), self.count)
        except Exception as e:  # the fetcher catches per-URL errors; a whole-batch failure is counted per URL
            log.warning("download batch of %d failed: %r", len(items), e)
            results = {}
        if self.progress_dir:
            _report_downloads(self.progress_dir, results.values())
        for slot, doc_ids in batch:
            res = results.get(slot)
            if res is None:
                outcome = downloaded_outcome(slot, "failed:error", None, None, self.count)
            else:
                outcome = downloaded_outcome(slot, res.outcome, res.url, res.value, self.count)
            for doc_id in doc_ids:
                yield doc_id, outcome


def _report_downloads(directory: str, results) -> None:
    """A batch's counts for the local launcher's progress line (best effort; local runs only)."""
    import uuid

    results = list(results)
    counts = {"stage": "downloads", "images": len(results),
              "downloaded": sum(r.outcome == "downloaded" for r in results),
              "bytes": sum(len(r.data) for r in results if r.data and not r.from_cache)}
    write_progress(directory, f"downloads-{uuid.uuid4().hex}", counts)


class JoinImages(beam.PTransform):
    """Documents + WARC image records -> (doc id, {'doc': [Document], 'images': [ImageOutcome]}).

    With ``download.enabled``, slots that no WARC holds are downloaded (``cache_dir``: where
    successful downloads are kept by URL for reruns).
    """

    def __init__(self, cfg: Config, cache_dir: str | None = None, progress_dir: str | None = None) -> None:
        super().__init__()
        self.cfg = cfg
        self.cache_dir = cache_dir
        self.progress_dir = progress_dir

    def expand(self, inputs):
        from mmcorpus.images.join import candidates_of, document_slots
        from mmcorpus.urls import normalise_url

        docs, records = inputs
        min_side = self.cfg.image.min_side
        slot_refs = docs | "SlotRefs" >> beam.FlatMap(lambda d: document_slots(d, min_side))
        cand_refs = slot_refs | "CandidateRefs" >> beam.FlatMap(
            lambda kv: [(url, (kv[0], kv[1].doc_id)) for url in candidates_of(kv[0])])
        keyed = records | "KeyImageByUrl" >> beam.Map(lambda r: (normalise_url(r.url), r))
        found = (
            {"refs": cand_refs, "records": keyed}
            | "GroupByCandidateUrl" >> beam.CoGroupByKey()
            | "ResolveRecords" >> beam.ParDo(ResolveRecordFn(self.cfg))
        )
        resolved = (
            {"refs": slot_refs, "found": found}
            | "GroupBySlot" >> beam.CoGroupByKey()
            | "ResolveSlots" >> beam.ParDo(ResolveSlotFn(self.cfg)).with_outputs(TO_DOWNLOAD, main="outcomes")
        )
        outcomes = resolved.outcomes
        if self.cfg.download.enabled:
            batch = max(1, self.cfg.download.batch_size)
            downloaded = (
                resolved[TO_DOWNLOAD]
                | "SpreadDownloads" >> beam.Reshuffle()
                | "BatchDownloads" >> beam.BatchElements(min_batch_size=batch, max_batch_size=batch)
                | "DownloadImages" >> beam.ParDo(DownloadImagesFn(self.cfg, self.cache_dir, self.progress_dir))
            )
            outcomes = (outcomes, downloaded) | "AllOutcomes" >> beam.Flatten()
        by_id = docs | "KeyDocById" >> beam.Map(lambda d: (d.id, d))
        return {"doc": by_id, "images": outcomes} | "GroupByDocument" >> beam.CoGroupByKey()


class _NearDuplicatesInBandFn(beam.DoFn):
    def __init__(self, max_distance: int) -> None:
        self.max_distance = max_distance

    def process(self, element):
        from mmcorpus.dedup.image_hash import dropped_by_smaller

        _, items = element
        for key in sorted(dropped_by_smaller(list(items), self.max_distance)):
            yield key, True


class _KeepUnlessNearDuplicateFn(beam.DoFn):
    def __init__(self) -> None:
        self.count = BeamCounter()

    def process(self, element):
        _, grouped = element
        for candidate in grouped["pair"]:
            if any(grouped["dropped"]):
                self.count("pairs/dropped:near_duplicate_image")
            else:
                yield candidate


class NearDuplicatePairs(beam.PTransform):
    """Pair candidates -> those with no perceptual near-duplicate of a smaller key.

    The smallest key of each near-duplicate group is kept (:mod:`mmcorpus.dedup.image_hash`): a
    candidate meets its possible near-duplicates under the pHash band keys (one shuffle of small
    tuples), and the verdicts are joined back to the candidates by key (a second). Exact copies
    (same sha256) are left to the exact pair dedup that follows.
    """

    def __init__(self, max_distance: int) -> None:
        super().__init__()
        self.max_distance = max_distance

    def expand(self, candidates):
        from mmcorpus.dedup.image_hash import band_keys

        if self.max_distance < 0:
            return candidates
        d = self.max_distance
        bands = candidates | "PhashBands" >> beam.FlatMap(
            lambda c: [(b, (c.key, c.ref.phash, c.sha256)) for b in band_keys(c.ref.phash, d)] if c.ref.phash else [])
        dropped = (
            bands
            | "GroupByPhashBand" >> beam.GroupByKey()
            | "NearDuplicatesInBand" >> beam.ParDo(_NearDuplicatesInBandFn(d))
        )
        keyed = candidates | "KeyPairByKey" >> beam.Map(lambda c: (c.key, c))
        return (
            {"pair": keyed, "dropped": dropped}
            | "JoinNearDuplicates" >> beam.CoGroupByKey()
            | "KeepUnlessNearDuplicate" >> beam.ParDo(_KeepUnlessNearDuplicateFn())
        )
