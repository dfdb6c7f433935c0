"""Text quality rules: Gopher quality and repetition filters, KOSMOS-1 gibberish heuristics.

Sources:

* Gopher (Rae et al., 2021, arXiv 2112.11446, appendix A, "quality filtering"): 50-100,000
  words, mean word length 3-10, '#' and ellipsis each under 0.1 per word, at most 90% of lines
  starting with a bullet, at most 30% ending with an ellipsis, at least 80% of words with an
  alphabetic character, at least two of the stop words "the, be, to, of, and, that, have, with".
* Gopher repetition removal (appendix A, table A1): duplicate line / paragraph fractions
  (0.30) and their character fractions (0.20); character fraction of the most frequent 2/3/4-gram
  (0.20/0.18/0.16); character fraction of words covered by duplicated 5..10-grams (0.15..0.10).
  OBELICS (Laurençon et al., 2023) and datatrove use the same rules on web documents. Ours
  deviate where they threw away good pages (tables, product grids, code, quoted posts; measured
  in docs/filters.md): lines and paragraphs under ``dup_line_min_chars`` are not counted, the
  duplicated n-gram rules read the prose lines only (C4's definition, Raffel et al. 2020; their
  repeats are still a fraction of the whole text's characters) with a looser all-words
  backstop, an n-gram's second occurrence (an echo) is not counted, short label lines repeated
  down the page are left out of every n-gram rule (with a backstop), and n-grams are counted
  within a line (the backstops count across lines, as Gopher). The top n-gram's characters are
  those "contained within" its occurrences, each character once: an occurrence overlapping the
  one before ("Yes Yes" twice in "Yes Yes Yes") is not counted twice.
  Gopher's quality rules deviate where they judged code and data as junk: code syntax tokens and
  currency or percent signs written apart from their number are not words, ``#1`` is a rank, the
  English stop-word test of prose skips records of values, and bullet lines are a bullet list
  only when they also hold the words (a list's introduction is one line).
* KOSMOS-1 (Huang et al., 2023, arXiv 2302.14045, section 2.1) removes "gibberish" text with
  heuristics on the ratios of emoji, hashtags and URL links; the paper gives no numbers, so the
  thresholds here are ours (docs/filters.md), plus a ratio of non-alphanumeric characters. Emoji
  are Unicode's (UTS #51, Emoji_Presentation), not every symbol block: rating stars are text,
  and a list bullet asking for emoji presentation ("▪️" starting a line) is a bullet.

Words are whitespace tokens; lines are ``\\n``-separated, paragraphs are separated by blank lines
(``Document.plain_text`` joins text blocks with ``\\n\\n``). The first failing rule wins, cheap
rules first. Each ``check_*`` function takes a :class:`ParsedText` and returns a reason or None.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import operator
import re
import string
import unicodedata
from collections.abc import Callable, Sequence

import numpy as np

from mmcorpus.config import TextFilterConfig
from mmcorpus.ledger import CountFn, no_count, outcome

STAGE = "text"
BULLETS = ("•", "-", "*", "·", "‣", "▪", "▫", "●", "○", "◦", "■", "□", "►", "➢", "✓", "–", "—")
# Brackets, braces, angle brackets, "=" and ";": a whitespace token made of these alone ("(", "})",
# "=>", "</", ";") is code or markup syntax written apart from its names, not a word or a non-word.
CODE_SYNTAX = "()[]{}<>=;"
# Signs of a unit that typography writes apart from its number: a currency sign (Unicode category
# Sc: "$ 599", "49,99 €", a price tier "$$$") and the percent and per-mille signs ("50 %", French
# and German style). Written apart, such a token is part of an amount, not a word or a non-word.
UNIT_SIGNS = "%\u2030"

# Bytes to delete so that only ASCII punctuation and control characters (the ASCII characters that
# are neither letters, digits nor whitespace, and "_") are left / so that only the control
# characters of those are left / so that only non-ASCII UTF-8 sequences are left.
_ASCII_CONTROLS = "".join(chr(b) for b in range(128) if not chr(b).isprintable() and not chr(b).isspace())
_DELETE_ALL_BUT_ASCII_SYMBOLS = bytes(b for b in range(256) if chr(b) not in string.punctuation + _ASCII_CONTROLS)
_DELETE_ASCII_PUNCT = string.punctuation.encode("ascii")
_DELETE_ASCII = bytes(range(128))
_NO_ALNUM_WORD = re.compile(r"(?<!\S)(?:[^\w\s]|_)+(?!\S)")
_NON_ALNUM = re.compile(r"[^\w\s]|_")
# A hashtag has a letter: "#1" (a rank, a result) is not one (Twitter's own rule).
_HASHTAG = re.compile(r"(?<![\w&])#\w*[^\W\d_]\w*")
_RANK = re.compile(r"#\d")  # "#1", "#12": a rank or a number, not a hash symbol of Gopher's rule
_DIGIT = re.compile(r"\d")
_URL = re.compile(r"(?:\bhttps?://|\bwww\.)\S+", re.IGNORECASE)
# Emoji as Unicode defines them (UTS #51, emoji-data.txt), counted once per emoji, not per code
# point. Below U+1F000 only the characters with the Emoji_Presentation property are emoji by
# default: the Misc Symbols, Dingbats and Arrows blocks are mostly typography (rating stars ★ ☆,
# check marks ✓ ✔, arrows, ✦), which a text with stars in every review line is full of. Such a
# character is an emoji when followed by the emoji presentation selector U+FE0F ("✔️", "❤️").
# The pictograph blocks U+1F000-1FAFF are counted whole (nearly all Emoji_Presentation). A flag
# (two regional indicators), a skin-tone modifier and a ZWJ sequence ("👨‍👩‍👧") make one emoji.
_EMOJI_PRESENTATION_BMP = (
    "\u231a\u231b\u23e9-\u23ec\u23f0\u23f3\u25fd\u25fe\u2614\u2615\u2648-\u2653\u267f\u2693"
    "\u26a1\u26aa\u26ab\u26bd\u26be\u26c4\u26c5\u26ce\u26d4\u26ea\u26f2\u26f3\u26f5\u26fa"
    "\u26fd\u2705\u270a\u270b\u2728\u274c\u274e\u2753-\u2755\u2757\u2795-\u2797\u27b0\u27bf"
    "\u2b1b\u2b1c\u2b50\u2b55"
)
_EMOJI = re.compile(
    "(?:[\U0001f1e6-\U0001f1ff]{2}"  # a flag
    f"|[{_EMOJI_PRESENTATION_BMP}\U0001f000-\U0001faff]\ufe0f?"
    "|.?\ufe0f)"  # any character asking for emoji presentation
    "[\U0001f3fb-\U0001f3ff]?(?:\u200d.\ufe0f?[\U0001f3fb-\U0001f3ff]?)*"  # skin tone, ZWJ sequence
)
# C4 keeps lines that end in terminal punctuation (Raffel et al. 2020, section 2.2); the
# typographic closing quote and ellipsis are the same ends written otherwise.
PROSE_END = (".", "!", "?", '"', "\u201d", "\u2026")
_MUL = np.uint64(0x100000001B3)  # FNV prime: combines word ids into n-gram keys (mod 2**64)


@dataclasses.dataclass
class ParsedText:
    """A text split once into what every rule needs; costlier views are computed on demand."""

    text: str
    words: list[str]
    lines: list[str]  # stripped, empty lines removed
    paragraphs: list[str]  # blank-line separated, stripped, empty paragraphs removed
    line_word_counts: list[int] = dataclasses.field(default_factory=list)  # words of each line

    @classmethod
    def of(cls, text: str) -> ParsedText:
        words: list[str] = []
        counts: list[int] = []
        lines: list[str] = []
        paras: list[str] = []
        current: list[str] = []
        for raw in text.split("\n"):
            line = raw.strip()
            if line:
                lines.append(line)
                current.append(line)
                parts = line.split()  # the lines' words are exactly text.split(), in order
                words += parts
                counts.append(len(parts))
            elif current:
                paras.append("\n".join(current))
                current = []
        if current:
            paras.append("\n".join(current))
        return cls(text, words, lines, paras, counts)

    @functools.cached_property
    def non_ascii(self) -> str:
        """The non-ASCII characters of the text, in order (usually a short string)."""
        if self.text.isascii():
            return ""
        return self.text.encode("utf-8", "surrogatepass").translate(None, _DELETE_ASCII).decode(
            "utf-8", "replace"
        )

    @functools.cached_property
    def _symbol_counts(self) -> tuple[int, int]:
        """(:attr:`symbol_count`, ASCII control characters other than whitespace)."""
        ascii_symbols = self.text.encode("ascii", "ignore").translate(None, _DELETE_ALL_BUT_ASCII_SYMBOLS)
        controls = len(ascii_symbols.translate(None, _DELETE_ASCII_PUNCT))
        other = len(_NON_ALNUM.findall(self.non_ascii)) if self.non_ascii else 0
        return len(ascii_symbols) - controls + other, controls

    @property
    def symbol_count(self) -> int:
        """Characters that are neither letters, digits nor whitespace (``_`` included), but for
        ASCII control characters."""
        return self._symbol_counts[0]

    @functools.cached_property
    def hash_count(self) -> int:
        """``#`` in the text (the hashtag and the hash symbol rules both bound with it)."""
        return self.text.count("#")

    @functools.cached_property
    def ellipsis_count(self) -> int:
        """Ellipses in the text, ``...`` or ``…`` (none: no line ends in one)."""
        return self.text.count("...") + self.text.count("…")

    @functools.cached_property
    def word_ids(self) -> np.ndarray:
        """Each word's id = the index of its first occurrence (deterministic, no hashing), as
        uint64 for the n-gram keys (filled as int64, which numpy converts from Python ints faster)."""
        first: dict[str, int] = {}
        return np.fromiter(
            map(first.setdefault, self.words, itertools.count()), dtype=np.int64, count=len(self.words)
        ).view(np.uint64)

    @functools.cached_property
    def not_alpha_words(self) -> list[str]:
        """The words that are not letters alone (``str.isalpha``), in order: the alpha-word rule's."""
        return list(itertools.filterfalse(str.isalpha, self.words))

    @functools.cached_property
    def word_lengths(self) -> np.ndarray:
        return np.fromiter(map(len, self.words), dtype=np.int64, count=len(self.words))

    @functools.cached_property
    def char_offsets(self) -> np.ndarray:
        """Characters before each word and, last, in all words (the n-gram rules' lengths)."""
        return np.concatenate(([0], np.cumsum(self.word_lengths)))

    @functools.cached_property
    def word_counts(self) -> np.ndarray:
        """Per word, how often that word occurs among these words (the n-gram rules' bounds)."""
        ids = self.word_ids.view(np.int64).astype(np.intp, copy=False)
        return np.bincount(ids)[ids] if len(ids) else np.zeros(0, dtype=np.int64)

    @functools.cached_property
    def line_ids(self) -> np.ndarray | None:
        """Each word's line number; None when the text has one line or none (no line to cross)."""
        counts = self.words_per_line
        if len(counts) <= 1:
            return None
        return np.repeat(np.arange(len(counts), dtype=np.int64), counts)

    @functools.cached_property
    def words_per_line(self) -> list[int]:
        """Words of each line: from :meth:`of`'s split, else counted here."""
        return self.line_word_counts or [len(ln.split()) for ln in self.lines]

    @functools.cached_property
    def prose_lines(self) -> np.ndarray | None:
        """Per line, whether it is prose: one of C4's sentence lines (ending in terminal
        punctuation, at least three words). Table rows, list items, product cards, code and labels
        are not. None when every line is prose."""
        counts = self.words_per_line
        ends = np.fromiter(map(operator.methodcaller("endswith", PROSE_END), self.lines), dtype=bool,
                           count=len(self.lines))
        is_prose = ends & (np.array(counts, dtype=np.int64) >= 3)
        return None if is_prose.all() else is_prose

    @functools.cached_property
    def prose_words(self) -> np.ndarray | None:
        """Per word, whether it is on a prose line; None when every line is prose."""
        lines = self.prose_lines
        if lines is None:
            return None
        return np.repeat(lines, self.words_per_line)

    @property
    def prose(self) -> ParsedText:
        """The prose lines alone, with this text's word ids and lengths (sliced, not recomputed)."""
        mask = self.prose_words
        if mask is None:
            return self
        return self.subset(mask, list(itertools.compress(self.words, mask)),
                           list(itertools.compress(self.lines, self.prose_lines)))

    def subset(self, mask: np.ndarray, words: list[str] | None = None, lines: list[str] | None = None) -> ParsedText:
        """The words where ``mask`` is True, with this text's word ids and lengths (sliced, not
        recomputed), for the n-gram rules; ``words`` and ``lines`` are left empty unless given."""
        q = ParsedText("", words or [], lines or [], [])
        q.__dict__["word_ids"] = self.word_ids[mask]  # fills the cached properties
        q.__dict__["word_lengths"] = self.word_lengths[mask]
        q.__dict__["line_ids"] = None if self.line_ids is None else self.line_ids[mask]
        return q

    def repeated_label_words(self, min_chars: int) -> np.ndarray | None:
        """Per word, whether its line is shorter than ``min_chars`` and copies an earlier line: a
        label repeated down the page ("Only 1 left!", "Add to cart"), which the duplicate line
        rules do not count either. None when there is no such line."""
        if min_chars <= 0:
            return None
        short = [ln for ln in self.lines if len(ln) < min_chars]
        if len(set(short)) == len(short):  # the common case: no short line repeats
            return None
        seen: set[str] = set()
        flags = []
        for ln in self.lines:
            flags.append(len(ln) < min_chars and (ln in seen or seen.add(ln)))  # type: ignore[func-returns-value]
        return np.repeat(np.array(flags, dtype=bool), self.words_per_line)


# --- metrics (pure, unit-testable) -------------------------------------------------------------


def duplicate_fractions(items: Sequence[str], min_chars: int = 0) -> tuple[float, float]:
    """(fraction of items that repeat an earlier item, fraction of their characters), over the
    items of at least ``min_chars`` characters."""
    seen: set[str] = set()
    n = dup_n = dup_chars = total_chars = 0
    for it in items:
        if len(it) < min_chars:
            continue
        n += 1
        total_chars += len(it)
        if it in seen:
            dup_n += 1
            dup_chars += len(it)
        else:
            seen.add(it)
    if not n:
        return 0.0, 0.0
    return dup_n / n, (dup_chars / total_chars if total_chars else 0.0)


def _ngram_groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(stable argsort of keys, start of each run of equal keys in sorted order, run lengths)."""
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    starts = np.concatenate(([0], np.flatnonzero(sk[1:] != sk[:-1]) + 1))
    counts = np.diff(np.append(starts, len(keys)))
    return order, starts, counts


def _ngram_keys(h: np.ndarray, n: int) -> np.ndarray:
    keys = h[: len(h) - n + 1].copy()
    for k in range(1, n):
        keys = keys * _MUL + h[k : len(h) - n + 1 + k]
    return keys


def _line_ngrams(ids: np.ndarray, n: int, line_ids: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """(keys of the n-grams that lie within one line, their start positions) when ``line_ids`` is
    given, else (keys of every n-gram, None)."""
    keys = _ngram_keys(ids, n)
    if line_ids is None:
        return keys, None
    pos = np.flatnonzero(line_ids[: len(line_ids) - n + 1] == line_ids[n - 1 :])
    return keys[pos], pos


def _total_chars(p: ParsedText) -> int:
    return int(p.word_lengths.sum()) or 1


def _max_window_chars(p: ParsedText, n: int) -> int:
    """The most characters in any n consecutive words (bounds any n-gram's length)."""
    csum = p.char_offsets
    return int((csum[n:] - csum[:-n]).max()) if len(p.word_lengths) >= n else 0


def _top_ngram_bound(p: ParsedText, n: int) -> float:
    """An upper bound of the top n-gram character ratio (:func:`_top_ngram`, within lines or not),
    in O(words) and without a sort: the most, over n-gram positions, of (the count of its least
    frequent word) x (its characters), / characters in all words. No n-gram occurs more often than
    any of its words, and every occurrence has the same characters. On WCXB's pages it stays under
    the limits on all but a few texts, which alone need the sort."""
    lens = p.word_lengths
    total = int(lens.sum())
    if len(lens) < n or total == 0:
        return 0.0
    counts = p.word_counts
    least = counts[: len(counts) - n + 1]
    for k in range(1, n):
        least = np.minimum(least, counts[k : len(counts) - n + 1 + k])
    csum = p.char_offsets
    return int((least * (csum[n:] - csum[:-n])).max()) / total


def _top_ngram(p: ParsedText, n: int, within_lines: bool = False) -> tuple[float, int]:
    """(top n-gram character ratio, count of the most frequent n-gram); with ``within_lines``,
    of the n-grams that do not cross a line break.

    The ratio is Gopher's "fraction of characters contained within the most frequently-occurring
    n-gram": the characters of the words inside one of its occurrences, each word once, / the
    characters of all words. Counting each occurrence whole (datatrove's count x length) counts a
    word twice where occurrences overlap: a comparison table's row "Yes Yes Yes Yes Yes" holds four
    "Yes Yes" in five words, and seven such rows, 35 cells of 105 characters, counted as 168.
    Without overlap the two agree; the ratio never exceeds 1."""
    lens = p.word_lengths
    total = int(lens.sum())
    if len(lens) < n or total == 0:
        return 0.0, 0
    keys, pos = _line_ngrams(p.word_ids, n, p.line_ids if within_lines else None)
    if len(keys) == 0:
        return 0.0, 0
    order, starts, counts = _ngram_groups(keys)
    top = int(counts.max())
    if top <= 1:
        return 0.0, top
    # Each top n-gram's occurrences, in text order (the sort is stable): one row per tied n-gram.
    occ = order[starts[counts == top][:, None] + np.arange(top)]
    if pos is not None:
        occ = pos[occ]
    csum = p.char_offsets
    chars = (csum[occ + n] - csum[occ]).sum(axis=1)
    # Characters within the n-gram, each once: an occurrence that starts inside the one before it
    # ("Yes Yes" in "Yes Yes Yes") shares the words of the overlap, which are subtracted.
    if (occ[:, 1:] - occ[:, :-1] < n).any():
        chars = chars - np.maximum(csum[occ[:, :-1] + n] - csum[occ[:, 1:]], 0).sum(axis=1)
    return int(chars.max()) / total, top  # ties: take the most characters, so it is order-independent


def _dup_ngram_char_ratio(p: ParsedText, n: int, min_count: int = 2, within_lines: bool = False) -> float:
    """The repeated n-gram ratio of ``p``'s words (a :meth:`ParsedText.subset` for some of them);
    with ``within_lines``, of the n-grams that do not cross a line break."""
    lens = p.word_lengths
    total = int(lens.sum())
    if len(lens) < n or total == 0:
        return 0.0
    keys, pos = _line_ngrams(p.word_ids, n, p.line_ids if within_lines else None)
    if len(keys) == 0:
        return 0.0
    order, starts, counts = _ngram_groups(keys)
    if len(starts) == len(keys):  # nothing repeats: the common case for clean text
        return 0.0
    later = np.ones(len(keys), dtype=bool)
    later[starts] = False  # stable sort: each run starts with the earliest occurrence
    for k in range(1, min_count - 1):  # occurrences 2 .. min_count-1 of an n-gram are echoes
        echo = starts[counts > k] + k
        later[echo] = False
    dup_pos = order[later] if pos is None else pos[order[later]]
    covered = np.zeros(len(lens), dtype=bool)
    for k in range(n):
        covered[dup_pos + k] = True
    return int(lens[covered].sum()) / total


def _frequent_runs_char_ratio(p: ParsedText, n: int, min_count: int) -> float:
    """An upper bound of the repeated n-gram ratio, in O(words) and without a sort: characters of
    the words inside a run of ``n`` consecutive words that each occur at least ``min_count`` times
    / characters in all words. (A counted occurrence of an n-gram is its ``min_count``-th or later,
    so each of its words occurs that often.) The words inside such runs are those of the maximal
    runs of frequent words that are ``n`` words long or longer."""
    lens = p.word_lengths
    total = int(lens.sum())
    if len(lens) < n or total == 0:
        return 0.0
    frequent = np.concatenate(([False], p.word_counts >= min_count, [False]))
    edges = np.flatnonzero(frequent[1:] != frequent[:-1])  # each run's first word, then one past its last
    first, end = edges[::2], edges[1::2]
    long = end - first >= n
    if not long.any():
        return 0.0
    offsets = p.char_offsets
    return int((offsets[end[long]] - offsets[first[long]]).sum()) / total


def top_ngram_char_ratio(words: Sequence[str], n: int) -> float:
    """Characters of the words inside an occurrence of the most frequent word n-gram, each word
    once / characters in all words (:func:`_top_ngram`)."""
    return _top_ngram(ParsedText("", list(words), [], []), n)[0]


def dup_ngram_char_ratio(words: Sequence[str], n: int, min_count: int = 2) -> float:
    """Characters of words inside a repeated occurrence of some n-gram / characters in all words.

    Occurrences before the ``min_count``-th of an n-gram are not counted, that one and later ones
    are (Gopher: ``min_count`` 2, every copy after the first); a word covered by several repeated
    n-grams counts once. Non-increasing in ``n``.
    """
    return _dup_ngram_char_ratio(ParsedText("", list(words), [], []), n, min_count)


def emoji_count(text: str) -> int:
    """Emoji in ``text`` as Unicode defines them (UTS #51): characters with the Emoji_Presentation
    property, or followed by U+FE0F; a flag, a skin-toned emoji or a ZWJ sequence counts once.
    Rating stars, check marks and arrows written as text (★ ☆ ✓ ✔ ➡) are typography, not emoji."""
    return len(_EMOJI.findall(text))


def emoji_bullets(lines: Sequence[str]) -> int:
    """Lines that start with a list bullet of :data:`BULLETS` asking for emoji presentation
    ("▪️ 12\" skillet"): a list marker, as the bullet line rule counts it, not an emoji of the
    text."""
    return sum(1 for ln in lines if ln[:1] in BULLETS and ln[1:2] == "\ufe0f")


def mean_word_length(p: ParsedText) -> float:
    """Letters and digits per word: (non-space characters - symbols) / words."""
    if not p.words:
        return 0.0
    return (int(p.word_lengths.sum()) - p.symbol_count) / len(p.words)


def alpha_words_ratio(p: ParsedText) -> float:
    """Fraction of words that contain at least one letter or digit; list bullets, code syntax
    (tokens made only of :data:`CODE_SYNTAX`: brackets, braces, ``<``, ``>``, ``=``, ``;``) and
    unit signs written apart from their amount (:func:`is_unit_sign`: ``$ 599``, ``49,99 €``) are
    not words.

    Gopher counts words with a letter. On good pages that drops spec sheets, price lists, results
    tables and statistics pages, whose numbers are words ("1.2 kg", "$938", "96.15%"): on WCXB's
    dev pages the letter rule dropped 40 of 1,283 gold texts, counting digits too 5. Four of those
    five were documentation whose code writes its brackets and operators apart (``f ( a , b )``,
    ``{ count }``, ``x = 1 ;``): the rule is about words, and a bracket is no more a non-word than
    a list bullet is; left out, those pages pass (benchmarks/text_quality_good_pages.py). The fifth,
    a desk grid of "$ 599 +" prices, passes with its currency signs left out: "$" is the price's
    unit, as "€" after the number is in French or German typography. Words of other symbols alone
    ("+", "--", "|", "***", "...") still count against the text, and symbol-heavy text of any kind
    meets ``non_alpha_chars``.
    """
    words = p.words
    if not words:
        return 0.0
    if not p.not_alpha_words:
        return 1.0
    # Bullets, code syntax and unit signs are among the words without a letter or digit: find those
    # once, then leave them out of both counts.
    no_alnum = _NO_ALNUM_WORD.findall(" ".join(p.not_alpha_words))
    excused = sum(1 for w in no_alnum if w in BULLETS or not w.strip(CODE_SYNTAX) or is_unit_sign(w))
    n = len(words) - excused
    return 1.0 - (len(no_alnum) - excused) / n if n else 0.0


def is_unit_sign(word: str) -> bool:
    """Whether ``word`` is made of currency signs (Unicode category Sc) or :data:`UNIT_SIGNS`
    alone: the unit of an amount written apart from its number ("$ 599", "49,99 €", "50 %")."""
    return all(c in UNIT_SIGNS or unicodedata.category(c) == "Sc" for c in word)


# --- rules: each returns a reason or None --------------------------------------------------------


def check_word_count(p: ParsedText, cfg: TextFilterConfig) -> str | None:
    n = len(p.words)
    if n < cfg.min_words:
        return "gopher_short_doc"
    if n > cfg.max_words:
        return "gopher_long_doc"
    return None


def check_gibberish(p: ParsedText, cfg: TextFilterConfig) -> str | None:
    # Each regex runs only when a cheap upper bound (str.count) could exceed the limit.
    n = max(len(p.words), 1)
    t = p.text
    url_bound = t.count("http") + t.count("www.") + t.count("WWW.")
    if url_bound / n > cfg.max_url_ratio and len(_URL.findall(t)) / n > cfg.max_url_ratio:
        return "kosmos_url_ratio"
    if p.hash_count / n > cfg.max_hashtag_ratio and len(_HASHTAG.findall(t)) / n > cfg.max_hashtag_ratio:
        return "kosmos_hashtag_ratio"
    emoji_bound = len(p.non_ascii)
    if emoji_bound / n > cfg.max_emoji_ratio and (
        (emoji_count(p.non_ascii) - emoji_bullets(p.lines)) / n > cfg.max_emoji_ratio
    ):
        return "kosmos_emoji_ratio"
    if t and p.symbol_count / len(t) > cfg.max_non_alpha_char_ratio:
        return "non_alpha_chars"
    return None


def check_mean_word_length(p: ParsedText, cfg: TextFilterConfig) -> str | None:
    m = mean_word_length(p)
    if not cfg.min_mean_word_length <= m <= cfg.max_mean_word_length:
        return "gopher_mean_word_length"
    return None


def check_symbol_ratio(p: ParsedText, cfg: TextFilterConfig) -> str | None:
    """Gopher's hash and ellipsis ratios. A ``#`` before a digit is a rank or a number ("#1 Scream",
    "issue #12"), as for the hashtag rule, not the markup or hashtag symbol the rule counts: a
    chart of 100 ranked titles was dropped for it."""
    n = max(len(p.words), 1)
    hashes = p.hash_count
    if hashes / n > cfg.max_symbol_word_ratio:
        hashes -= len(_RANK.findall(p.text))
    ellipses = p.ellipsis_count
    if hashes / n > cfg.max_symbol_word_ratio or ellipses / n > cfg.max_symbol_word_ratio:
        return "gopher_symbol_ratio"
    return None


def check_lines(p: ParsedText, cfg: TextFilterConfig) -> str | None:
    """Gopher's bullet and ellipsis line rules. The bullet rule asks whether the text is a bullet
    list; by lines alone, a paragraph that introduces a list weighs as little as a one-word item. So
    the bullet lines must also hold more than the limit of the words (:func:`bullet_words_ratio`):
    a 66-word introduction over a 20-item course list is 95% bullet lines but 69% of the words,
    an index of 900 items under one paragraph is over the limit either way."""
    if not p.lines:
        return None
    n = len(p.lines)
    firsts = "".join(map(operator.itemgetter(0), p.lines))  # every bullet is one character
    if sum(map(firsts.count, BULLETS)) / n > cfg.max_bullet_lines_ratio and (
        bullet_words_ratio(p, firsts) > cfg.max_bullet_lines_ratio
    ):
        return "gopher_bullet_lines"
    if p.ellipsis_count:  # else no line ends in one
        ellipsis_lines = sum(map(operator.methodcaller("endswith", ("...", "…")), p.lines))
        if ellipsis_lines / n > cfg.max_ellipsis_lines_ratio:
            return "gopher_ellipsis_lines"
    return None


def bullet_words_ratio(p: ParsedText, firsts: str | None = None) -> float:
    """Share of the words that are on lines starting with a bullet (``firsts``: each line's first
    character, when the caller has it)."""
    if not p.words:
        return 0.0
    firsts = firsts if firsts is not None else "".join(ln[0] for ln in p.lines)
    bullet = frozenset(BULLETS)
    return sum(c for c, f in zip(p.words_per_line, firsts) if f in bullet) / len(p.words)


def check_alpha_words(p: ParsedText, cfg: TextFilterConfig) -> str | None:
    n = max(len(p.words), 1)
    # Lower bounds of the ratio, cheapest first (a tiny margin keeps float rounding out of the
    # decision): a word without a letter or digit has at least one symbol or control character,
    # and is not str.isalpha.
    symbols, controls = p._symbol_counts
    if (len(p.words) - symbols - controls) / n >= cfg.min_alpha_words_ratio + 1e-9:
        return None
    if (len(p.words) - len(p.not_alpha_words)) / n >= cfg.min_alpha_words_ratio:
        return None
    if alpha_words_ratio(p) < cfg.min_alpha_words_ratio:
        return "gopher_alpha_words"
    return None


def check_stop_words(p: ParsedText, cfg: TextFilterConfig) -> str | None:
    """Gopher's stop-word rule, a test that the text is English prose. A text without one sentence
    line whose words carry values (:func:`is_data_table`: a shop's price grid, a ranking, a spec
    sheet) is not prose to test: 7 of the 10 WCXB gold texts this rule dropped pass it (one then
    fails an n-gram rule), and a list of names or keywords (no values) is still judged."""
    stop = frozenset(cfg.stop_words)
    found = 0
    for w in p.words[:100]:  # early exit: English text has its stop words within a few words
        if w.lower() in stop:
            found += 1
            if found >= cfg.min_stop_words:
                return None
    if len(p.words) > 100:
        lower = p.text.lower().split()
        found = sum(map(lower.count, stop))
    if found >= cfg.min_stop_words or is_data_table(p, cfg.stop_words_table_min_digit_words):
        return None
    return "gopher_stop_words"


def is_data_table(p: ParsedText, min_digit_words: float) -> bool:
    """Whether ``p`` is records of values rather than prose: not one of its lines is a sentence (C4's
    prose lines) and at least ``min_digit_words`` of its words carry a digit (prices, ratings,
    sizes, scores, dates)."""
    if min_digit_words > 1 or not p.words or p.prose_lines is None or p.prose_lines.any():
        return False
    return sum(1 for w in p.words if _DIGIT.search(w)) >= min_digit_words * len(p.words)


def check_duplicates(p: ParsedText, cfg: TextFilterConfig) -> str | None:
    """Gopher's duplicate line and paragraph rules, over lines and paragraphs of at least
    ``dup_line_min_chars``. A short label repeated down a page ("Reply", "Sep 21, 2024", "Winner",
    a table's "Yes", a spec card's "Cap Type: Screw Cap") is its structure, not boilerplate. On
    WCXB's 1,283 gold texts (everything else as configured) the rules drop 90 pages without the
    floor, 50 with it (benchmarks/text_quality_good_pages.py, docs/filters.md)."""
    floor = cfg.dup_line_min_chars
    line_frac, line_chars = duplicate_fractions(p.lines, floor)
    if line_frac > cfg.max_dup_line_ratio:
        return "gopher_dup_lines"
    para_frac, para_chars = duplicate_fractions(p.paragraphs, floor)
    if para_frac > cfg.max_dup_para_ratio:
        return "gopher_dup_paras"
    if line_chars > cfg.max_dup_line_char_ratio:
        return "gopher_dup_line_chars"
    if para_chars > cfg.max_dup_para_char_ratio:
        return "gopher_dup_para_chars"
    return None


def check_ngrams(p: ParsedText, cfg: TextFilterConfig) -> str | None:
    """Gopher's n-gram rules. The most frequent 2/3/4-gram is measured over every word (keyword
    stuffing and one-slot templates need no sentences). The repeated 5..10-gram rules measure
    prose lines only (``dup_ngram_prose_only``; :attr:`ParsedText.prose_lines`): a product grid's
    "out of 5 stars", a results table's rows and a tutorial's repeated code are how such pages are
    built: of WCXB's 1,283 gold texts the rules drop 63 with every word counted, 50 with prose
    only. The repeated prose is measured as a share of the whole text's characters, as Gopher's
    ratio is of the document's: over the prose alone, a few repeated sentences among tables and
    cards weighed more the less prose a page had (a sock grid's blurb "Made to stay hidden from
    sight." on seven cards was 0.46 of its prose and 0.14 of its text; 20 -> 17 gold texts
    dropped, no WARC page changes). Every word is still checked at the smallest n against a
    looser limit. An n-gram counts as repeated from its ``dup_ngram_min_count``-th occurrence (3;
    Gopher: 2, which drops 80): a single echo (a quoted post, a heading restated in the text) is
    not repetition, a phrase that recurs is.

    The n-grams lie within one line (``ngrams_within_lines``): a line is a paragraph, a list item, a
    table row or a card's field, and the words either side of a line break are no phrase. Counted
    across lines, the end of one field and the label of the next ("... 5 miles / Trail Steward(s):")
    became a record list's most frequent 3-gram: 27 -> 24 of WCXB's gold texts dropped. Keyword
    stuffing and templates repeat within lines; the two all-words backstops below still count
    across lines (one keyword a line).

    Every n-gram rule leaves out repeated labels (``ngram_skip_repeated_labels``;
    :meth:`ParsedText.repeated_label_words`): a line under ``dup_line_min_chars`` that copies an
    earlier line ("Only 1 left!", "Add to cart", "Reply") is excused by the duplicate line rules,
    and counted here it chains with itself across lines into frequent 2/3/4-grams and, as a
    three-word sentence, into the prose 5-grams: 50 -> 47 of WCXB's gold texts dropped. A label
    repeated all down the page is still caught: the smallest n's top n-gram over every word,
    labels included, against ``max_top_ngram_char_ratio_all_words`` (0.3; good WCXB pages with
    labels stay under 0.27)."""
    within = cfg.ngrams_within_lines
    labels = p.repeated_label_words(cfg.dup_line_min_chars) if cfg.ngram_skip_repeated_labels else None
    keep = None if labels is None else ~labels
    t = p if keep is None else p.subset(keep)
    if keep is not None and cfg.max_top_ngram_char_ratio:  # backstop over every word, labels included
        n = min(int(k) for k in cfg.max_top_ngram_char_ratio)
        limit = cfg.max_top_ngram_char_ratio_all_words
        if _top_ngram_bound(p, n) > limit and _top_ngram(p, n)[0] > limit:  # the sort only past the bound
            return f"gopher_top_{n}gram"
    top_limits = sorted((int(k), v) for k, v in cfg.max_top_ngram_char_ratio.items())
    max_freq: int | None = None  # count of the most frequent n-gram is non-increasing in n
    for n, limit in top_limits:
        if max_freq is not None and max_freq * _max_window_chars(t, n) / _total_chars(t) <= limit:
            continue  # upper bound already passes: skip the sort
        if _top_ngram_bound(t, n) <= limit:
            continue  # the same with each n-gram's least frequent word (max_freq stays a bound)
        ratio, max_freq = _top_ngram(t, n, within)
        if ratio > limit:
            return f"gopher_top_{n}gram"
    dup_limits = sorted((int(k), v) for k, v in cfg.max_dup_ngram_char_ratio.items())
    if not dup_limits:
        return None
    mask = p.prose_words if cfg.dup_ngram_prose_only else None
    if keep is not None:
        mask = keep if mask is None else mask & keep
    if mask is not None and cfg.max_dup_ngram_char_ratio_all_words < 1.0:
        n = dup_limits[0][0]  # backstop over every word, tables, lists and code included
        limit = cfg.max_dup_ngram_char_ratio_all_words
        if _frequent_runs_char_ratio(p, n, cfg.dup_ngram_min_count) > limit and (
            _dup_ngram_char_ratio(p, n, cfg.dup_ngram_min_count) > limit
        ):
            return f"gopher_dup_{n}gram"
    d = p if mask is None else p.subset(mask)  # the words judged: prose lines, labels left out
    # Their repeated characters as a share of the whole text's, as Gopher's ratio is of the document:
    # the ratios below are over d's characters, so they are scaled by d's share of the text.
    share = 1.0 if mask is None else _total_chars(d) / _total_chars(p)
    prev: float | None = None  # dup ratio (or a bound of it) is non-increasing in n: skip n when prev passes
    for n, limit in dup_limits:
        if prev is not None and prev <= limit:
            continue
        prev = share * _frequent_runs_char_ratio(d, n, cfg.dup_ngram_min_count)  # a bound: no sort when it passes
        if prev <= limit:
            continue
        prev = share * _dup_ngram_char_ratio(d, n, cfg.dup_ngram_min_count, within)
        if prev > limit:
            return f"gopher_dup_{n}gram"
    return None


Rule = Callable[[ParsedText, TextFilterConfig], "str | None"]
# Cheap rules first; the stop-word rule is English-only and inserted by text_quality_filter.
RULES: tuple[Rule, ...] = (
    check_word_count,
    check_gibberish,
    check_symbol_ratio,
    check_mean_word_length,
    check_lines,
    check_alpha_words,
)
REPETITION_RULES: tuple[Rule, ...] = (check_duplicates, check_ngrams)


def first_failing_rule(text: str, cfg: TextFilterConfig, language: str | None = "en") -> str | None:
    """The reason of the first rule ``text`` fails, or None when it passes every rule."""
    p = ParsedText.of(text)
    rules: tuple[Rule, ...] = RULES
    if language is not None and language.lower().split("-")[0] == "en" and cfg.min_stop_words > 0:
        rules = rules + (check_stop_words,)
    for rule in rules + REPETITION_RULES:
        reason = rule(p, cfg)
        if reason is not None:
            return reason
    return None


def text_quality_filter(
    text: str, cfg: TextFilterConfig, count: CountFn = no_count, language: str | None = "en"
) -> tuple[bool, str | None]:
    """Apply every rule; counts ``text/kept`` or ``text/dropped:<reason>``.

    ``language`` is the document's (or target) language: the Gopher stop-word rule only runs for
    English; ``None`` (unknown) skips it too.
    """
    reason = first_failing_rule(text, cfg, language)
    return outcome(count, STAGE, reason), reason
