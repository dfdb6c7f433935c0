"""Which URL an ``<img>`` really shows, and whether it is worth keeping.

Lazy-loading attributes and ``srcset`` follow the HTML spec's image candidate strings
(https://html.spec.whatwg.org/multipage/images.html#srcset-attributes) and the attribute names
that Mozilla Readability's ``_fixLazyImages`` handles. Tracking pixels, icons, logos, avatars,
sprites and spacers are skipped as OBELICS does before downloading (Laurençon et al., 2023,
section 3.2: "we remove ... logos, icons, and tracking pixels").
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from mmcorpus.extract.ascii_re import ascii_lower_matcher

# Lazy-loading attributes, most specific first.
LAZY_SRC_ATTRS = (
    "data-src", "data-lazy-src", "data-original", "data-hi-res-src", "data-full-src",
    "data-large-src", "data-orig-file", "data-lazyload", "data-lazy", "data-url", "data-echo",
    "data-image", "data-img", "data-original-src",
)
LAZY_SRCSET_ATTRS = ("data-srcset", "data-lazy-srcset", "data-original-srcset")
_SRCSET_NAMES = frozenset(("srcset", *LAZY_SRCSET_ATTRS))
_LAZY_SRC_NAMES = frozenset(LAZY_SRC_ATTRS)
_SRCSET_URL = re.compile(r"[\s,]*(\S*)")  # separators, then one candidate's URL
_DESCRIPTOR = re.compile(r"^(\d+(?:\.\d+)?)([wx])$", re.I)
# An absolute http(s) URL with a host and none of what urljoin rewrites (an empty query or
# fragment marker, the tab/newline characters it deletes, a "." or ".." path segment).
_PLAIN_ABSOLUTE = re.compile(r"https?://(?![/?#])(?!.*[\t\n\r])(?!.*/\.\.?(?:[/?#]|$))(?!.*\?(?:#|$))(?!.*#$)")
_INT = re.compile(r"^\s*(\d{1,6})")
_PLACEHOLDER = re.compile(r"(?:lazy|placeholder|blank|spacer|transparent|loading|pixel)[^/]*\.(?:gif|png|svg)",
                          re.I)
_SKIP_URL = re.compile(
    r"(?:^|[/_.\-=])(?:pixel|beacon|tracking|tracker|analytics|spacer|blank|1x1|clear|transparent|"
    r"icons?|logos?|avatars?|gravatar|sprites?|buttons?|badges?|emoji|emoticons?|smiley|smilies|"
    r"favicon|feed-?icon|rss|loader|loading|placeholder|arrow|bullet|doubleclick|adserver|"
    r"share|facebook|twitter|pinterest|whatsapp)(?:$|[/_.\-\d?=&])",
    re.I,
)
_SKIP_HOST = re.compile(r"//(?:[^/]*\.)?(?:doubleclick\.net|google-analytics\.com|facebook\.com/tr|"
                        r"pixel\.|stats\.|scorecardresearch\.com|quantserve\.com|gravatar\.com|"
                        r"feeds\.feedburner\.com|b\.scorecardresearch)", re.I)
_SKIP_CLASS = re.compile(r"(?:^|[\s_\-])(?:icon|logo|avatar|sprite|emoji|wp-smiley|button|badge|gravatar|"
                         r"author-image|profile|thumb-author)s?(?:$|[\s_\-])", re.I)
_SKIP_ALT = re.compile(r"^(?:logo|icon|avatar|spacer|pixel|tracking|emoji)\b", re.I)
# the same, ~3x faster on ASCII text (most URLs and class names): see ascii_lower_matcher
_placeholder = ascii_lower_matcher(_PLACEHOLDER, "search")
_skip_url = ascii_lower_matcher(_SKIP_URL, "search")
_skip_host = ascii_lower_matcher(_SKIP_HOST, "search")
_skip_class = ascii_lower_matcher(_SKIP_CLASS, "search")
_skip_alt = ascii_lower_matcher(_SKIP_ALT)


def parse_dimension(value: str | None) -> int | None:
    """Lenient int: "300", "300px", " 300.5 " -> 300; "auto", "100%" -> None."""
    if not value or "%" in value:
        return None
    m = _INT.match(value)
    return int(m.group(1)) if m else None


def parse_srcset(srcset: str | None) -> list[tuple[str, str | None]]:
    """``(url, descriptor)`` pairs of a srcset, by the HTML spec's candidate-string algorithm.

    A URL is a run of non-whitespace characters; descriptors run to the next comma outside
    parentheses. So a ``data:`` URL's own comma (``data:image/png;base64,AAAA 1x``) stays inside
    the URL instead of splitting it into bogus candidates, as a plain ``split(",")`` would.
    """
    out: list[tuple[str, str | None]] = []
    s = srcset or ""
    i, n = 0, len(s)
    while i < n:
        m = _SRCSET_URL.match(s, i)
        url, i = m.group(1), m.end()
        if not url:
            break
        if url.endswith(","):
            out.append((url.rstrip(","), None))
            continue
        comma = s.find(",", i)
        if comma < 0:
            comma = n
        if s.find("(", i, comma) >= 0:  # a comma inside parentheses does not end the descriptors
            depth, comma = 0, i
            while comma < n and (depth or s[comma] != ","):
                if s[comma] == "(":
                    depth += 1
                elif s[comma] == ")" and depth:
                    depth -= 1
                comma += 1
        desc = s[i:comma].split()
        out.append((url, desc[0] if desc else None))
        i = comma + 1
    return [(u, d) for u, d in out if u]


def _size_key(descriptor: str | None) -> tuple[int, float]:
    """Sort key of a descriptor: any width (``w``) above any density (``x``); none means ``1x``."""
    m = _DESCRIPTOR.match(descriptor or "")
    if not m:
        return (0, 1.0)
    return (1, float(m.group(1))) if m.group(2).lower() == "w" else (0, float(m.group(1)))


def best_srcset(srcset: str | None) -> str | None:
    """The largest candidate of a srcset (by w descriptor, else x), or None."""
    best, best_key = None, (-1, -1.0)
    for url, desc in parse_srcset(srcset):
        key = _size_key(desc)
        if key > best_key:
            best, best_key = url, key
    return best


def candidates(attrs: dict[str, str | None], extra_srcsets: list[str] = ()) -> list[str]:
    """Every URL an ``<img>`` names, best first, each once (raw, not yet resolved).

    Order of preference: srcset candidates (the ``<picture><source>`` sets, the img's own
    ``srcset``, lazy ``data-srcset``...) largest first by descriptor, then lazy-loading
    ``data-src``-style attributes, then ``src``. The first is what extraction used to pick alone;
    the others let the WARC join find whichever file the archive captured (often only ``src``)
    and let the downloader fall back when the preferred file fails. ``data:`` URLs, template
    placeholders (``{...}``) and lazy-loading placeholder images are left out.
    """
    out: dict[str, None] = {}
    keys = attrs.keys()
    # Most <img> carry no srcset and no lazy attribute: one C-level set test each skips the ~20
    # attribute look-ups and empty srcset parses below (same result: absent attributes add nothing).
    if extra_srcsets or not keys.isdisjoint(_SRCSET_NAMES):
        sets: list[tuple[tuple[int, float], int, str]] = []
        for srcset in (*extra_srcsets, attrs.get("srcset"), *(attrs.get(a) for a in LAZY_SRCSET_ATTRS)):
            for url, desc in parse_srcset(srcset):
                if not url.startswith(("data:", "{")):
                    sets.append((_size_key(desc), len(sets), url))
        for _, _, url in sorted(sets, key=lambda t: (-t[0][0], -t[0][1], t[1])):
            out.setdefault(url)
    if not keys.isdisjoint(_LAZY_SRC_NAMES):
        for a in LAZY_SRC_ATTRS:
            url = (attrs.get(a) or "").strip()
            if url and not url.startswith(("data:", "{")):
                out.setdefault(url)
    url = (attrs.get("src") or "").strip()
    if url and not url.startswith("data:") and not _placeholder(url):
        out.setdefault(url)
    return list(out)


def pick_src(attrs: dict[str, str | None], extra_srcsets: list[str] = ()) -> str | None:
    """The URL to fetch first for an <img>: the most preferred of :func:`candidates`."""
    found = candidates(attrs, extra_srcsets)
    return found[0] if found else None


def resolve(url: str, base: str) -> str | None:
    """Absolute http(s) URL, or None: ``urljoin(base, url)`` without its fragment.

    ``urljoin`` parses and rebuilds both URLs on every call (WCXB: half of this function's time);
    the three shapes that are nearly all image URLs get its result from string operations instead
    (exactness against ``urljoin``: tests/extract/test_image_urls.py), everything else goes to it.
    """
    url = url.strip()
    if _PLAIN_ABSOLUTE.match(url):  # what urljoin would return unchanged: skip its parse and rebuild
        return url.split("#", 1)[0]
    if url[:1] == "/":
        out = _join_rooted(url, base)
        if out is not None:
            return out
    try:
        out = urljoin(base, url)
    except ValueError:
        return None
    if not out.startswith(("http://", "https://")):
        return None
    return out.split("#", 1)[0]


def _join_rooted(url: str, base: str) -> str | None:
    """``urljoin(base, url)`` less its fragment for a protocol-relative (``//host/path``) or
    root-relative (``/path``) ``url`` against an http(s) ``base``, or None where it may differ.

    urljoin keeps such a URL's host, path and query as written and takes the base's scheme (and,
    for ``/path``, the base's host), except for what it rewrites: tab and newline characters
    (deleted), ``;params`` (split off and put back, dropping an empty one), an empty ``?``
    (dropped), ``.``/``..`` path segments (resolved), an empty host, and a host it checks (brackets,
    non-ASCII). URLs with any of those are left to urljoin.
    """
    head = url.split("#", 1)[0]
    if head[-1:] == "?" or ";" in head or "\t" in head or "\n" in head or "\r" in head:
        return None
    try:
        scheme, netloc = urlsplit(base)[:2]  # urljoin's own parse of the base (it is memoised)
    except ValueError:
        return None
    if scheme not in ("http", "https"):
        return None
    if head[1:2] == "/":  # //host/path: the base's scheme only; urljoin resolves no dot segment here
        if head[2:3] in ("", "/", "?") or "[" in head or "]" in head or not head.isascii():
            return None
        return scheme + ":" + head
    if "/." in head.split("?", 1)[0]:  # a "." or ".." segment (or a name starting with a dot)
        return None
    return scheme + "://" + netloc + head


def resolved_candidates(attrs: dict[str, str | None], extra_srcsets: list[str], base: str) -> list[str]:
    """:func:`candidates` made absolute against ``base``; non-http(s) ones left out, each once."""
    out: dict[str, None] = {}
    for raw in candidates(attrs, extra_srcsets):
        url = resolve(raw, base)
        if url is not None:
            out.setdefault(url)
    return list(out)


def skip_reason(url: str, attrs: dict[str, str | None], width: int | None, height: int | None,
                min_side: int) -> str | None:
    """Why an image is not content (``tracking_pixel``, ``icon``, ``tiny``), or None to keep it."""
    if (width or 0) <= 2 and (height or 0) <= 2 and (width, height) != (None, None):
        return "tracking_pixel"
    if _skip_host(url):
        return "tracking_pixel"
    if (width is not None and width < min_side) or (height is not None and height < min_side):
        return "tiny"
    path = url.split("?", 1)[0].rsplit("/", 2)
    if _skip_url("/".join(path[-2:])):
        return "icon"
    cls = (attrs.get("class") or "") + " " + (attrs.get("id") or "")
    if _skip_class(cls):
        return "icon"
    if _skip_alt(attrs.get("alt") or ""):
        return "icon"
    return None
