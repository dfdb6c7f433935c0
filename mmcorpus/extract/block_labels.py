"""What a block's own text says: prose, a short line, non-prose, or page furniture.

A first label per text block from its text alone, after jusText (Pomikálek, "Removing
Boilerplate and Duplicate Content from Web Corpora", PhD thesis, Masaryk University, 2011,
chapter 4) and Kohlschütter et al. ("Boilerplate Detection using Shallow Text Features", WSDM
2010): link density, length, and the density of function words, which is high in prose and low in
menus, tag clouds and bylines. The context rules that refine these labels, and the choice of the
main-content region, are in :mod:`mmcorpus.extract.main_content`.

Labels (ordered so that ``label >= LOW`` means "may be output"):

* ``GOOD``: prose, >= 150 characters, function-word density >= 0.22, little link text.
* ``NEAR``: prose-like but shorter (70-149 characters), or density 0.12-0.22.
* ``SHORT``: under 70 characters, almost no link text: a heading, a list item, a table cell, a
  short sentence, or furniture; decided by context.
* ``LOW``: long but not prose (code, tables of facts, lists of names, a little linked).
* ``BAD``: link-dense (> 50% link text, or > 20% for a short block), a bare web address, a boilerplate line
  ("Share", "Read more", "Advertisement", "No comments", "Tagged:"), a photo credit, or a
  byline/dateline.
* ``CAPTION``: set later for blocks inside captions (their text belongs to the image).
"""

from __future__ import annotations

import re

from mmcorpus.extract.ascii_re import ascii_lower_matcher
from mmcorpus.extract.word_lists import (
    BOILERPLATE_LINES,
    BOILERPLATE_MAX_CHARS,
    CJK_PUNCTUATION,
    CREDIT_LINE,
    CREDIT_PREFIXES,
    DATE_DIGITS,
    DATE_OR_TIME,
    FUNCTION_WORDS,
    METADATA_FIRST_WORDS,
    METADATA_PREFIX,
    WEEKDAY_NAME,
)

GOOD, NEAR, SHORT, LOW, BAD, CAPTION = 3, 2, 1, 0, -1, -2


_boilerplate_line = ascii_lower_matcher(BOILERPLATE_LINES)

SHORT_CHARS = 70  # jusText's length_low
GOOD_CHARS = 150  # below this a prose block is near-good
GOOD_DENSITY = 0.22  # function-word density of prose with our short lists (jusText: 0.30-0.32 with full lists)
NEAR_DENSITY = 0.12
MAX_LINK_DENSITY = 0.5  # a block with more link text than this is navigation
MAX_SHORT_LINK_DENSITY = 0.2  # jusText's max_link_density, for short blocks
MIN_COVERED_DENSITY = 0.10  # below this the page's language is not in our word lists
DENSITY_SAMPLE = 400
_DIGIT = re.compile(r"\d")


def prose_density(text: str) -> float:
    """Share of words that are function words (jusText's stop-word density, our word lists).

    Measured on the first ``DENSITY_SAMPLE`` characters: 60-odd words estimate it well enough.
    Text written without spaces (Chinese, Japanese) has no words to count: there the density of
    clause punctuation stands in for it.
    """
    sample = text[:DENSITY_SAMPLE]
    words = sample.lower().replace(",", " ").replace(".", " ").split()
    if not words:
        return 0.0
    if len(sample) > 12 * len(words):
        marks = sum(sample.count(c) for c in CJK_PUNCTUATION)
        return min(1.0, 48.0 * marks / len(sample))
    return sum(map(FUNCTION_WORDS.__contains__, words)) / len(words)


def is_metadata_line(text: str) -> bool:
    """A byline or dateline ("Posted on 3 May 2019 by X", "24. März 2004, 19:49 | Genesis"):
    opened by a publishing verb, or mostly a date or time."""
    first = text.split(None, 1)[0].lower().rstrip(":")
    if first in METADATA_FIRST_WORDS and METADATA_PREFIX.match(text):
        return True
    if not _DIGIT.search(text):
        return False
    lower = text.lower()  # DATE_OR_TIME is written in lower case: ~3x faster than IGNORECASE
    if not (DATE_DIGITS.search(lower) or WEEKDAY_NAME.search(lower)):  # cheap: what every date holds
        return False
    if not DATE_OR_TIME.search(lower):
        return False
    rest = DATE_OR_TIME.sub("", lower).strip(" \t\n|•·,;:-–—/()[]")
    return len(rest) < 25


def is_boilerplate_line(text: str) -> bool:
    """A whole block that is page furniture on its own: "Share", "Read more", "Foto: dpa"."""
    n = len(text)
    if n <= BOILERPLATE_MAX_CHARS and _boilerplate_line(text):
        return True
    return n < 100 and text[:12].lower().startswith(CREDIT_PREFIXES) and CREDIT_LINE.match(text) is not None


TABLE_CELLS = frozenset(["td", "th"])


def is_bare_url(text: str) -> bool:
    """A block that is one web address and nothing else: a value printed from a shop's or CMS's data
    ("cat_thumb_Bone: https://cdn.../thumb.jpg"), a link target spelled out under a share button.
    Not text anyone reads; an address in a sentence, or in code, has words or lines around it."""
    return text.startswith(("http://", "https://", "www.")) and not any(c.isspace() for c in text)


def text_labels(blocks, tags: list[str] | None = None) -> list[int]:
    """One label per block ``(pos, text, link_chars, owner, first_element)`` from its text.

    Where the page's language has (almost) none of our function words, prose is told by length
    and sentence punctuation instead. With the page's ``tags``, a table row or cell is never taken
    for a dateline: "1/1/2013 | +13.1%" is data (a time series, a schedule), and a table row is
    one block (:func:`~mmcorpus.extract.page_tree.table_rows`), so a whole table of dated rows
    would otherwise be cut from the page.
    """
    labels = []
    dens: dict[int, float] = {}
    covered = total = 0.0
    for i, (_pos, text, link, owner, _el) in enumerate(blocks):
        n = len(text)
        ld = link / n
        may_be_dateline = tags is None or tags[owner] not in TABLE_CELLS
        if ld > MAX_LINK_DENSITY or is_bare_url(text):
            labels.append(BAD)
        elif n < SHORT_CHARS:
            bad = ld > MAX_SHORT_LINK_DENSITY or is_boilerplate_line(text) or (
                may_be_dateline and is_metadata_line(text))
            labels.append(BAD if bad else SHORT)
        elif n < GOOD_CHARS and (is_boilerplate_line(text) or (may_be_dateline and is_metadata_line(text))):
            labels.append(BAD)
        elif ld > 0.25:
            labels.append(BAD if ld > 0.35 else LOW)
        else:
            d = dens[i] = prose_density(text)
            covered += d * n
            total += n
            labels.append(GOOD)  # decided below, once the page's coverage is known
    in_lists = total == 0 or covered / total >= MIN_COVERED_DENSITY
    for i, d in dens.items():
        text = blocks[i][1]
        n = len(text)
        if not in_lists:
            d = GOOD_DENSITY if text.count(". ") + text.count(", ") or text[-1] in ".!?。" else 0.0
        if d >= GOOD_DENSITY:
            labels[i] = GOOD if n >= GOOD_CHARS else NEAR
        elif d >= NEAR_DENSITY:
            labels[i] = NEAR
        else:
            labels[i] = LOW
    return labels
