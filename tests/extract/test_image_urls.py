"""Every candidate URL of an <img>, in order of preference; srcset parsed as the HTML spec says."""

from __future__ import annotations

import gzip
import json
import re
from itertools import product
from urllib.parse import urljoin

import pytest
from conftest import shared

from mmcorpus.extract.image_urls import (
    _PLAIN_ABSOLUTE,
    _join_rooted,
    candidates,
    parse_srcset,
    pick_src,
    resolve,
    resolved_candidates,
)


def test_parse_srcset_keeps_data_url_commas_and_descriptors():
    got = parse_srcset("data:image/png;base64,AAA,BBB 1x, a.jpg 2x,b.jpg, c.jpg 100w, "
                       "https://cdn.example/w_300,h_200/d.jpg 300w, e(1).jpg 3x")
    assert got == [("data:image/png;base64,AAA,BBB", "1x"), ("a.jpg", "2x"), ("b.jpg", None), ("c.jpg", "100w"),
                   ("https://cdn.example/w_300,h_200/d.jpg", "300w"), ("e(1).jpg", "3x")]
    assert parse_srcset("") == [] and parse_srcset(None) == [] and parse_srcset(" , ,") == []


def test_candidates_order_srcset_largest_first_then_lazy_then_src():
    attrs = {"src": "s.jpg", "srcset": "a.jpg 1x, b.jpg 2x", "data-src": "l.jpg"}
    assert candidates(attrs, ["p.webp 400w, q.webp 800w"]) == ["q.webp", "p.webp", "b.jpg", "a.jpg", "l.jpg", "s.jpg"]
    assert pick_src(attrs) == "b.jpg"


def test_candidates_leave_out_data_urls_placeholders_and_repeats():
    attrs = {"src": "data:image/gif;base64,R0lGOD,lhAQ", "srcset": "data:image/png;base64,AA,BB 1x, big.jpg 2x",
             "data-src": "{{ url }}", "data-lazy-src": "big.jpg"}
    assert candidates(attrs) == ["big.jpg"]
    assert candidates({"src": "/img/lazy-placeholder.gif"}) == []


def test_resolved_candidates_are_absolute_http_and_unique():
    attrs = {"src": "220px-Mona.jpg", "srcset": "//upload.example.org/440px-Mona.jpg 2x, 330px-Mona.jpg 1.5x",
             "data-src": "javascript:void(0)"}
    assert resolved_candidates(attrs, [], "https://en.example.org/wiki/Mona") == [
        "https://upload.example.org/440px-Mona.jpg", "https://en.example.org/wiki/330px-Mona.jpg",
        "https://en.example.org/wiki/220px-Mona.jpg"]


def _urljoin_resolve(url: str, base: str) -> str | None:
    """:func:`resolve` as it was before its string fast paths: urljoin's result for all but the
    plain absolute URLs it returns unchanged, http(s) only, less the fragment."""
    url = url.strip()
    if _PLAIN_ABSOLUTE.match(url):
        return url.split("#", 1)[0]
    try:
        out = urljoin(base, url)
    except ValueError:
        return None
    return out.split("#", 1)[0] if out.startswith(("http://", "https://")) else None


_BASES = [
    "https://www.example.org/blog/2024/post.html?x=1#top", "http://example.org", "http://example.org/",
    "HTTPS://Example.ORG:8443/a/b/", "https://user@example.org/a;p/b?q", "http:/no-host/a", "http:///a/b",
    "ftp://example.org/a/", "", "https://[::1]/a/", "https://[bad/a", "//example.org/a", "https://ex\tample.org/a\n",
]
_URLS = [
    "/a/b.jpg", "/a/b.jpg?w=300&h=200", "/a/b.jpg#frag", "/a/b.jpg?", "/a/b.jpg?#f", "/a/b.jpg?x?", "/a/./b.jpg",
    "/a/../b.jpg", "/a/.hidden/b.jpg", "/a/b/..", "/a/b/.", "/.", "/..", "/", "/?q", "/#f", "/a;p/b.jpg",
    "/a/b.jpg;p", "/a/b.jpg;", "/a\tb.jpg", "/a\nb.jpg", "/a/b.jpg#x\ty", "/a:b/c.jpg", "/ä/ö.jpg", "/a b.jpg",
    "/\x01a.jpg", "/a/b.jpg?u=/./x", "//cdn.example.org/a.jpg", "//cdn.example.org", "//cdn.example.org?x=1",
    "//cdn.example.org/./a/../b.jpg", "//cdn.example.org:8080/a.jpg", "//u:p@cdn.example.org/a.jpg", "//",
    "///a.jpg", "//?x", "//#x", "//[::1]/a.jpg", "//[::1/a.jpg", "//exämple.org/a.jpg", "//ex\u2100mple.org/a.jpg",
    "//cdn.example.org/a.jpg?", "//cdn.example.org/a;p.jpg", "//cdn.example.org/a\r.jpg", "/a/b.jpg  ",
    "a/b.jpg", "../a.jpg", "http://", "https://x.org/a.jpg", "HTTP://x.org/a.jpg", "http:a.jpg", "data:,x",
]


def test_resolve_fast_paths_give_urljoins_result_on_crafted_urls():
    for url, base in product(_URLS, _BASES):
        assert resolve(url, base) == _urljoin_resolve(url, base), (url, base)
        fast = _join_rooted(url.strip(), base) if url.strip()[:1] == "/" else None
        if fast is not None:
            assert fast == urljoin(base, url.strip()).split("#", 1)[0], (url, base)


_IMG_URL = re.compile(rb"""<img\b[^>]*?\s(?:src|srcset|data-[a-z-]*src[a-z-]*)\s*=\s*["']([^"'<>]{1,2000})""", re.I)


@pytest.mark.realdata
def test_resolve_fast_paths_give_urljoins_result_on_real_image_urls():
    """Every image URL of WCXB's pages, against each page's own URL and the other bases above."""
    root = shared("extraction-wcxb-dev", "dev")
    n = 0
    for gt in sorted((root / "ground-truth").glob("*.json")):
        page = root / "html" / (gt.stem + ".html.gz")
        if not page.exists():
            continue
        base = json.loads(gt.read_text())["url"]
        for m in _IMG_URL.finditer(gzip.decompress(page.read_bytes())):
            for url in {u for u, _ in parse_srcset(m.group(1).decode("utf-8", "replace"))}:
                for b in (base, *_BASES[:3]):
                    assert resolve(url, b) == _urljoin_resolve(url, b), (url, b)
                n += url.strip()[:1] == "/" and _join_rooted(url.strip(), base) is not None
    assert n > 10_000  # URLs that took a fast path
