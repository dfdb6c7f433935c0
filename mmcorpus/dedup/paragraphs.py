"""Paragraphs a site repeats on many of its pages (cookie notices, author bios, newsletter boxes).

OBELICS (Laurençon et al., 2023) removes paragraphs that occur on many pages of one domain
before building documents: they are boilerplate the
extractor kept, they make distinct short pages look alike to MinHash (near_dedup's benchmark: 2 of
39 short briefs sharing three boilerplate paragraphs were dropped as near-duplicates), and they
teach a model nothing. With ``near_dedup.repeated_paragraph_pages`` = N > 0, a text block whose
normalised text occurs on at least N distinct documents of the same site is removed from each of
them before the signatures are made, and so before writing. The site is the URL's host without a
leading ``www.`` (no public-suffix list: ``news.example.com`` and ``example.com`` are two sites).
A document whose every text block is repeated is left whole: the text rules already accepted it.
"""

from __future__ import annotations

import dataclasses
import hashlib
from urllib.parse import urlsplit

from mmcorpus.data import Document
from mmcorpus.dedup.minhash import normalise


def site_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def paragraph_hash(text: str) -> str | None:
    """A hash of the block's normalised text; None for a block without words."""
    norm = normalise(text)
    if not norm:
        return None
    return hashlib.blake2b(norm.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def paragraph_keys(doc: Document) -> list[tuple[str, str]]:
    """The distinct (site, paragraph hash) pairs of a document's text blocks."""
    site = site_of(doc.url)
    hashes = {h for h in (paragraph_hash(t) for t in doc.text_blocks) if h is not None}
    return [(site, h) for h in sorted(hashes)]


def strip_paragraphs(doc: Document, repeated: set[str]) -> tuple[Document, int]:
    """``doc`` without the text blocks whose hash is in ``repeated``, and how many were removed.

    Image positions are kept (texts and images stay parallel lists). If nothing would remain of
    the text, the document is returned unchanged with 0.
    """
    if not repeated:
        return doc, 0
    keep_idx = [i for i, t in enumerate(doc.texts) if t is None or paragraph_hash(t) not in repeated]
    removed = len(doc.texts) - len(keep_idx)
    if removed == 0 or not any(doc.texts[i] is not None for i in keep_idx):
        return doc, 0
    return dataclasses.replace(doc, texts=[doc.texts[i] for i in keep_idx],
                               images=[doc.images[i] for i in keep_idx],
                               metadata=dict(doc.metadata)), removed
