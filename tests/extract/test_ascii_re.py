"""ascii_lower_matcher: the same answers as the case-insensitive pattern, and a fallback where they could differ."""

import re

from mmcorpus.extract.ascii_re import ascii_lower_matcher
from mmcorpus.extract.word_lists import BOILERPLATE_LINES, SECTION_HEADINGS

TEXTS = [
    "Share", "SHARE THIS", "Read More »", "Related Articles", "related posts:", "Comments (12)", "3 Kommentare",
    "Über den Autor", "ÜBER DEN AUTOR", "Mehr zum Thema Energie", "Weiterführende Links", "Schließen", "SCHLIESSEN",
    "Home", "Tagged", "tags:", "Leave a Reply", "Latest news from the city", "Ratings & Reviews", "ſhare",
    "Lesezeit: 4 Min.", "The weather today", "", "  share", "Newsletter!", "À lire aussi", "à LIRE AUSSI",
]


def test_same_answers_as_the_pattern():
    for pattern in (SECTION_HEADINGS, BOILERPLATE_LINES):
        fast = ascii_lower_matcher(pattern)
        assert fast is not pattern.match  # these word lists qualify for the fast path
        for text in TEXTS:
            m, f = pattern.match(text), fast(text)
            assert (m is None) == (f is None), text
            if m:
                assert m.span() == f.span(), text


def test_search_keeps_positions():
    pattern = re.compile(r"(?:^|[\s_\-])(?:icon|logo)s?(?:$|[\s_\-])", re.I)
    fast = ascii_lower_matcher(pattern, "search")
    for text in ("site-LOGO big", "Icons", "biglogo", "nav icon-x", "größe logo"):
        m, f = pattern.search(text), fast(text)
        assert (m is None) == (f is None) and (m is None or m.span() == f.span()), text


def test_falls_back_where_lower_casing_could_change_the_answer():
    for pattern in (
        re.compile(r"a\Sc", re.I),  # an upper-case escape would change meaning once lower-cased
        re.compile("Abc", re.I),  # an upper-case literal
        re.compile("aſc", re.I),  # the long s matches an ASCII "s" under IGNORECASE
        re.compile("abc"),  # case-sensitive: nothing to gain
    ):
        assert ascii_lower_matcher(pattern) == pattern.match
    assert ascii_lower_matcher(re.compile("aſc", re.I))("aSc")
