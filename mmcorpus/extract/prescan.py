"""A linear pre-scan of page bytes that refuses pages the HTML parser would take superlinear time on.

Lexbor (selectolax) parses ordinary HTML at ~100-200 MB/s, but three shapes of markup make its
tree builder quadratic (measured here, one core; issue 14):

* many distinct attribute names on one element: each new attribute is compared with the ones
  already there (40,000 attributes 3.0 s; one ``<div>`` with 200,000 attributes, 3.2 MB, 178 s).
  Repeated ``<html>``/``<body>`` start tags merge their attributes onto one element, so those
  count together (20,000 ``<body aN=x>`` tags 0.9 s);
* many ``<option>`` elements in one ``<select>`` (20,000 options 1.4 s; the same options spread
  over 40 selects 0.05 s);
* deep nesting: handled before this scan by :func:`mmcorpus.extract.document.estimated_depth`.

The scan finds start tags with a quote-aware regex (a quoted value may hold ``>`` or ``<``, as it
may for the parser) and counts attributes only in tags that may hold more than the limit, skipping
comments and the content of raw-text elements (``<script>``, ``<style>``, ...) as the tokenizer
does. A tag is skipped when it reads as at most ``limit`` attributes after its name, each a name
with an optional ``=`` and value; any other shape stops the scan at the tag, whose attributes are
then counted exactly. The tag name runs to whitespace, ``/`` or ``>`` as in the tokenizer, so a
quote in it opens no value (``<a="x a1 a2 ...">`` has attributes ``a1``, ``a2``...). It runs
at ~300-350 MB/s (WCXB's 388 MB in ~1.1 s; the regex is written for the engine's cost per step, see
:func:`_token_re`; tests/extract/test_prescan_regex.py checks it stops where its plain form does).
What it guarantees, with the defaults, for any page up to ``extract.max_html_bytes`` (5 MB): at
most 256 distinct attribute names per element (a whole page of such elements: scan + parse ~1 s)
and a sum over selects of options^2 of at most 5,000^2 (< 0.2 s). Pages beyond are dropped as
``too_many_attributes`` or ``too_many_options``; none of 1,690 real pages was.
"""

from __future__ import annotations

import re

from mmcorpus.config import ExtractConfig

# Byte classes are spelled out, not ``\s`` (for bytes patterns ``\s`` is exactly these six): a bitmap
# class costs the regex engine less per byte than a category test.
_S = rb" \t\n\r\f\v"
# What follows a tag name up to its ">", as the HTML tokenizer reads it: separators, attribute
# names (which may hold quotes: ``class="a""`` leaves a name ``"``), and "=" with a value, where a
# quote opens a value that may hold ">", "<" or "<!--".
_VALUE = rb"=[%s]*+(?:\"[^\"]*+\"|'[^']*+'|[^%s>]*+)" % (_S, _S)
_TAG_BODY = rb"(?:[%s/]++|[^%s/>=]++|%s)*+" % (_S, _S, _VALUE)
# The same, one unit at a time (a run of name or separator characters, or a whole value): an
# attribute takes at least two units (its name, then a separator or a value), so a raw-text start
# tag of at most 2 * limit units cannot hold more than ``limit`` attributes.
_UNIT = rb"(?:[^%s/>=]++|[%s/]++|%s)" % (_S, _S, _VALUE)
# One attribute of a start tag: separators, a name, and optionally "=" and a value. A start tag that
# matches its name then at most ``limit`` of these holds at most ``limit`` attributes; one regex
# repetition per attribute, where counting units took three (name, separator, value).
_ATTR = rb"(?:[%s/]*+[^%s/>=]++(?:[%s]*+%s)?+)" % (_S, _S, _S, _VALUE)
# The common attribute, ``name="value"``, in fewer regex steps: each repetition is one _ATTR
# repetition, so a tag read by it is one the general form reads the same way.
_QUOTED_ATTR = rb"(?:[%s/]*+[^%s/>=\"']++=\"[^\"]*+\")" % (_S, _S)
_RAW = rb"script|style|textarea|title|xmp|iframe|noembed|noframes"
_SPECIAL = [b"html", b"body", *_RAW.split(b"|")]
_NAME_END = rb"(?=[%s/>])" % _S


def _anycase(name: bytes) -> bytes:
    """``name`` as a regex that matches it in any case (``[sS][cC]...``): without ``re.I`` the
    engine skips an alternative on its first byte without entering it."""
    return b"".join(b"[%c%c]" % (c, c - 32) if 97 <= c <= 122 else bytes([c]) for c in name)


def _start_heads() -> list[bytes]:
    """The first letter of a start tag with the check that it does not begin html, body or a
    raw-text element: letters that begin none of these need no check, which most tags skip."""
    firsts = sorted({n[:1] for n in _SPECIAL})
    other = b"[" + b"".join(bytes([c, c - 32]) for c in range(97, 123) if bytes([c]) not in firsts) + b"]"
    heads = [other]
    for f in firsts:
        rest = b"|".join(_anycase(n[1:]) for n in _SPECIAL if n[:1] == f)
        heads.append(_anycase(f) + rb"(?!(?:" + rest + rb")" + _NAME_END + rb")")
    return heads


def _token_re(limit: int) -> re.Pattern[bytes]:
    """One ``search`` runs in C over everything that cannot be quadratic (text, comments, end tags,
    raw-text elements with their content, start tags of at most ``limit`` attributes) and stops at
    the next start tag that can: a long one, or an ``<html>``/``<body>`` (their attributes merge).
    Every position is either skipped or starts that token, so a search never fails midway (which
    would make the regex engine restart at the next byte, quadratic in its turn). Raw-text
    elements are spelled out one by one: a backreference there trips a bug in ``re``.

    Written for the engine's cost per step (a repetition or branch taken costs far more than a byte
    tested): the text after a tag is read with the tag, alternatives share their ``<``, letters are
    spelled in both cases (so an alternative is skipped on its first byte), and a start tag tries
    the ``name="value"`` form before the general one.
    """
    k = 2 * limit
    text = rb"[^<]*+"
    general = rb"[^%s/>]*+%s{0,%d}+[%s/]*+(?:>%s|\Z)" % (_S, _ATTR, limit, _S, text)
    quoted = rb"[^%s/>\"'=]*+%s{0,%d}+[%s/]*+>%s" % (_S, _QUOTED_ATTR, limit, _S, text)
    starts = b"|".join(head + rb"(?:" + quoted + b"|" + general + rb")" for head in _start_heads())
    raws = b"".join(
        rb"|%s%s%s{0,%d}+>[^<]*+(?:<(?!/%s%s)[^<]*+)*+" % (_anycase(n), _NAME_END, _UNIT, k, _anycase(n), _NAME_END)
        for n in _RAW.split(b"|"))
    skip = (
        rb"(?:[^<]++|<(?:"
        rb"/[a-zA-Z][^>=]*+>" + text  # end tags without a value
        + b"|" + starts
        + rb"|/[a-zA-Z]" + _TAG_BODY + rb"(?:>" + text + rb")?"
        + raws
        + rb"|!--[^-]*+(?:-(?!->)[^-]*+)*+(?:-->" + text + rb")?"
        + rb"|(?![a-zA-Z!/])" + text + rb"|!(?!--)" + text + rb"|/(?![a-zA-Z])" + text
        + rb"))*+"
    )
    return re.compile(skip + rb"(?:(<[a-zA-Z]" + _TAG_BODY + rb")|\Z)")


_TOKEN_RES: dict[int, re.Pattern[bytes]] = {}
_TAG_NAME = re.compile(rb"<([a-zA-Z][^\s/>]*)")
# One attribute: a name, then optionally "=" and a quoted or unquoted value.
_ATTRIBUTE = re.compile(rb"([^\s/>=]+)(?:\s*=\s*(?:\"[^\"]*\"?|'[^']*'?|[^\s>]*))?")
_RAW_START = re.compile(rb"<(" + _RAW + rb")(?=[\s/>])", re.I)
_RAW_END = {name: re.compile(rb"</" + name + rb"(?=[\s/>])", re.I) for name in _RAW.split(b"|")}
_SELECT = re.compile(rb"(?i)<(/?)select(?=[\s/>])")
_OPTION = re.compile(rb"(?i)<option(?=[\s/>])")
_ROOTS = (b"html", b"body")
_NAME_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:")


def attribute_names(tag: bytes) -> set[bytes]:
    """The distinct (lower-cased) attribute names of one start tag ``<name ...`` (no ``>``)."""
    m = _TAG_NAME.match(tag)
    start = m.end() if m else 1
    return {a.group(1).lower() for a in _ATTRIBUTE.finditer(tag, start)}


def max_attributes(body: bytes, limit: int) -> int:
    """The largest number of distinct attribute names on one element, exact once it exceeds
    ``limit`` (tags too short to hold more than ``limit`` are not counted: 0 is returned).
    Every ``<html>`` (and every ``<body>``) start tag adds its attributes to one element."""
    token = _TOKEN_RES.get(limit) or _TOKEN_RES.setdefault(limit, _token_re(limit))
    worst, pos, n = 0, 0, len(body)
    merged: dict[bytes, set[bytes]] = {}
    while pos < n:
        m = token.search(body, pos)
        if m is None or m.group(1) is None:  # only skippable bytes up to the end
            break
        pos = m.end(1)
        tag = m.group(1)
        names = attribute_names(tag)
        root = tag[1:5].lower()
        if root in _ROOTS and (len(tag) == 5 or tag[5] not in _NAME_CHARS):
            names = merged.setdefault(root, set())
            names |= attribute_names(tag)
        worst = max(worst, len(names))
        raw = _RAW_START.match(tag)
        if raw is not None:  # a long raw-text start tag: its content is not markup
            end = _RAW_END[raw.group(1).lower()].search(body, pos)
            pos = n if end is None else end.start()
    return worst


def select_option_work(body: bytes) -> int:
    """Sum over ``<select>`` elements of (options inside)^2: Lexbor's cost grows with it.

    A select runs from ``<select`` to the next ``</select`` or ``<select`` (a nested start tag
    closes the open select), or to the end of the page.
    """
    marks = [(m.start(), bool(m.group(1))) for m in _SELECT.finditer(body)]
    work = 0
    for i, (pos, closing) in enumerate(marks):
        if closing:
            continue
        end = marks[i + 1][0] if i + 1 < len(marks) else len(body)
        n = sum(1 for _ in _OPTION.finditer(body, pos, end))
        work += n * n
    return work


def prescan(body: bytes, cfg: ExtractConfig) -> str | None:
    """A drop reason for a page whose markup would make the parser superlinear, else None."""
    if max_attributes(body, cfg.max_attributes_per_tag) > cfg.max_attributes_per_tag:
        return "too_many_attributes"
    if _OPTION.search(body) and select_option_work(body) > cfg.max_select_options ** 2:
        return "too_many_options"
    return None
