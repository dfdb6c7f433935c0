"""Turning the raw bytes of an HTTP payload into text.

The order follows the WHATWG HTML "determining the character encoding" algorithm
(https://html.spec.whatwg.org/multipage/parsing.html#determining-the-character-encoding):
a byte-order mark wins, then the HTTP ``Content-Type`` charset, then a ``<meta charset>`` or
``<meta http-equiv=Content-Type>`` in the first 4 KiB, then detection (charset_normalizer, only
as a fallback: it is slow), then UTF-8 with replacement. Labels are mapped as browsers map them
(``iso-8859-1``/``ascii`` mean windows-1252). Undecodable bytes never raise. A body declared UTF-8
that is UTF-8 but for a few bad sequences (a page cut mid-character) is decoded as UTF-8 with
replacement, as browsers do, rather than sent to detection.

:func:`looks_binary` flags bodies labelled text/html that are really binary (images, archives):
a high share of NUL/control bytes in the first 4 KiB.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9._:\-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]{0,512}?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:\-]+)", re.I)
# WHATWG label aliases that differ from Python's codec of the same name.
_ALIASES = {
    "iso-8859-1": "windows-1252",
    "iso8859-1": "windows-1252",
    "latin1": "windows-1252",
    "latin-1": "windows-1252",
    "l1": "windows-1252",
    "us-ascii": "windows-1252",
    "ascii": "windows-1252",
    "iso-8859-9": "windows-1254",
    "tis-620": "cp874",
    "x-sjis": "shift_jis",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-user-defined": "windows-1252",
    "utf-16": "utf-16-le",
    "unicode": "utf-16-le",
}
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def normalize_encoding(label: str | None) -> str | None:
    """A Python codec name for an encoding label, or None if it is unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return None
    # A page that declares UTF-16 in a <meta> cannot really be UTF-16 (the meta was ASCII).
    return _ALIASES.get(name, name)


def charset_from_header(content_type_header: str | None) -> str | None:
    if not content_type_header:
        return None
    m = _HEADER_CHARSET.search(content_type_header)
    return normalize_encoding(m.group(1)) if m else None


def charset_from_meta(head: bytes) -> str | None:
    m = _META_CHARSET.search(head)
    if not m:
        return None
    enc = normalize_encoding(m.group(1).decode("ascii", "ignore"))
    if enc and enc.startswith("utf-16"):
        return "utf-8"  # WHATWG: a meta declaring UTF-16 means UTF-8
    return enc


def looks_binary(body: bytes, sample: int = 4096, max_ratio: float = 0.1) -> bool:
    """True if the first bytes are mostly NUL/control bytes (not a text document)."""
    head = body[:sample]
    if not head:
        return False
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    n_ctrl = len(head) - len(head.translate(None, _CONTROL))
    return b"\x00" in head[:512] and n_ctrl > 4 or n_ctrl / len(head) > max_ratio


def _try(body: bytes, enc: str) -> str | None:
    try:
        return body.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(body: bytes, content_type_header: str | None) -> tuple[str, str]:
    """Decode an HTML payload; returns ``(text, encoding used)`` and never raises."""
    text, enc, _exact = _decode(body, content_type_header)
    return text, enc


def parser_input(body: bytes, content_type_header: str | None) -> tuple[str | bytes, str]:
    """What to hand the HTML parser, and the encoding used: :func:`decode_html`'s text, or the body
    itself where that text is the body read as strict UTF-8 (almost every page: 1,307 of WCXB's
    1,310).

    Lexbor parses UTF-8 bytes; given a ``str``, selectolax encodes it back to UTF-8 first. A strict
    UTF-8 decode round-trips exactly, so those bytes are the body's own, and passing the body skips
    a copy of the page (WCXB: about 4% of extraction CPU) for the same tree.
    """
    text, enc, exact = _decode(body, content_type_header)
    return (body if exact else text), enc


def _decode(body: bytes, content_type_header: str | None) -> tuple[str, str, bool]:
    """``(text, encoding used, whether text is exactly body decoded as strict UTF-8)``."""
    if not body:
        return "", "utf-8", False
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(enc, "replace"), enc, False
    declared = charset_from_header(content_type_header) or charset_from_meta(body[:4096])
    if declared:
        text = _try(body, declared)
        if text is not None:
            return text, declared, declared == "utf-8"
        if declared == "utf-8" and _mostly_utf8(body):
            return body.decode("utf-8", "replace"), "utf-8", False
        if declared != "utf-8":
            text = _try(body, "utf-8")
            if text is not None:
                return text, "utf-8", True
        if not declared.startswith("utf"):
            return body.decode(declared, "replace"), declared, False
    text = _try(body, "utf-8")
    if text is not None:
        return text, "utf-8", True
    enc = _detect(body)
    if enc:
        return body.decode(enc, "replace"), enc, False
    return body.decode("utf-8", "replace"), "utf-8", False


def _mostly_utf8(body: bytes) -> bool:
    """At most 4 invalid UTF-8 sequences, or no more of them than valid multi-byte characters.

    A legacy-encoded page mislabelled UTF-8 has an invalid sequence at almost every non-ASCII
    byte and hardly any valid multi-byte character, so it still goes to detection.
    """
    text = body.decode("utf-8", "replace")
    bad = text.count("\ufffd") - body.count(b"\xef\xbf\xbd")
    if bad <= 4:
        return True
    multibyte = len(text) - len(text.encode("ascii", "ignore")) - bad
    return bad <= multibyte


def _detect(body: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - charset_normalizer ships with requests
        return "windows-1252"
    best = from_bytes(body[:65536]).best()
    return normalize_encoding(best.encoding) if best is not None else "windows-1252"
