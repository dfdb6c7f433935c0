"""Repeated paragraphs: within one document, and across the pages of one site.

Within a document (:func:`strip_repeated_blocks`, ``text.repeated_block_min_chars``): a text
block that is an exact copy of an earlier block of the same document is removed
before the text-quality rules judge the page. Forum threads quote earlier posts in full, carousels
and responsive layouts render the same teaser twice, and Gopher's duplicate line and paragraph
rules (Rae et al. 2021, table A1) would drop the whole page for it; removing the later copies keeps
the page and still gives the model each passage once (the same idea as Dolma's paragraph-level
deduplication and OBELICS' line deduplication, applied inside one document). Blocks shorter than
the floor (labels such as "Reply", "Member", a date) are structure and stay.

Then the same for lines (:func:`strip_repeated_lines`, ``text.repeated_line_min_chars``): a line
of a block that copies a line met earlier in the document is removed. Blocks are the extractor's
(a list, a table, a product card); a line repeated down a page inside them (an offer's terms under
every offer, a quoted sentence inside a reply, a pricing table rendered for three plans, a code
sample's instructions repeated for each language) is the same rendering-twice as a repeated block,
one level down. Gopher's duplicate line rules judged those pages by their copies; removing them
gives each line once and leaves the rules to judge what the page says. Code blocks keep their
lines (a snippet's import, a traceback's header): code repeats by design and a snippet missing a
line is broken, so the duplicate line rules judge those.

Across a site: paragraphs a site repeats on many of its pages (cookie notices, author bios,
newsletter boxes).

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
from mmcorpus.filters.text_quality import CODE_SYNTAX


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
    return _with_slots(doc, keep_idx), removed


def _with_slots(doc: Document, keep_idx: list[int], texts: list[str | None] | None = None) -> Document:
    """A copy of ``doc`` with only the slots ``keep_idx`` (texts and images stay parallel lists),
    their texts taken from ``texts`` where given (one per slot of ``doc``)."""
    texts = doc.texts if texts is None else texts
    return dataclasses.replace(doc, texts=[texts[i] for i in keep_idx],
                               images=[doc.images[i] for i in keep_idx],
                               metadata=dict(doc.metadata))


def repeated_block_indices(texts: list[str | None], min_chars: int) -> list[int]:
    """Indices of the text blocks that copy an earlier block (leading and trailing whitespace
    aside) of at least ``min_chars`` characters; image slots (None) and shorter blocks are never
    listed. Exact copies only: the extractor already collapses whitespace inside a block."""
    if min_chars <= 0:
        return []
    seen: set[str] = set()
    out: list[int] = []
    for i, t in enumerate(texts):
        if t is None or len(t) < min_chars:
            continue
        key = t.strip()
        if len(key) < min_chars:
            continue
        if key in seen:
            out.append(i)
        else:
            seen.add(key)
    return out


def strip_repeated_blocks(doc: Document, min_chars: int) -> tuple[Document, int]:
    """``doc`` without the later copies of its repeated text blocks (:func:`repeated_block_indices`),
    and how many were removed. Image slots stay; the first copy of each block stays."""
    drop = set(repeated_block_indices(doc.texts, min_chars))
    if not drop:
        return doc, 0
    return _with_slots(doc, [i for i in range(len(doc.texts)) if i not in drop]), len(drop)


def drop_repeated_paragraphs(text: str, min_chars: int, line_min_chars: int = 0) -> str:
    """The same on plain text whose blocks are separated by blank lines (``Document.plain_text``):
    later copies of blocks of at least ``min_chars``, then (``line_min_chars`` > 0) later copies of
    lines of at least ``line_min_chars`` (:func:`without_repeated_lines`)."""
    paras = text.split("\n\n")
    drop = set(repeated_block_indices(paras, min_chars))
    if drop:
        paras = [p for i, p in enumerate(paras) if i not in drop]
    if line_min_chars > 0:
        lines, removed = without_repeated_lines(paras, line_min_chars)
        if removed:
            return "\n\n".join(t for t in lines if t is not None)
    return "\n\n".join(paras) if drop else text


# Code syntax that prose rarely writes: "=", ";", braces and angle brackets (text_quality's
# CODE_SYNTAX without the parentheses and square brackets prose uses). A block of several lines,
# half of them with one of these, is code, and code repeats by design (an import in every snippet,
# a traceback's header); a snippet without its line is broken, so such a block keeps its lines.
_CODE_CHARS = frozenset(CODE_SYNTAX) - frozenset("()[]")


def is_code_block(lines: list[str]) -> bool:
    """Whether a block's lines are code: at least two lines, half of them or more with ``= ; { } < >``."""
    return len(lines) >= 2 and 2 * sum(not _CODE_CHARS.isdisjoint(line) for line in lines) >= len(lines)


def without_repeated_lines(texts: list[str | None], min_chars: int) -> tuple[list[str | None], int]:
    """``texts`` without the lines (``\\n``-separated, leading and trailing whitespace aside) of at
    least ``min_chars`` characters that copy a line met earlier in any block, and how many lines were
    removed. A block left without text becomes None; image slots (None) stay None. Shorter lines
    (labels, prices, dates) are structure and stay, as for blocks, and code blocks
    (:func:`is_code_block`) keep every line: a code sample's repeated import or traceback header
    is part of each sample; the duplicate line rules judge those."""
    if min_chars <= 0:
        return texts, 0
    seen: set[str] = set()
    out: list[str | None] = []
    removed = 0
    for t in texts:
        if t is None or len(t) < min_chars:  # no line of the block can be long enough
            out.append(t)
            continue
        lines = t.split("\n")
        if is_code_block(lines):
            out.append(t)
            continue
        kept = []
        for line in lines:
            key = line.strip()
            if len(key) >= min_chars:
                if key in seen:
                    removed += 1
                    continue
                seen.add(key)
            kept.append(line)
        if len(kept) == len(lines):
            out.append(t)
        else:
            out.append("\n".join(kept) if any(line.strip() for line in kept) else None)
    return out, removed


def strip_repeated_lines(doc: Document, min_chars: int) -> tuple[Document, int]:
    """``doc`` without the later copies of its repeated lines (:func:`without_repeated_lines`), and
    how many lines were removed. A text block left empty is removed; image slots stay."""
    texts, removed = without_repeated_lines(doc.texts, min_chars)
    if not removed:
        return doc, 0
    keep_idx = [i for i, (old, new) in enumerate(zip(doc.texts, texts)) if old is None or new is not None]
    return _with_slots(doc, keep_idx, texts), removed
