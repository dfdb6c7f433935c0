"""A UTF-8 page cut mid-character stays UTF-8 (issue 14): declared UTF-8 plus a few invalid bytes
is decoded as UTF-8 with replacement, not handed to charset detection."""

import pytest

from mmcorpus.extract.decode import decode_html

TEXT = "<html><head>{meta}<title>t</title></head><body><p>Ein café “zitiert” – Straße, naïve, Привет.</p></body></html>"


@pytest.mark.parametrize("header,meta", [("text/html; charset=utf-8", ""), (None, "<meta charset='utf-8'>"),
                                         ("text/html; charset=UTF-8", "<meta charset=utf-8>")])
def test_cut_mid_character_stays_utf8(header, meta):
    body = TEXT.format(meta=meta).encode("utf-8")
    cut = body[: body.index("“".encode()) + 2]  # inside the 3-byte quotation mark
    text, enc = decode_html(cut, header)
    assert enc == "utf-8"
    assert "café" in text and "cafГ©" not in text
    assert text.endswith("\ufffd")
    stray = body.replace("Straße".encode(), b"Stra\xdfe")  # one latin-1 byte inside UTF-8 text
    text, enc = decode_html(stray, header)
    assert enc == "utf-8" and "Привет" in text and "café" in text


def test_legacy_page_mislabelled_utf8_still_detected():
    words = "Größere Häuser für Bürger, schön und lässig. " * 30
    body = ("<html><body><p>" + words + "</p></body></html>").encode("cp1252")
    text, enc = decode_html(body, "text/html; charset=utf-8")
    assert "Größere Häuser" in text and enc != "utf-8"
