"""KOSMOS-1 document rules, applied once a document's images are known.

KOSMOS-1 (Huang et al., 2023, arXiv 2302.14045, section 2.1, "interleaved image-text data"):
"we restrict the number of images in each document to five ... we randomly discard half of the
documents that only have one image". Here:

* :func:`cap_images` keeps the first ``max_images`` images in document order and removes the
  later image slots entirely; the text blocks around them stay, in order.
* :func:`keep_single_image_document` decides which single-image documents survive with a hash of
  ``(seed, document id)`` instead of a random generator, so reruns, Beam retries and different
  runners keep exactly the same subset (docs/architecture.md, "Determinism").

Documents with no image pass through untouched: they are routed to the text-only set later.
"""

from __future__ import annotations

import dataclasses
import hashlib

from mmcorpus.config import DocumentRulesConfig
from mmcorpus.data import Document
from mmcorpus.ledger import CountFn, no_count, outcome

STAGE = "doc_rules"


def cap_images(doc: Document, max_images: int) -> Document:
    """A copy of ``doc`` holding only its first ``max_images`` images (texts all kept)."""
    if max_images < 0:
        raise ValueError(f"max_images must be >= 0, got {max_images}")
    if len(doc.image_refs) <= max_images:
        return doc
    texts: list[str | None] = []
    images = []
    seen = 0
    for text, image in zip(doc.texts, doc.images):
        if image is not None:
            seen += 1
            if seen > max_images:
                continue
        texts.append(text)
        images.append(image)
    return dataclasses.replace(doc, texts=texts, images=images)


def unit_hash(doc_id: str, seed: int) -> float:
    """A uniform number in [0, 1) that depends only on ``(seed, doc_id)`` (blake2b, 64 bits)."""
    h = hashlib.blake2b(f"{seed}\x1f{doc_id}".encode("utf-8", "surrogatepass"), digest_size=8)
    return int.from_bytes(h.digest(), "big") / 2**64


def keep_single_image_document(doc_id: str, seed: int, keep_rate: float) -> bool:
    """Whether a single-image document is kept: ``unit_hash(doc_id, seed) < keep_rate``."""
    return unit_hash(doc_id, seed) < keep_rate


def apply_document_rules(
    doc: Document, cfg: DocumentRulesConfig, count: CountFn = no_count
) -> tuple[Document | None, str | None]:
    """Cap images, then sample single-image documents.

    Returns ``(doc, None)`` for a kept (possibly capped) document or ``(None, reason)``. Counts
    ``doc_rules/kept`` or ``doc_rules/dropped:single_image_sampled`` once per document, and
    ``doc_rules/images_capped`` with the number of image slots removed.
    """
    before = len(doc.image_refs)
    doc = cap_images(doc, cfg.max_images)
    removed = before - len(doc.image_refs)
    if removed:
        count(f"{STAGE}/images_capped", removed)
    sampled_out = len(doc.image_refs) == 1 and not keep_single_image_document(
        doc.id, cfg.seed, cfg.single_image_keep_rate
    )
    reason = "single_image_sampled" if sampled_out else None
    return (doc if outcome(count, STAGE, reason) else None), reason
