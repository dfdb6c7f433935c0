"""The pre-scan's token regex, written for speed, stops at the same tags as its plain form.

The reference below is the regex as first written (``re.I``, ``\\s``, one alternative per token,
one general start-tag form); :func:`max_attributes` must return the same value with either on
markup crafted around every shortcut of the fast one: quotes in names and tag names, ``=`` without a
name, valueless attributes, ``>`` inside quoted values, tags near the attribute limit, special names
in any case and with any byte after them, raw-text and comment edges.
"""

import random
import re

import pytest

import mmcorpus.extract.prescan as ps

_V = rb"=\s*+(?:\"[^\"]*+\"|'[^']*+'|[^\s>]*+)"
_BODY = rb"(?:[\s/]++|[^\s/>=]++|" + _V + rb")*+"
_UNIT = rb"(?:[^\s/>=]++|[\s/]++|" + _V + rb")"
_ATTR = rb"(?:[\s/]*+[^\s/>=]++(?:\s*+" + _V + rb")?)"


def _reference_re(limit: int) -> re.Pattern[bytes]:
    k = 2 * limit
    skip = (
        rb"(?:[^<]++"
        rb"|</[a-z][^>=]*+>"
        rb"|<(?!(?:html|body|" + ps._RAW + rb")(?=[\s/>]))[a-z][^\s/>]*+" + _ATTR + rb"{0,%d}+[\s/]*+(?:>|\Z)" % limit
        + rb"|</[a-z]" + _BODY + rb">?"
        + b"".join(rb"|<%s(?=[\s/>])" % name + _UNIT + rb"{0,%d}+>(?:[^<]++|<(?!/%s(?=[\s/>])))*+" % (k, name)
                   for name in ps._RAW.split(b"|"))
        + rb"|<!--(?:[^-]++|-(?!->))*+(?:-->)?"
        rb"|<(?![a-z!/])|<!(?!--)|</(?![a-z])"
        rb")*+"
    )
    return re.compile(skip + rb"(?:(<[a-z]" + _BODY + rb")|\Z)", re.I)


def _stops(token: re.Pattern[bytes], body: bytes) -> list[tuple[int, int]]:
    out, pos = [], 0
    while pos < len(body):
        m = token.search(body, pos)
        if m is None or m.group(1) is None:
            break
        out.append(m.span(1))
        pos = m.end(1)
    return out


_PIECES = [
    b"<div", b"<DiV", b"<a", b"<p", b"<html", b"<HTML", b"<htmlx", b"<html.", b"<body", b"<bOdy", b"<b", b"<br",
    b"<script", b"<SCRIPT", b"<scripts", b"<style", b"<title", b"<textarea", b"<xmp", b"<iframe", b"<noembed",
    b"<noframes", b"<nav", b"<span", b"<td", b"<x", b"</script", b"</STYLE", b"</title>", b"</div>", b"</a x=\">\">",
    b" ", b"\t", b"\n", b"/", b"=", b" = ", b'"', b"'", b">", b"<", b"<!--", b"-->", b"--", b"<!", b"<!x>",
    b"</>", b"<?",
    b' class="x"', b" id='y'", b" a=b", b' a="x>y"', b" a='<\"'", b' b="" ', b' c=""d=""', b" checked", b" =x",
    b' ="q"', b"a\"b", b' data-x="1"', b"text ", b"words and more ", b"<div a=\"", b"\"a1 a2 a3",
]


def _fuzz_page(rng: random.Random) -> bytes:
    out = bytearray()
    for _ in range(rng.randint(1, 120)):
        if rng.random() < 0.03:  # a run of attributes near the limit, valued, quoted or bare
            n = rng.choice([3, 4, 5, 6])
            form = rng.choice([b' a%d="v"', b" a%d", b" a%d=v", b"/a%d", b' a%d="x>y"', b'"a%d"'])
            out += b"".join(form % i for i in range(n))
        else:
            out += rng.choice(_PIECES)
    return bytes(out)


@pytest.mark.parametrize("seed", range(300))
def test_same_stops_as_the_plain_regex(seed):
    rng = random.Random(seed)
    ref, fast = _reference_re(4), ps._token_re(4)
    for _ in range(20):
        body = _fuzz_page(rng)
        assert _stops(fast, body) == _stops(ref, body), body


@pytest.mark.parametrize("body", [
    b"<div " + b" ".join(b'a%d="x"' % i for i in range(256)) + b">",  # at the limit: skipped
    b"<div " + b" ".join(b'a%d="x"' % i for i in range(257)) + b">",  # one more: stops
    b"<div " + b" ".join(b'a%d="x"' % i for i in range(255)) + b" b c>",
    b'<div a="x"' + b"".join(b'b%d=""' % i for i in range(300)) + b">",  # no separators
    b'<p a="1" =x><html lang=en><HtMl. =x b>x<body\ta=1>',
    b'<div a="x>' + b" a".join(b"%d" % i for i in range(300)) + b'">',
])
def test_edges_at_the_real_limit(body):
    assert _stops(ps._token_re(256), body) == _stops(_reference_re(256), body)
