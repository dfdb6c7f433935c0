"""mmcorpus.extract.class_rules: the keyword scan gives each token the bits of the seven tests."""

from __future__ import annotations

import random

from mmcorpus.extract import class_rules as cr


def _seven_tests(token: str) -> int:
    """The reference: every test run on the token (after the scaffolding and negation rewrites)."""
    lower = token.lower()
    key = cr._NEGATED.sub("", cr._SCAFFOLDING.sub("", lower))
    return (
        (cr._U if cr.UNLIKELY.search(key) else 0)
        | (cr._OK if cr.OK_MAYBE.search(key) else 0)
        | (cr._STRONG if cr.STRONG_UNLIKELY.search(key) else 0)
        | (cr._CAP if cr.CAPTION.search(key) else 0)
        | (cr._COMMENT if cr.COMMENT.search(key) else 0)
        | (cr._NEG if cr.NEGATIVE.search(lower) else 0)
        | (cr._POS if cr.POSITIVE.search(lower) else 0)
    )


def _fresh_bits(token: str) -> int:
    cr._token_memo.pop(token, None)
    return cr._token_bits(token)


def _tokens() -> list[str]:
    words = sorted(cr._KEYWORDS)
    edges = ["", "-", "_", "x", "no-", "without_", "1"]
    out = {a + w + b for w in words for a in edges for b in edges}
    out |= {w.upper() + "-x" for w in words}
    out |= {w + sep + v for w in words for v in words for sep in ("", "-")}
    rng = random.Random(12)
    parts = words + ["-", "_", "a", "s", "desc", "info", "source", "widget", "elementor", "ck", "span"]
    out |= {"".join(rng.choice(parts) for _ in range(rng.randint(1, 4))) for _ in range(20_000)}
    return sorted(out)


def test_keyword_scan_gives_the_seven_tests_answer():
    # each keyword alone, between separators, prefixed and followed by more, two run together,
    # upper case, and random strings of keywords, their pieces and separators
    tokens = _tokens()
    wrong = [t for t in tokens if _fresh_bits(t) != _seven_tests(t)]
    assert not wrong, wrong[:10]


def test_every_test_is_reached_by_the_scan():
    # the words of each test are registered with its bit, so a token holding one runs or sets it
    cases = {
        "sidebar": cr._U | cr._NEG, "ads": cr._U, "advertisement": cr._U, "sponsored": cr._U | cr._NEG,
        "content": cr._OK | cr._POS, "share": cr._U | cr._STRONG | cr._NEG, "caption": cr._CAP,
        "img-desc": cr._CAP, "photo_source": cr._CAP, "media-info": cr._CAP | cr._NEG,
        "comments": cr._U | cr._STRONG | cr._COMMENT | cr._NEG, "hid": cr._NEG, "hidden": cr._NEG,
        "post": cr._POS, "header": 0, "loading": 0,
        "no-share": cr._NEG, "elementor-widget-container": cr._NEG,  # the class weight reads the token as written
    }
    for token, bits in cases.items():
        assert _fresh_bits(token) == bits == _seven_tests(token), token


def test_only_keywords_bear_on_tests():
    # a token holding no keyword has no bit, without running a test
    for token in ("px-4", "css-1x2y3z", "flex", "grid-cols-3", "w-full"):
        assert cr._ANY_KEYWORD.search(token) is None
        assert _fresh_bits(token) == 0 == _seven_tests(token)
