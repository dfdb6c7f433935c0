"""Joining documents to image bytes on any candidate URL, as pure functions.

An ``<img>`` names several files (``src``, every ``srcset``/``<picture>`` candidate, lazy
attributes; :func:`mmcorpus.extract.image_urls.candidates`), and a web archive often holds only
one of them: on the Mona Lisa article the page prefers the 440 px rendition while the archive
captured the 220 px ``src``. So the join works on *slots* and *candidates*:

* a slot is one image as documents reference it, identified by its normalised candidate list
  (:func:`slot_id`); the documents that show it are grouped under that id;
* WARC image records are grouped per normalised candidate URL (:func:`resolve_record`): each
  record is decided once there, whichever slots list that URL;
* each slot then takes the best candidate that has usable bytes (:func:`resolve_slot`, "best
  available wins", recording which one), or goes to the downloader, or ends with a reason.

Counters, one unit each (mmcorpus.ledger):

* per WARC image *record*: ``image/kept`` or ``image/dropped:<reason>``
  (:func:`mmcorpus.images.process.process_image`), ``image_join/dropped:unreferenced`` (no kept
  document names it), ``image_join/dropped:duplicate_record`` (another capture of the same URL
  was used), ``image_join/dropped:frequent_url`` (named by more than ``dedup.max_image_url_pages``
  pages: logos, buttons, ads, as KOSMOS-1/OBELICS remove recurring images);
* per wanted image (slot): ``image_fetch/wanted`` enters and exactly one of
  ``image_fetch/found_in_warc``, ``image_fetch/downloaded``, ``image_fetch/refused:<reason>``,
  ``image_fetch/failed:<reason>``, ``image_fetch/skipped:<reason>`` (``recurring``,
  ``declared_small``, ``x_robots_tag``, ``download_off``) ends it;
* per downloaded image: ``image_download/kept`` or ``image_download/dropped:<reason>`` (the
  image filters: ``too_small``, ``single_colour``, ``bad_aspect_ratio``);
* per document image *slot*: ``doc_images/kept`` or ``doc_images/dropped:<reason>``
  (``not_fetched``, ``duplicate_in_document`` when the same picture, by sha256 or by perceptual
  hash, already appears earlier in the document).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from mmcorpus.config import Config
from mmcorpus.data import Document, ImageRecord, ImageRef
from mmcorpus.images.process import ProcessedImage, process_image
from mmcorpus.ledger import CountFn, no_count
from mmcorpus.urls import normalise_url

#: process_image reasons that mean the bytes are not a usable image file at all (a download of
#: another candidate may do better), as opposed to an image the filters reject.
BROKEN_REASONS = {"undecodable": "decode", "decompression_bomb": "too_large", "too_many_bytes": "too_large",
                  "unsupported_format": "unsupported_format"}
_SEP = "\x1f"


@dataclass(frozen=True)
class ImageOutcome:
    """What happened to one slot: its processed image and where it came from, or the reason it has none."""

    url: str  # the slot id (see slot_id)
    image: ProcessedImage | None
    reason: str | None
    source_url: str | None = None  # the candidate whose bytes were used
    source: str | None = None  # "warc" or "download"


@dataclass(frozen=True)
class FoundImage:
    """A WARC record's verdict for one candidate URL, sent to every slot that lists the URL."""

    url: str  # normalised candidate URL
    image: ProcessedImage | None
    reason: str | None


@dataclass(frozen=True)
class SlotRef:
    """One document's reference to a slot (what the slot stage needs to know about it)."""

    doc_id: str
    declared_small: bool


def slot_candidates(ref: ImageRef) -> list[str]:
    """The slot's normalised candidate URLs, best first, each once."""
    return list(dict.fromkeys(normalise_url(u) for u in ref.urls))


def slot_id(ref: ImageRef) -> str:
    """A slot's id: its normalised candidate list (a string, so it can be a shuffle key)."""
    return _SEP.join(slot_candidates(ref))


def candidates_of(slot: str) -> list[str]:
    return slot.split(_SEP)


def declared_small(ref: ImageRef, min_side: int) -> bool:
    """The page declares the image smaller than ``min_side`` px on a side (KOSMOS-1 drops < 64)."""
    return any(v is not None and v < min_side for v in (ref.declared_width, ref.declared_height))


def document_slots(doc: Document, min_side: int) -> list[tuple[str, SlotRef]]:
    """``(slot id, SlotRef)`` for each distinct slot of a document."""
    seen: dict[str, SlotRef] = {}
    for ref in doc.image_refs:
        sid = slot_id(ref)
        small = declared_small(ref, min_side)
        if sid in seen:
            small = small and seen[sid].declared_small
        seen[sid] = SlotRef(doc.id, small)
    return list(seen.items())


def _pick_record(records: list[ImageRecord]) -> tuple[ImageRecord, list[ImageRecord]]:
    """The newest capture (then smallest record id) is used; the others are duplicates."""
    ordered = sorted(records, key=lambda r: r.provenance.record_id)
    ordered = sorted(ordered, key=lambda r: r.provenance.fetch_date or "", reverse=True)
    return ordered[0], ordered[1:]


def resolve_record(url: str, n_pages: int, records: Iterable[ImageRecord], cfg: Config,
                   count: CountFn = no_count) -> FoundImage | None:
    """Decide the WARC records of one normalised candidate URL named by ``n_pages`` documents.

    Every record ends here in exactly one counter; the verdict (None when the URL has no record
    or no document) goes to each slot that lists the URL.
    """
    records = list(records)
    if not records:
        return None
    chosen, duplicates = _pick_record(records)
    if duplicates:
        count("image_join/dropped:duplicate_record", len(duplicates))
    if n_pages == 0:
        count("image_join/dropped:unreferenced")
        return None
    if cfg.dedup.max_image_url_pages and n_pages > cfg.dedup.max_image_url_pages:
        count("image_join/dropped:frequent_url")
        return FoundImage(url, None, "frequent_url")
    processed, reason = process_image(chosen.body, cfg.image, count)
    return FoundImage(url, processed, reason)


def resolve_slot(slot: str, refs: Iterable[SlotRef], found: Iterable[FoundImage], cfg: Config,
                 count: CountFn = no_count) -> ImageOutcome | None:
    """One wanted image: found in the WARCs (best candidate wins), skipped, or None = download it.

    Counts ``image_fetch/wanted`` and, unless it returns None (the downloader then counts the
    outcome), the slot's one ``image_fetch/...`` outcome.
    """
    refs = list(refs)
    count("image_fetch/wanted")
    rank = {u: i for i, u in enumerate(candidates_of(slot))}
    found = sorted(found, key=lambda f: rank.get(f.url, len(rank)))
    n_pages = len({r.doc_id for r in refs})
    if (cfg.dedup.max_image_url_pages and n_pages > cfg.dedup.max_image_url_pages) or any(
            f.reason == "frequent_url" for f in found):
        count("image_fetch/skipped:recurring")
        return ImageOutcome(slot, None, "frequent_url")
    usable = [f for f in found if f.image is not None]
    if usable or found:
        best = usable[0] if usable else found[0]
        count("image_fetch/found_in_warc")
        return ImageOutcome(slot, best.image, best.reason, best.url, "warc")
    if refs and all(r.declared_small for r in refs):
        count("image_fetch/skipped:declared_small")
        return ImageOutcome(slot, None, "declared_small")
    if not cfg.download.enabled:
        count("image_fetch/skipped:download_off")
        return ImageOutcome(slot, None, "not_fetched")
    return None


def validate_download(data: bytes, cfg: Config) -> tuple[tuple[ProcessedImage | None, str | None], str | None]:
    """The downloader's check of a body: ``((image, filter reason), None)`` when the bytes are an
    image file (the filters may still reject it), ``(None, failure)`` when they are not."""
    processed, reason = process_image(data, cfg.image)
    if reason in BROKEN_REASONS:
        return (None, reason), BROKEN_REASONS[reason]
    return (processed, reason), None


def downloaded_outcome(slot: str, outcome: str, url: str | None, value, count: CountFn = no_count) -> ImageOutcome:
    """Count one downloaded slot's fetch outcome (and filter verdict) and return its ImageOutcome."""
    count(f"image_fetch/{outcome}")
    if outcome != "downloaded":
        return ImageOutcome(slot, None, outcome.replace(":", "_"), url, None)
    processed, reason = value
    count("image_download/kept" if processed is not None else f"image_download/dropped:{reason}")
    return ImageOutcome(slot, processed, reason, url, "download")


def attach_images(doc: Document, outcomes: Iterable[ImageOutcome], count: CountFn = no_count,
                  phash_distance: int | None = None,
                  ) -> tuple[Document, dict[str, bytes], dict[str, ProcessedImage]]:
    """The document with failed image slots removed (their text kept) and kept slots filled in.

    An image the document already shows (same sha256, or a pHash within ``phash_distance`` bits:
    a resized or recompressed copy; default :data:`mmcorpus.dedup.image_hash.DEFAULT_DISTANCE`)
    is dropped as ``duplicate_in_document``. Returns the new
    document (image slots numbered ``img0``, ``img1``, ...), the JPEG bytes by image key, and the
    processed images by image key.
    """
    from mmcorpus.dedup.image_hash import DEFAULT_DISTANCE, near_duplicate

    if phash_distance is None:
        phash_distance = DEFAULT_DISTANCE
    by_slot = {o.url: o for o in outcomes}
    texts: list[str | None] = []
    images = []
    jpegs: dict[str, bytes] = {}
    processed: dict[str, ProcessedImage] = {}
    seen: list[ProcessedImage] = []
    for text, ref in zip(doc.texts, doc.images):
        if ref is None:
            texts.append(text)
            images.append(None)
            continue
        outcome = by_slot.get(slot_id(ref))
        reason = "not_fetched" if outcome is None else outcome.reason
        img = None if outcome is None else outcome.image
        if img is not None and any(img.sha256 == s.sha256 or near_duplicate(img.phash, s.phash, phash_distance)
                                   for s in seen):
            img, reason = None, "duplicate_in_document"
        if img is None:
            count(f"doc_images/dropped:{reason or 'not_fetched'}")
            continue
        seen.append(img)
        source_url = next((u for u in ref.urls if normalise_url(u) == outcome.source_url), outcome.source_url)
        key = f"img{len(jpegs)}"
        jpegs[key] = img.jpeg
        processed[key] = img
        count("doc_images/kept")
        texts.append(None)
        images.append(dataclasses.replace(
            ref, sha256=img.sha256, phash=img.phash, width=img.width, height=img.height,
            n_bytes=len(img.jpeg), image_key=key, source_url=source_url, source=outcome.source))
    return dataclasses.replace(doc, texts=texts, images=images), jpegs, processed
