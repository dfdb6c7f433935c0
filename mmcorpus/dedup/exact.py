"""Exact deduplication rules: which copy of a page survives.

* URL dedup: the same normalised URL crawled more than once keeps the newest capture
  (docs/architecture.md: "newest fetch wins"); ties are broken by document id so every runner and
  every retry picks the same one.
* Exact-text dedup: documents whose normalised text (case-folded, whitespace collapsed) is
  identical keep one copy, the one with the smallest (url, id), again for determinism. C4 and
  Gopher deduplicate exact repeats the same way before any fuzzy step.

These are the reduce functions of the pipeline's GroupByKey steps, kept here as pure functions.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from mmcorpus.data import Document
from mmcorpus.urls import normalise_url

_WS = re.compile(r"\s+")


def url_key(doc: Document) -> str:
    return normalise_url(doc.url)


def text_fingerprint(text: str) -> str:
    """A hash of the text with case and whitespace differences removed."""
    norm = _WS.sub(" ", text.casefold()).strip()
    return hashlib.blake2b(norm.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _copy_order(d: Document) -> tuple:
    """A total order on copies: the same record in two input files shares its id, so the id alone
    leaves the survivor (and the provenance written) to the shuffle order (issue 14)."""
    return d.id, d.provenance.warc_file, d.provenance.offset, d.provenance.length


def newest_first(docs: Iterable[Document]) -> list[Document]:
    """Captures of one URL, the survivor first: newest fetch date, then smallest id, WARC file
    and offset."""
    docs = sorted(docs, key=_copy_order)
    return sorted(docs, key=lambda d: d.provenance.fetch_date or "", reverse=True)


def canonical_first(docs: Iterable[Document]) -> list[Document]:
    """Documents with one text, the survivor first: smallest (url, id, WARC file, offset)."""
    return sorted(docs, key=lambda d: (d.url, *_copy_order(d)))
