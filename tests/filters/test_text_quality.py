"""Gopher quality/repetition rules and KOSMOS-1 gibberish heuristics: exact reasons and counters."""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter

import pytest
from conftest import SHARED_DATA, shared
from hypothesis import given, settings
from hypothesis import strategies as st

from mmcorpus.config import TextFilterConfig
from mmcorpus.filters import text_quality
from mmcorpus.filters.text_quality import (
    BULLETS,
    CODE_SYNTAX,
    PROSE_END,
    ParsedText,
    _dup_ngram_char_ratio,
    _frequent_runs_char_ratio,
    _top_ngram,
    _top_ngram_bound,
    alpha_words_ratio,
    check_ngrams,
    dup_ngram_char_ratio,
    duplicate_fractions,
    emoji_count,
    is_data_table,
    mean_word_length,
    text_quality_filter,
    top_ngram_char_ratio,
)
from mmcorpus.ledger import Ledger

SHARED = SHARED_DATA
CFG = TextFilterConfig()

# ~120 distinct-ish words of plain English prose in three paragraphs: passes every rule.
GOOD = (
    "The old harbour town sits at the mouth of a slow river, and most of its houses were built "
    "with grey stone taken from the cliffs nearby. Fishing boats still leave before dawn.\n\n"
    "Visitors who arrive in spring often walk the coastal path to the lighthouse, which has "
    "guided ships past the northern rocks for nearly two hundred years. A small museum beside "
    "it explains how keepers lived through long winters with little more than oil lamps.\n\n"
    "In the evenings the market square fills with music. Local bakers sell bread shaped like "
    "anchors, children chase gulls across the cobbles, and older residents argue cheerfully "
    "about the weather, the tides and whether the new ferry timetable makes any sense at all."
)


def reason(text: str, cfg: TextFilterConfig = CFG, language: str | None = "en") -> str | None:
    return text_quality_filter(text, cfg, language=language)[1]


def test_good_text_passes_and_counts():
    ledger = Ledger()
    assert text_quality_filter(GOOD, CFG, ledger) == (True, None)
    assert text_quality_filter("too short", CFG, ledger) == (False, "gopher_short_doc")
    assert ledger.to_dict() == {"text/dropped:gopher_short_doc": 1, "text/kept": 1}


def test_word_count_bounds():
    assert reason(GOOD, TextFilterConfig(max_words=50)) == "gopher_long_doc"
    assert reason(" ".join(GOOD.split()[:49])) == "gopher_short_doc"


def test_mean_word_length():
    assert reason(" ".join(["a", "of", "it", "an"] * 20) + " the and") == "gopher_mean_word_length"
    long_words = " ".join(f"internationalisation{i}" for i in range(60))
    assert reason(long_words + " the and") == "gopher_mean_word_length"
    assert mean_word_length(ParsedText.of("abc, de! --")) == pytest.approx(5 / 3)


def test_symbol_ratio():
    assert reason(GOOD + " #" * 15) == "gopher_symbol_ratio"
    assert reason(GOOD + " …" * 15) == "gopher_symbol_ratio"
    assert reason(GOOD + " #" * 5) is None
    # "#1", "#12": a chart's ranks are numbers, not the hash symbol (as for the hashtag rule)
    chart = GOOD + "\n\n" + "\n".join(f"#{i} {NAMES[i % 12].split()[0]} {1950 + i}" for i in range(1, 41))
    assert reason(chart) is None
    assert reason(chart.replace("#", "# ")) == "gopher_symbol_ratio"


def test_bullet_and_ellipsis_lines():
    sentences = [s.strip() for s in GOOD.replace("\n\n", " ").split(".") if s.strip()]
    bullets = "\n".join("• " + s for s in sentences)
    assert reason(bullets) == "gopher_bullet_lines"
    assert reason(bullets + "\nA closing line without a bullet at all.") is None  # 90% is allowed
    ellipses = "\n".join(s + " ..." if i % 2 else s for i, s in enumerate(sentences))
    assert reason(ellipses, TextFilterConfig(max_symbol_word_ratio=1.0)) == "gopher_ellipsis_lines"


def test_bullet_lines_weigh_their_words():
    # a paragraph that introduces a 20-item list is one line of 21 (95% bullet lines), but most of
    # the words are outside the list: the text is not a bullet list
    intro = " ".join(GOOD.split()[:66])
    items = "\n".join(f"- {NAMES[i % 12].split()[0]} {COLOURS[i % 12]} walk" for i in range(20))
    text = intro + "\n\n" + items
    assert reason(text) is None
    p = ParsedText.of(text)
    assert sum(ln.startswith("-") for ln in p.lines) / len(p.lines) > 0.9
    assert text_quality.bullet_words_ratio(p) < 0.9
    # under a heading, the same list is one: the lines and the words are over the limit
    assert reason("Walks\n\n" + "\n".join(f"- {w} {COLOURS[i % 12]} walk along the {NAMES[i % 12]}"
                                            for i, w in enumerate(GOOD.split()[:40]))) == "gopher_bullet_lines"


def test_emoji_list_bullets_are_bullets():
    # "▪️" is the list bullet "▪" asking for emoji presentation: a list marker, as for the bullet
    # line rule, not an emoji of the text
    items = "\n".join(f"\u25aa\ufe0f {n}" for n in NAMES[:8])
    assert emoji_count(items) == 8
    assert reason(GOOD + "\n\n" + items) is None
    # the same eight as emoji in the text (8 / 152 words > 0.05) are over the limit
    assert reason(GOOD + "\n\n" + "\n".join(f"{n} \u25aa\ufe0f" for n in NAMES[:8])) == "kosmos_emoji_ratio"
    assert reason(GOOD + "\n\n" + "\n".join(f"\U0001f525 {n}" for n in NAMES[:8])) == "kosmos_emoji_ratio"


def test_alpha_words():
    symbols = " ".join(["--", "|", "***", "»"] * 10)
    assert reason(GOOD + " " + symbols) == "gopher_alpha_words"
    assert alpha_words_ratio(ParsedText.of("abc 123 x1 -- ä!")) == pytest.approx(4 / 5)


def test_unit_signs_are_part_of_an_amount():
    # a price grid written "$ 599 +" (or French / German style "599 €", "20 %"): the currency and
    # percent signs written apart are the amounts' units, not non-words
    grid = "\n\n".join(f"{n} {COLOURS[i]} desk\n$ {599 + 10 * i} +" for i, n in enumerate(NAMES))
    text = " ".join(GOOD.split()[:10]) + "\n\n" + grid
    assert reason(text) is None
    assert reason(text.replace("$ ", "~ ")) == "gopher_alpha_words"  # a "~" written apart is no unit
    euro = " ".join(GOOD.split()[:30]) + "\n\n" + "\n".join(f"{n} {i + 10},99 € -{i} %" for i, n in enumerate(NAMES))
    assert alpha_words_ratio(ParsedText.of(euro)) == 1.0
    assert all(map(text_quality.is_unit_sign, ["$", "€", "£", "¥", "$$$", "%", "\u2030"]))
    assert not any(map(text_quality.is_unit_sign, ["+", "|", "#", "--", "*"]))


def test_code_syntax_is_not_a_word():
    # documentation whose code writes brackets and operators apart: Gopher's alpha-word rule would
    # count every "(", "{", "=", ";" against the page; they are syntax, like a list bullet
    code = "\n".join(
        f"const {n} = useState ( {i} ) ;\nfunction {n}Changed ( {c} ) {{\n  return [ {n} , {c} ] ;\n}}"
        for i, (n, c) in enumerate(zip(["count", "name", "items", "total", "label", "width"], COLOURS)))
    text = GOOD + "\n\n" + code
    assert reason(text) is None
    words = text.split()
    assert sum(any(c.isalnum() for c in w) for w in words) / len(words) < 0.8  # counted, they would fail it
    assert alpha_words_ratio(ParsedText.of("f ( x ) ; -- ||")) == pytest.approx(2 / 4)  # "--" and "||" still count
    # brackets without code around them are symbols: the non-alphanumeric character rule meets them
    assert reason(GOOD + " " + " ".join(["((", "}}", "<<", ">>", "[]", ";;", "=="] * 60)) == "non_alpha_chars"


def test_numbers_and_bullets_are_not_junk_words():
    # a spec sheet: numbers are words; list bullets are not words at all
    units = ["kilograms", "centimetres", "watts", "volts", "decibels", "revolutions", "millimetres", "hertz",
             "lumens", "hours", "litres", "pascals"]
    specs = "\n".join(f"{u}: {i}.5 {u}, {100 + 7 * i} / {3 * i + 1}" for i, u in enumerate(units))
    text = GOOD.split("\n\n")[0] + "\n\n" + specs
    words = text.split()
    assert sum(any(c.isalpha() for c in w) for w in words) / len(words) < 0.8  # Gopher's letter rule fires
    assert reason(text) is None
    assert alpha_words_ratio(ParsedText.of("- one - two 3")) == pytest.approx(1.0)


def test_repeated_short_labels_are_structure_not_duplicates():
    posts = "\n".join(f"Reply\nuser{i}\n{s}" for i, s in enumerate(GOOD.replace(". ", ".\n").split("\n")))
    assert reason(posts) is None
    assert reason(posts, TextFilterConfig(dup_line_min_chars=0)) == "gopher_dup_lines"


def test_stop_words_only_for_english():
    text = GOOD.replace(" the ", " a ").replace(" and ", " plus ").replace(" with ", " using ")
    text = re.sub(r"\b(The|of|to|that|have|be)\b", "x", text)
    assert reason(text) == "gopher_stop_words"
    assert reason(text, language="de") is None
    assert reason(text, language=None) is None
    assert reason(text, TextFilterConfig(min_stop_words=0)) is None


def test_a_price_list_is_records_not_prose():
    # a shop's grid: names and prices, not one sentence and not two stop words: records of values,
    # which Gopher's stop-word test of English prose does not judge
    grid = "\n\n".join(f"{n}, {COLOURS[i]}\n${19 + 7 * i}.99\n{4 + i % 2}.{i % 10} / 5 ({10 + 3 * i} reviews)"
                         for i, n in enumerate(NAMES))
    assert reason(grid) is None
    assert reason(grid, TextFilterConfig(stop_words_table_min_digit_words=2)) == "gopher_stop_words"
    # a list of names, or keywords, carries no values: still judged, still dropped
    names = "\n".join(f"{n} {c}" for n in NAMES for c in COLOURS[:5])
    assert reason(names) == "gopher_stop_words"
    # a sentence line makes it prose, judged as such
    assert reason("Prices are per item.\n\n" + grid) == "gopher_stop_words"
    assert not is_data_table(ParsedText.of(names), 0.1) and is_data_table(ParsedText.of(grid), 0.1)


def test_duplicate_lines_and_paragraphs():
    lines = GOOD.replace(". ", ".\n").split("\n")
    dup = "\n".join(lines + lines[:6])
    assert reason(dup, TextFilterConfig(max_dup_ngram_char_ratio={})) == "gopher_dup_lines"
    paras = GOOD.split("\n\n")
    assert reason("\n\n".join(paras + [paras[0]]), TextFilterConfig(max_dup_para_ratio=0.2)) == (
        "gopher_dup_paras"
    )
    # each paragraph is one line here, so the line rule fires first unless relaxed
    assert reason("\n\n".join(paras + [paras[1]])) == "gopher_dup_line_chars"
    relaxed = TextFilterConfig(max_dup_line_char_ratio=1.0)
    assert reason("\n\n".join(paras + [paras[1]]), relaxed) == "gopher_dup_para_chars"
    assert duplicate_fractions(["a", "bb", "a", "a"]) == (0.5, 0.4)
    assert duplicate_fractions([]) == (0.0, 0.0)


def test_top_and_duplicated_ngrams():
    assert reason(GOOD + " " + "buy now " * 40) == "gopher_top_2gram"
    spam = GOOD + " " + "buy cheap pills " * 12
    assert reason(spam) == "gopher_top_3gram"
    no_top = TextFilterConfig(max_top_ngram_char_ratio={})
    assert reason(spam.rstrip() + ".", no_top) == "gopher_dup_5gram"  # the last line is now prose
    assert reason(spam, no_top) is None  # not a sentence: left to the top n-gram rules
    assert reason(spam, TextFilterConfig(max_top_ngram_char_ratio={}, dup_ngram_prose_only=False)) == (
        "gopher_dup_5gram"
    )
    words = ["a", "b", "c", "d", "e", "a", "b", "c", "d", "e", "x"]
    assert dup_ngram_char_ratio(words, 5) == pytest.approx(5 / 11)
    assert dup_ngram_char_ratio(words, 6) == 0.0
    assert top_ngram_char_ratio(["aa", "bb", "aa", "bb", "cc"], 2) == pytest.approx(8 / 10)
    assert top_ngram_char_ratio(["aa", "bb", "cc"], 2) == 0.0


def test_top_ngram_counts_each_character_once():
    # Gopher: the fraction of characters "contained within" the most frequent n-gram. Overlapping
    # occurrences ("Yes Yes" twice in "Yes Yes Yes") share words, which are counted once: the
    # fraction never exceeds 1
    assert top_ngram_char_ratio(["a", "a", "a"], 2) == 1.0
    assert top_ngram_char_ratio(["ab", "ab", "ab", "ab", "cd"], 2) == pytest.approx(8 / 10)
    # a comparison table of plans: rows of "Yes" cells under a short introduction
    rows = "\n".join(f"{f} {' '.join(['Yes'] * 5)}" for f in ("Guarantee", "Call", "Writers", "Revisions",
                                                                 "Access", "Recruiters", "Letters"))
    text = GOOD + "\n\n" + rows
    assert reason(text) is None
    words = text.split()
    yes_yes = sum(words[i : i + 2] == ["Yes", "Yes"] for i in range(len(words) - 1))
    assert yes_yes * 6 / sum(map(len, words)) > 0.2  # each occurrence counted whole, it would fail
    # the same phrase repeated without overlap is still counted whole
    assert reason(" ".join(GOOD.split()[:60]) + "\n\n" + "\n".join(f"cheap flights to {n}" for n in NAMES)) == (
        "gopher_top_2gram")


def test_kosmos_gibberish_rules():
    assert reason(GOOD + "".join(f" https://example.com/{i}" for i in range(40))) == "kosmos_url_ratio"
    assert reason(GOOD + "".join(f" https://example.com/{i}" for i in range(20))) is None
    assert reason(GOOD + " #news" * 20, TextFilterConfig(max_symbol_word_ratio=1.0)) == "kosmos_hashtag_ratio"
    assert reason(GOOD + " 😀" * 10) == "kosmos_emoji_ratio"
    assert reason(GOOD + " 😀" * 3) is None
    assert reason(GOOD + " &&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&" * 20) == "non_alpha_chars"


def test_emoji_are_unicode_emoji_not_typography():
    # rating stars, check marks and arrows are text presentation characters, not emoji (UTS #51)
    stars = "\n".join(f"{'★' * (1 + i % 5)}{'☆' * (4 - i % 5)} ✓ {n}, {COLOURS[i]} ➡ ${19 + 7 * i}.99"
                      for i, n in enumerate(NAMES))
    assert emoji_count("★☆✓✔➡✦") == 0
    assert reason(GOOD + "\n\n" + stars) is None
    # emoji presentation: by default, or asked for with U+FE0F; a flag or a ZWJ family is one emoji
    assert emoji_count("😀 ✅ ⭐ ✔️ ❤️ 🇩🇪 👨\u200d👩\u200d👧 👍🏽") == 8
    assert len(GOOD.split()) == 120
    assert reason(GOOD + " 🇩🇪" * 6) is None  # 6 / 126 words; 0.095 with one emoji per indicator
    assert reason(GOOD + " 🇩🇪" * 7) == "kosmos_emoji_ratio"  # 7 / 127 > 0.05


def test_ngrams_do_not_cross_line_breaks():
    # records of fields on their own lines: "... miles" ends one field and "Trail steward:" starts the
    # next, and across the break they are the page's most frequent 3-gram; no phrase of the page is
    trails = "\n\n".join(f"{n}, {['easy', 'hilly', 'rocky'][i % 3]}\nLength: {3 + i} miles\n"
                         f"Trail steward: {p} {COLOURS[i].title()}"
                         for i, (n, p) in enumerate(zip(NAMES, ["Ann", "Bo", "Cy", "Di", "Ed", "Flo"] * 2)))
    text = "\n\n".join(GOOD.split("\n\n")[:2]) + "\n\n" + trails
    assert reason(text) is None
    assert reason(text, TextFilterConfig(ngrams_within_lines=False)) == "gopher_top_3gram"
    p = ParsedText.of(text)
    assert _top_ngram(p, 3, within_lines=True)[0] < _top_ngram(p, 3)[0]
    # keyword stuffing one word a line never forms a phrase within a line: the backstop over every
    # word, across lines, meets it
    assert reason(GOOD + "\n" + "cheap\nflights\n" * 60) == "gopher_top_2gram"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["a", "bb", "ccc"]), min_size=1, max_size=7), max_size=10),
       st.integers(2, 5), st.integers(2, 3))
def test_within_line_ngrams_match_reference(rows, n, min_count):
    p = ParsedText.of("\n".join(" ".join(r) for r in rows))
    at: dict[tuple, list[int]] = {}  # each within-line n-gram's start positions in the text
    offset = 0
    for r in rows:
        for i in range(len(r) - n + 1):
            at.setdefault(tuple(r[i : i + n]), []).append(offset + i)
        offset += len(r)
    assert _top_ngram(p, n, within_lines=True)[0] == pytest.approx(_ref_top_covered(p.words, at, n))
    total = sum(map(len, p.words))
    seen: Counter = Counter()
    covered = set()
    offset = 0
    for r in rows:
        for i in range(len(r) - n + 1):
            g = tuple(r[i : i + n])
            seen[g] += 1
            if seen[g] >= min_count:
                covered.update(range(offset + i, offset + i + n))
        offset += len(r)
    ref_dup = sum(len(p.words[i]) for i in covered) / total if total else 0.0
    assert _dup_ngram_char_ratio(p, n, min_count, within_lines=True) == pytest.approx(ref_dup)


def test_repeated_labels_are_left_out_of_the_ngram_rules():
    # a shop grid: each card ends in the same short badge line ("Only 1 left!", a 3-word sentence)
    cards = "\n\n".join(f"{n} {COLOURS[i]}\n${19 + 7 * i}.99\nOnly 1 left!" for i, n in enumerate(NAMES))
    grid = GOOD + "\n\n" + cards
    assert reason(grid) is None
    # counted, and with n-grams across line breaks and from their second occurrence (Gopher's), the
    # badge chains with its card
    counted = TextFilterConfig(ngram_skip_repeated_labels=False, ngrams_within_lines=False)
    assert reason(grid, dataclasses.replace(counted, dup_ngram_min_count=2)) is not None
    # a short button label repeated twenty times no longer forms n-grams with itself across lines
    buttons = GOOD + "\n" + "buy now\n" * 20
    assert reason(buttons) is None
    assert reason(buttons, counted) == "gopher_top_4gram"
    # ... but a label repeated all down the page meets the all-words backstop
    stuffed = GOOD + "\n" + "buy now\n" * 60
    assert reason(stuffed) == "gopher_top_2gram"
    assert reason(stuffed, TextFilterConfig(max_top_ngram_char_ratio_all_words=1.0)) is None


def test_counter_dict_for_a_batch():
    ledger = Ledger()
    for text in (GOOD, GOOD, "", "x", GOOD + "".join(f" www.a.b/{i}" for i in range(40))):
        text_quality_filter(text, CFG, ledger)
    assert ledger.to_dict() == {
        "text/dropped:gopher_short_doc": 2,
        "text/dropped:kosmos_url_ratio": 1,
        "text/kept": 2,
    }


def _ref_dup(words: list[str], n: int, min_count: int = 2) -> float:
    seen: Counter = Counter()
    covered = [False] * len(words)
    for i in range(len(words) - n + 1):
        g = tuple(words[i : i + n])
        seen[g] += 1
        if seen[g] >= min_count:
            covered[i : i + n] = [True] * n
    total = sum(map(len, words))
    return sum(len(w) for w, c in zip(words, covered) if c) / total if total else 0.0


def _ref_top_covered(words: list[str], at: dict[tuple, list[int]], n: int) -> float:
    """Of the n-grams occurring most often (more than once), the most characters of words inside
    one of their occurrences, each word once, / characters of all words."""
    top = max(map(len, at.values()), default=0)
    if top <= 1:
        return 0.0
    chars = max(sum(len(words[i]) for i in {s + k for s in starts for k in range(n)})
                for starts in at.values() if len(starts) == top)
    return chars / sum(map(len, words))


def _ref_top(words: list[str], n: int) -> float:
    at: dict[tuple, list[int]] = {}
    for i in range(len(words) - n + 1):
        at.setdefault(tuple(words[i : i + n]), []).append(i)
    return _ref_top_covered(words, at, n)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "bb", "ccc", "dd", "e"]), max_size=40), st.integers(2, 10), st.integers(2, 4))
def test_ngram_metrics_match_reference(words, n, min_count):
    assert dup_ngram_char_ratio(words, n) == pytest.approx(_ref_dup(words, n))
    assert dup_ngram_char_ratio(words, n, min_count) == pytest.approx(_ref_dup(words, n, min_count))
    assert top_ngram_char_ratio(words, n) == pytest.approx(_ref_top(words, n))
    if n < 10:  # the monotonicity check_ngrams relies on
        assert dup_ngram_char_ratio(words, n + 1, min_count) <= dup_ngram_char_ratio(words, n, min_count) + 1e-12
    # the cheap bound check_ngrams uses before the backstop's sort
    bound = _frequent_runs_char_ratio(ParsedText("", list(words), [], []), n, min_count)
    assert dup_ngram_char_ratio(words, n, min_count) <= bound + 1e-12


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.lists(st.sampled_from(["a", "bb", "x\u00a0y", "c."]), max_size=6),
                          st.sampled_from(["", ".", "!", ":"])), max_size=12))
def test_prose_view_slices_the_parent_word_ids(rows):
    text = "\n".join(" ".join(ws) + end for ws, end in rows)
    p = ParsedText.of(text)
    assert p.words == text.split()
    q = p.prose
    ref = ParsedText("", " ".join(q.lines).split(), [], [])
    assert q.words == ref.words and q.word_lengths.tolist() == ref.word_lengths.tolist()
    assert q.lines == [ln for ln in p.lines if len(ln.split()) >= 3 and ln.endswith(PROSE_END)]
    for n in (2, 5):  # ids differ from a fresh parse but name the same words
        assert _dup_ngram_char_ratio(q, n, 2) == pytest.approx(_dup_ngram_char_ratio(ref, n, 2))


@pytest.mark.realdata
def test_real_english_articles_mostly_pass():
    pages = shared("extraction-readability-testpages", "test", "test-pages")
    n = kept = 0
    for meta_path in sorted(pages.glob("*/expected-metadata.json")):
        if not (json.loads(meta_path.read_text()).get("lang") or "").lower().startswith("en"):
            continue
        html = (meta_path.parent / "expected.html").read_text(encoding="utf-8", errors="replace")
        blocks = re.split(r"</(?:p|li|h[1-6]|pre|blockquote)>", html)
        text = "\n\n".join(" ".join(re.sub(r"<[^>]+>", " ", b).split()) for b in blocks)
        if len(text.split()) < 100:
            continue
        n += 1
        kept += text_quality_filter(text, CFG)[0]
    assert n >= 40
    assert kept / n >= 0.85


# --- repetition: structure and echoes are kept, junk is still dropped ---------------------------

NAMES = ["Alpine Trail Runner", "Harbour Canvas Tote", "Granite Steel Flask", "Meadow Wool Beanie",
         "Summit Down Jacket", "Cedar Camp Stool", "Lantern Pocket Torch", "River Dry Sack",
         "Canyon Sun Hat", "Glacier Fleece Vest", "Prairie Hiking Pole", "Tundra Sleeping Pad"]


COLOURS = ["red", "blue", "green", "black", "white", "grey", "navy", "olive", "sand", "rust", "teal", "plum"]
MATERIALS = ["recycled nylon shell", "waxed cotton canvas", "brushed steel body", "merino wool knit",
             "goose down fill", "oiled cedar frame", "anodised aluminium", "welded vinyl seams", "woven straw brim",
             "polar fleece panels", "carbon fibre shaft", "closed cell foam"]
# Gopher's repetition rules as published: every word, every copy after the first, every line
GOPHER = TextFilterConfig(dup_ngram_prose_only=False, dup_ngram_min_count=2, dup_line_min_chars=0)


def test_a_product_grid_is_structure_not_repetition():
    # every card repeats its rating template; the repeated n-grams are in card lines, not in prose
    cards = "\n\n".join(
        f"{name} {kind}, {COLOURS[i]}, {MATERIALS[i]}\n${19 + 7 * i}.99\n"
        f"{37 + 11 * i} buyers rated it 4.{i % 10} out of 5 for comfort and fit"
        for i, (name, kind) in enumerate(zip(NAMES, ["for men", "for women", "for kids"] * 4))
    )
    grid = GOOD.split("\n\n")[0] + "\n\n" + cards
    assert reason(grid) is None
    assert reason(grid, GOPHER) == "gopher_dup_5gram"


def test_repeated_prose_is_a_share_of_the_whole_text():
    # a shop page: six cards share a blurb sentence, over a 36-row size table. The repeated
    # n-gram rules read the prose lines only, but the ratio is of the whole text, as Gopher's is of
    # the document: the blurbs' repeats are 0.33 of the prose and 0.11 of the text
    first = GOOD.split("\n\n")[0]
    cards = "\n\n".join(f"{n}\nMade to stay hidden from sight, in {COLOURS[i]}." for i, n in enumerate(NAMES[:6]))
    table = "\n".join(f"{NAMES[i % 12]} {COLOURS[i % 12]} {MATERIALS[i % 12]} {30 + i} cm" for i in range(36))
    page = first + "\n\n" + cards + "\n\n" + table
    assert reason(page) is None
    p = ParsedText.of(page)
    assert _dup_ngram_char_ratio(p.prose, 5, 3, within_lines=True) > 0.3  # over the prose alone
    assert reason(page, dataclasses.replace(CFG, max_top_ngram_char_ratio={})) is None
    # the cards without the table are mostly their blurbs: still dropped
    assert reason(first + "\n\n" + cards) is not None
    assert reason(first + "\n\n" + cards, dataclasses.replace(CFG, max_top_ngram_char_ratio={})) == "gopher_dup_5gram"


def test_a_quoted_post_is_an_echo_not_repetition():
    first, second, third = GOOD.split("\n\n")
    thread = "\n\n".join([first, "Quote from the first post:\n" + first, second, third])
    assert reason(thread, TextFilterConfig(max_dup_line_char_ratio=1.0, max_dup_para_char_ratio=1.0)) is None
    strict = TextFilterConfig(dup_ngram_min_count=2, max_dup_line_char_ratio=1.0, max_dup_para_char_ratio=1.0)
    assert reason(thread, strict) == "gopher_dup_5gram"
    # a phrase that recurs (three times and more) is counted from its third occurrence
    assert dup_ngram_char_ratio(list("abcdeabcdeabcde") + ["x"], 5, min_count=3) == pytest.approx(5 / 16)
    assert dup_ngram_char_ratio(list("abcdeabcde") + ["x"], 5, min_count=3) == 0.0


SENTENCES = [s.strip() + "." for s in GOOD.replace("\n\n", " ").split(".") if s.strip()]
SPAM = [
    # the same pitch in sentences with the product swapped (doorway / spun-template spam)
    "\n".join(f"Buy cheap {n.lower()} online today at the lowest price and get free shipping on every order."
              for n in NAMES),
    # keyword stuffing on lines without punctuation (not prose: the top n-gram rules catch it)
    "\n".join(f"best cheap {n.lower()} deals best cheap {n.lower()} sale best cheap {n.lower()} online"
              for n in NAMES),
    # a boilerplate line repeated down the page
    "\n".join(f"{s.strip()}.\nClick here to subscribe to our newsletter for more great deals!"
              for s in GOOD.replace("\n\n", " ").split(".") if s.strip()),
    # a generation loop: one paragraph three times on one line (the repeated n-gram rules)
    " ".join([GOOD.split("\n\n")[1]] * 3),
    # spun text: the article's sentences recombined into "new" paragraphs after it
    GOOD + "\n\n" + "\n\n".join(" ".join(SENTENCES[k::3] + SENTENCES[: 2 * k]) for k in range(3)),
    # a doubled text, as the text rules see it (the page chain first removes repeated blocks)
    GOOD + "\n\n" + GOOD,
]


@pytest.mark.parametrize("junk", SPAM)
def test_repetitive_junk_is_still_dropped(junk):
    r = reason(GOOD.split("\n\n")[0] + "\n\n" + junk)
    assert r is not None and r.startswith(("gopher_dup", "gopher_top")), r


def test_hashtags_have_a_letter():
    ranks = "\n".join(f"#{i} {n} 2026 1h 54m" for i, n in enumerate(NAMES, 1))  # a chart's ranks
    cfg = TextFilterConfig(max_hashtag_ratio=0.05, max_symbol_word_ratio=1.0)
    assert reason(GOOD + "\n\n" + ranks, cfg) is None
    assert reason(GOOD + "\n\n" + ranks.replace("#", "#tag"), cfg) == "kosmos_hashtag_ratio"


def test_prose_lines_are_c4_sentence_lines():
    p = ParsedText.of("A heading\nThis is a sentence.\nTwo words.\n| a | b | c |\nShe said “yes.”\nAnd so on…")
    assert p.prose.lines == ["This is a sentence.", "She said “yes.”", "And so on…"]
    assert ParsedText.of(GOOD).prose.words == GOOD.split()


def test_templated_lines_without_sentences_meet_the_all_words_backstop():
    # six sales phrases combined on every line: no sentence (no prose for the n-gram rules), no
    # single n-gram frequent enough for the top n-gram rules, no two lines alike
    phrases = ["cheap flights and hotel deals", "book your summer holiday now", "lowest prices guaranteed every day",
               "free cancellation on most rooms", "earn points with every booking", "exclusive member offers this week"]
    lines = [f"{phrases[i % 6]} {phrases[(i + 2) % 6]} {NAMES[i % 12].lower()} {COLOURS[(i + i // 12) % 12]}"
             for i in range(36)]
    junk = GOOD.split("\n\n")[0] + "\n\n" + "\n".join(lines)
    assert reason(junk) == "gopher_dup_5gram"
    assert reason(junk, TextFilterConfig(max_dup_ngram_char_ratio_all_words=1.0)) is None


# --- the shortcuts taken for speed give the same results as the plain computations ---------------


def _ref_alpha_words_ratio(words):
    if not words:
        return 0.0
    rest = [w for w in words if not w.isalpha() and w not in BULLETS and w.strip(CODE_SYNTAX)]
    n = len(words) - (sum(not w.isalpha() for w in words) - len(rest))
    return 1.0 - len(re.findall(r"(?<!\S)(?:[^\w\s]|_)+(?!\S)", " ".join(rest))) / n if n else 0.0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "ab", "1", "a,", "-", "•", "(", "});", "=>", "--", "_", "x_", "ä", "!", "..."]),
                max_size=30))
def test_alpha_words_ratio_matches_reference(words):
    assert alpha_words_ratio(ParsedText.of(" ".join(words))) == _ref_alpha_words_ratio(words)


_LINE_WORDS = st.lists(st.sampled_from(["a", "bb", "ccc", "dd", "the", "e."]), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINE_WORDS, min_size=1, max_size=12), st.integers(2, 4))
def test_top_ngram_bound_bounds_the_top_ngram(lines, n):
    p = ParsedText.of("\n".join(" ".join(ws) for ws in lines))
    bound = _top_ngram_bound(p, n)
    assert _top_ngram(p, n)[0] <= bound and _top_ngram(p, n, within_lines=True)[0] <= bound


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINE_WORDS, min_size=1, max_size=20), st.booleans())
def test_ngram_bounds_do_not_change_decisions(lines, gopher):
    """check_ngrams skips a sort where a bound passes; with the bounds disabled (infinite) every
    ratio is computed, and the verdicts are the same."""
    text = "\n".join(" ".join(ws) for ws in lines)
    cfg = TextFilterConfig(min_words=1, dup_line_min_chars=5)
    if gopher:  # Gopher's rules as published: every word, every copy after the first, across lines
        cfg = TextFilterConfig(min_words=1, dup_line_min_chars=0, dup_ngram_prose_only=False, dup_ngram_min_count=2,
                               ngrams_within_lines=False)
    fast = check_ngrams(ParsedText.of(text), cfg)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(text_quality, "_top_ngram_bound", lambda p, n: float("inf"))
        mp.setattr(text_quality, "_frequent_runs_char_ratio", lambda p, n, m: float("inf"))
        assert check_ngrams(ParsedText.of(text), cfg) == fast


def _ref_frequent_runs(words, n, min_count):
    counts = Counter(words)
    covered = set()
    for i in range(len(words) - n + 1):
        if all(counts[w] >= min_count for w in words[i : i + n]):
            covered.update(range(i, i + n))
    total = sum(map(len, words))
    return sum(len(words[i]) for i in covered) / total if total and len(words) >= n else 0.0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "bb", "ccc", "dd", "e", "ff", "g"]), max_size=40), st.integers(2, 6),
       st.integers(1, 4))
def test_frequent_runs_bound_matches_reference(words, n, min_count):
    got = _frequent_runs_char_ratio(ParsedText("", list(words), [], []), n, min_count)
    assert got == _ref_frequent_runs(words, n, min_count)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "ab", "1", "a,", "-", "•", "(", "});", "--", "_", "ä", "!", "\x01", "\x7f",
                                 "\x01\x02", "a\x01", "»", "..."]), min_size=1, max_size=30),
       st.sampled_from([0.5, 0.7, 0.8, 0.9]))
def test_alpha_word_rule_bounds_do_not_change_decisions(words, limit):
    """check_alpha_words passes a text early where a lower bound of the ratio (symbol and control
    characters, then non-alpha words) already meets the limit; the decision is the exact ratio's.
    Control characters are neither symbols nor whitespace: a word of them alone has no letter."""
    p = ParsedText.of(" ".join(words))
    cfg = TextFilterConfig(min_alpha_words_ratio=limit)
    expected = "gopher_alpha_words" if _ref_alpha_words_ratio(words) < limit else None
    assert text_quality.check_alpha_words(p, cfg) == expected


def test_bullets_are_single_characters():
    # check_lines counts bullet lines by their first character
    assert all(len(b) == 1 for b in BULLETS)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="ab -•–*.…!", min_size=1, max_size=8).filter(str.strip), min_size=1, max_size=12))
def test_line_rules_match_reference(lines):
    lines = [ln.strip() for ln in lines]
    cfg = TextFilterConfig(max_bullet_lines_ratio=0.5, max_ellipsis_lines_ratio=0.3)
    n = len(lines)
    words = sum(len(ln.split()) for ln in lines)
    expected = None
    if sum(ln.startswith(BULLETS) for ln in lines) / n > 0.5 and (
        sum(len(ln.split()) for ln in lines if ln.startswith(BULLETS)) / words > 0.5
    ):
        expected = "gopher_bullet_lines"
    elif sum(ln.endswith(("...", "…")) for ln in lines) / n > 0.3:
        expected = "gopher_ellipsis_lines"
    assert text_quality.check_lines(ParsedText.of("\n".join(lines)), cfg) == expected
