"""Every candidate URL of an <img>, in order of preference; srcset parsed as the HTML spec says."""

from __future__ import annotations

from mmcorpus.extract.image_urls import candidates, parse_srcset, pick_src, resolved_candidates


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
