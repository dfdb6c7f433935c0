"""The parser gets the body's own bytes exactly when they are the UTF-8 of the decoded text, and the
decoded text otherwise; either way the extracted document is the one the decoded text gives."""

import pytest
from selectolax.lexbor import LexborHTMLParser

from mmcorpus.extract.decode import decode_html, parser_input

PAGE = "<html><head>{meta}<title>t</title></head><body><p>Ein café “zitiert” – Straße, naïve, Привет.</p></body></html>"

_UTF8 = PAGE.format(meta="").encode("utf-8")


@pytest.mark.parametrize("header,meta", [("text/html; charset=utf-8", ""), (None, "<meta charset='utf-8'>"),
                                         (None, ""), ("text/html; charset=iso-8859-1", "")])
def test_valid_utf8_body_is_passed_as_is(header, meta):
    body = PAGE.format(meta=meta).encode("utf-8")
    html, enc = parser_input(body, header)
    assert html is body and enc == "utf-8"  # (a latin-1 label on valid UTF-8 non-ASCII fails: read as UTF-8)


@pytest.mark.parametrize("body,header", [
    (_UTF8[:_UTF8.index("“".encode()) + 2], "text/html; charset=utf-8"),  # cut mid-character: replaced
    ("<p>café</p>".encode("cp1252"), "text/html; charset=windows-1252"),  # another encoding
    (b"\xef\xbb\xbf<p>caf\xc3\xa9</p>", None),  # a byte-order mark: stripped
    ("<p>hé</p>".encode("utf-16-le"), "text/html; charset=utf-16le"),
])
def test_other_bodies_get_the_decoded_text(body, header):
    html, enc = parser_input(body, header)
    assert (html, enc) == decode_html(body, header)
    assert isinstance(html, str)


def test_same_tree_from_bytes_and_text():
    body = PAGE.format(meta="").encode("utf-8")
    html, _ = parser_input(body, None)
    text, _ = decode_html(body, None)
    assert LexborHTMLParser(html).html == LexborHTMLParser(text).html
