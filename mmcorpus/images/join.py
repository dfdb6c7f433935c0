"""Joining documents to image bytes by normalised URL, as pure functions.

The pipeline groups, per normalised image URL, the documents that reference it and the image
records (from the WARCs, or from a downloader) that hold its bytes; :func:`resolve_image` decides
that URL's fate once, and :func:`attach_images` rebuilds each document from the outcomes of its
image slots. Counters:

* per image *record*: ``image/kept`` or ``image/dropped:<reason>`` from
  :func:`mmcorpus.images.process.process_image`, plus ``image_join/dropped:unreferenced`` (no document
  kept after the text stages points at it), ``image_join/dropped:duplicate_record`` (another
  capture of the same URL was used) and ``image_join/dropped:frequent_url`` (referenced by more
  than ``dedup.max_image_url_pages`` pages: logos, buttons, ads — the KOSMOS-1/OBELICS practice of
  removing images that recur across many pages);
* per document image *slot*: ``doc_images/kept`` or ``doc_images/dropped:<reason>``, where the
  reason is the image's (``not_fetched`` when no bytes were found, ``duplicate_in_document`` when
  the same picture already appears earlier in the document).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from mmcorpus.config import Config
from mmcorpus.data import Document, ImageRecord
from mmcorpus.images.process import ProcessedImage, process_image
from mmcorpus.ledger import CountFn, no_count
from mmcorpus.urls import normalise_url


@dataclass(frozen=True)
class ImageOutcome:
    """What happened to one image URL: its processed image, or the reason it has none."""

    url: str
    image: ProcessedImage | None
    reason: str | None


def image_urls(doc: Document) -> list[str]:
    """Normalised URLs of a document's image slots, each once."""
    seen: dict[str, None] = {}
    for ref in doc.image_refs:
        seen.setdefault(normalise_url(ref.url))
    return list(seen)


def _pick_record(records: list[ImageRecord]) -> tuple[ImageRecord, list[ImageRecord]]:
    """The newest capture (then smallest record id) is used; the others are duplicates."""
    ordered = sorted(records, key=lambda r: r.provenance.record_id)
    ordered = sorted(ordered, key=lambda r: r.provenance.fetch_date or "", reverse=True)
    return ordered[0], ordered[1:]


def resolve_image(url: str, n_pages: int, records: Iterable[ImageRecord], cfg: Config,
                  count: CountFn = no_count) -> ImageOutcome:
    """Decide the fate of one normalised image URL referenced by ``n_pages`` documents."""
    records = list(records)
    if not records:
        return ImageOutcome(url, None, "not_fetched" if n_pages else "unreferenced")
    chosen, duplicates = _pick_record(records)
    if duplicates:
        count("image_join/dropped:duplicate_record", len(duplicates))
    if n_pages == 0:
        count("image_join/dropped:unreferenced")
        return ImageOutcome(url, None, "unreferenced")
    if cfg.dedup.max_image_url_pages and n_pages > cfg.dedup.max_image_url_pages:
        count("image_join/dropped:frequent_url")
        return ImageOutcome(url, None, "frequent_url")
    processed, reason = process_image(chosen.body, cfg.image, count)
    return ImageOutcome(url, processed, reason)


def attach_images(doc: Document, outcomes: Iterable[ImageOutcome],
                  count: CountFn = no_count) -> tuple[Document, dict[str, bytes], dict[str, ProcessedImage]]:
    """The document with failed image slots removed (their text kept) and kept slots filled in.

    Returns the new document (image slots numbered ``img0``, ``img1``, ...), the JPEG bytes by
    image key, and the processed images by image key.
    """
    by_url = {o.url: o for o in outcomes}
    texts: list[str | None] = []
    images = []
    jpegs: dict[str, bytes] = {}
    processed: dict[str, ProcessedImage] = {}
    seen_sha: set[str] = set()
    for text, ref in zip(doc.texts, doc.images):
        if ref is None:
            texts.append(text)
            images.append(None)
            continue
        outcome = by_url.get(normalise_url(ref.url))
        reason = "not_fetched" if outcome is None else outcome.reason
        img = None if outcome is None else outcome.image
        if img is not None and img.sha256 in seen_sha:
            img, reason = None, "duplicate_in_document"
        if img is None:
            count(f"doc_images/dropped:{reason or 'not_fetched'}")
            continue
        seen_sha.add(img.sha256)
        key = f"img{len(jpegs)}"
        jpegs[key] = img.jpeg
        processed[key] = img
        count("doc_images/kept")
        texts.append(None)
        images.append(dataclasses.replace(
            ref, sha256=img.sha256, phash=img.phash, width=img.width, height=img.height,
            n_bytes=len(img.jpeg), image_key=key))
    return dataclasses.replace(doc, texts=texts, images=images), jpegs, processed
