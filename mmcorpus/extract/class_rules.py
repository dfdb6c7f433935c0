"""What an element's class and id say about it: page furniture, an image caption, or content.

* Unlikely candidates: Mozilla Readability's ``unlikelyCandidates`` / ``okMaybeItsACandidate``
  test (Readability.js, ``REGEXPS``), extended with the furniture names found on the evaluation
  pages (disclaimers, donation and subscription boxes, post metadata, tables of contents; product
  review lists, ``reviews`` and Yotpo's widgets: WCXB product pages 0.571 -> 0.594 word F1, no
  other type worse; the singular ``review`` names review articles too and lost more than it won) and
  made stricter where it misfired there: keywords must be whole class tokens or token parts
  (``sidebar-and-content-body`` keeps its content), negated names ("no-share") are ignored, and
  page builders' and editors' scaffolding ("elementor-widget-container", CKEditor's "ck-widget") is
  not a widget.
* Class weight: Readability's ``_getClassWeight`` (+/-25 for each of class and id).
* Captions: ``figcaption`` and caption/credit classes, whose text belongs to an image.

The patterns never match across whitespace, so each test on a "class<TAB>id" string is the OR of
the same test on its tokens. The tests run once per distinct token and the combination once per
distinct string, both remembered across pages (bounded): utility-class pages (Tailwind) give
~100 distinct strings per page but few distinct tokens (WCXB's dev pages: 141k strings; testing
whole strings took about a third of extraction time).
"""

from __future__ import annotations

import re
from typing import NamedTuple

# Bits of one token's tests.
_U, _OK, _STRONG, _CAP, _COMMENT, _NEG, _POS = 1, 2, 4, 8, 16, 32, 64
# Every literal some token test below needs in a token to match it, with the tests it bears on
# (filled by :func:`_words` as each pattern is built, and by hand for the few words written out in a
# pattern): ``[sure, maybe]``, the tests that match whenever the literal is in the token (a bare word
# list, or a branch of one) and those that may (the word must also stand between separators, or be
# followed by more).
_KEYWORDS: dict[str, list[int]] = {}


def _words(words: str, sure: int = 0, maybe: int = 0) -> str:
    """A regex matching any of the ``|``-separated literal ``words``, factored into a trie
    ("page|pagination|post" -> "p(?:ag(?:e|ination)|ost)"): ``re`` tries every alternative at
    every position of the text, so the shared prefixes make each test ~2x faster. The set of
    strings matched is the plain alternation's; at one position it matches the longest word there.
    ``sure`` and ``maybe`` are the test bits the words bear on (see ``_KEYWORDS``)."""
    trie: dict = {}
    for word in words.split("|"):
        bits = _KEYWORDS.setdefault(word, [0, 0])
        bits[0] |= sure
        bits[1] |= maybe
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


UNLIKELY = re.compile(
    r"(?:^|[\s_\-])(?:" + _words(
        "cookie|cookies|consent|gdpr|banner|breadcrumb|breadcrumbs|comment|comments|commentlist|disqus|share|"
        "sharing|sharedaddy|social|related|recommended|newsletter|subscribe|sidebar|widget|widgets|menu|"
        "navbar|footer|masthead|popup|modal|promo|pagination|pager|"
        "skip|byline|rss|login|signup|remark|replies|shoutbox|skyscraper|tags|postmeta|post-meta|"
        "entry-meta|author|ad|ads|disclaimer|disclosure|subscription|donate|donation|spenden|buybox|"
        "paywall|postmetadata|metadata|kicker|toc|rating|ratings|teaser-list|reviews|yotpo|navheader|navfooter",
        maybe=_U,
    ) + r"|advert\w*|sponsor\w*)(?:$|[\s_\-])",
)
OK_MAYBE = re.compile(_words("article|body|column|content|main|shadow|story|entry|postbody|post-body|text|blog",
                              sure=_OK))
STRONG_UNLIKELY = re.compile(
    _words("cookie|consent|gdpr|comment|disqus|share|sharing|social|related|newsletter|breadcrumb", sure=_STRONG)
)
# "no-share", "noshare", "no_caption": a negated class says the opposite of its keyword.
_NEGATED = re.compile(
    r"(?:^|(?<=\s))(?:no|without)[-_]?(?:share|sharing|comments?|sidebar|social|ads?|author|related|captions?|"
    r"credits?)\b",
)
POSITIVE = re.compile(_words(
    "article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story|artikel|"
    "inhalt|beitrag", sure=_POS
))
NEGATIVE = re.compile(r"^hid$|" + _words(
    "-ad-|hidden|banner|combx|comment|com-|contact|foot|footer|footnote|"
    "gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|"
    "sponsor|shopping|tags|tool|widget", sure=_NEG
))  # Readability's " hid " alternatives: a token is never between spaces, "^hid$" is the one left
# Image captions and credits: their text belongs to the image (ImageRef.caption), not the prose.
CAPTION = re.compile(
    _words("caption|credit|bildunterschrift|bildtext|legende|copyright|bildquelle|fotograf|attribution|"
           "imagedescription", sure=_CAP)
    + r"|(?:image|img|photo|picture|foto|bild|media)[-_]?(?:desc|subtitle|metadata|source|quelle|info\b)",
)


# Editors' and page builders' names for the blocks of the content itself, not page widgets:
# Elementor's "elementor-widget-container", CKEditor 5's "ck-widget" (an embedded grid or media block
# in a Drupal body), HubSpot CMS's layout cells and modules ("widget-span widget-type-cell",
# "hs_cos_wrapper_widget": every section of a HubSpot page; WCXB: one service page 0.53 -> 0.64,
# one article +0.02, no page worse). Matched per class token.
_SCAFFOLDING = re.compile(r"elementor-widget|\bck-widget\b|^widget-(?:span|type-[\w-]*)$|^hs_cos_wrapper_widget\w*")

# Names of reader comments and replies: furniture on an article, the content itself on a forum thread.
COMMENT = re.compile(
    r"(?:^|[\s_\-])(?:" + _words("comment|comments|commentlist|replies|disqus", maybe=_COMMENT) + r")(?:$|[\s_\-])"
)
# The literals written out in the patterns above: UNLIKELY's "advert" and "sponsor", NEGATIVE's
# "^hid$", CAPTION's picture words (to be followed by "desc", "source"...).
_words("advert|sponsor", maybe=_U)
_words("hid", maybe=_NEG)
_words("image|img|photo|picture|foto|bild|media", maybe=_CAP)


class ClassInfo(NamedTuple):
    unlikely: bool  # page furniture by its name
    caption: bool  # an image caption or credit by its name
    weight: int  # Readability's class weight: -50..50
    comment: bool = False  # furniture because it names comments or replies
    mixed: bool = False  # furniture whose name also says content ("post-content" with id "share-btn")


_new_tuple = tuple.__new__  # a NamedTuple's own constructor is a Python-level call: 1.6x slower
_MEMO_MAX = 50_000  # distinct class/id strings (and tokens) remembered across pages (bounded memory)
_memo: dict[str, ClassInfo] = {}
_token_memo: dict[str, int] = {}


def _keyword_scan() -> tuple[re.Pattern, re.Pattern, dict[str, tuple[int, int]]]:
    """Every keyword of every test: a search for the first (the trie as is: ``re`` skips the
    positions where no keyword can start), then all of them from there in one pass (the trie in a
    lookahead, so ``findall`` gives the longest keyword at each position of the token), with the
    tests each can bear on (its own and those of the keywords it starts with, which are there too).
    The keywords a token holds are exactly those found, so a test none of them bears on cannot
    match."""
    found = {}
    for word in _KEYWORDS:
        sure = maybe = 0
        for prefix in (word[:k] for k in range(1, len(word) + 1)):
            bits = _KEYWORDS.get(prefix)
            if bits:
                sure |= bits[0]
                maybe |= bits[1]
        found[word] = (sure, maybe & ~sure)
    trie = _words("|".join(sorted(_KEYWORDS)))
    return re.compile(trie), re.compile(f"(?=({trie}))"), found


# Six of ten distinct tokens hold no keyword ("px-4", "css-1x2y3z"), and the utility-class and hashed
# names of a crawl are too many to remember: WCXB's 1,310 pages have 264k distinct tokens, so most
# are tested afresh. One keyword scan replaces the seven tests: a bare word list matches as soon as
# one of its words is there, and only the tests whose words must also stand between separators (or
# be followed by more) run, on the tokens holding such a word (318k distinct tokens on the pages of
# WCXB and the eval set: a keyword search, then the seven tests on the 42% holding one, 1.8 s; the
# scan and the tests left, 1.4 s).
_ANY_KEYWORD, _SCAN, _SCAN_BITS = _keyword_scan()
_TESTS = ((_U, UNLIKELY), (_CAP, CAPTION), (_COMMENT, COMMENT), (_NEG, NEGATIVE))  # the ones a "maybe" runs


def _token_bits(token: str) -> int:
    """The tests on one class or id token (no whitespace), as bits; memoised across pages.

    The patterns above are written in lower case and matched against the lowered token.
    """
    bits = _token_memo.get(token)
    if bits is None:
        lower = token.lower()  # the patterns are lower case: matching lowered text is ~4x faster than IGNORECASE
        key = _SCAFFOLDING.sub("", lower) if "widget" in lower else lower
        if key.startswith(("no", "without")):  # within one token _NEGATED can only match at its start
            key = _NEGATED.sub("", key)
        if key is lower:
            bits = maybe = 0
            first = _ANY_KEYWORD.search(lower)
            for word in _SCAN.findall(lower, first.start()) if first else ():
                sure_w, maybe_w = _SCAN_BITS[word]
                bits |= sure_w
                maybe |= maybe_w
            maybe &= ~bits
            if maybe:
                for bit, test in _TESTS:
                    if maybe & bit and test.search(lower):
                        bits |= bit
        else:  # a scaffolding or negated name rewritten: the tests on the rest
            bits = (
                (_U if UNLIKELY.search(key) else 0)
                | (_OK if OK_MAYBE.search(key) else 0)
                | (_STRONG if STRONG_UNLIKELY.search(key) else 0)
                | (_CAP if CAPTION.search(key) else 0)
                | (_COMMENT if COMMENT.search(key) else 0)
                | (_NEG if NEGATIVE.search(lower) else 0)
                | (_POS if POSITIVE.search(lower) else 0)
            )
        if len(_token_memo) >= _MEMO_MAX:
            _token_memo.clear()
        _token_memo[token] = bits
    return bits


def class_info(name: str) -> ClassInfo:
    """The tests on a ``"class<TAB>id"`` string, memoised across pages.

    Unlikely: a furniture name, unless an ``OK_MAYBE`` name saves it and no ``STRONG_UNLIKELY``
    name is there; weight: -25 for a ``NEGATIVE`` name and +25 for a ``POSITIVE`` one, in each of
    class and id.
    """
    info = _memo.get(name)
    if info is None:
        cls, _, ident = name.rpartition("\t")
        every = weight = 0
        for part in (cls, ident):
            part_bits = 0
            for token in part.split():
                bits = _token_memo.get(token)  # looked up here first: most tokens are known, no call
                part_bits |= _token_bits(token) if bits is None else bits
            weight += (25 if part_bits & _POS else 0) - (25 if part_bits & _NEG else 0)
            every |= part_bits
        unlikely = bool(every & _U) and not (every & _OK and not every & _STRONG)
        info = _new_tuple(ClassInfo, (unlikely, bool(every & _CAP), weight, unlikely and bool(every & _COMMENT),
                                      unlikely and bool(every & _OK)))
        if len(_memo) >= _MEMO_MAX:
            _memo.clear()
        _memo[name] = info
    return info


def class_weight(name: str | None) -> int:
    return class_info(name).weight if name else 0
