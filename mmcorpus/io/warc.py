"""Reading WARC and ARC files into HtmlRecords and ImageRecords, with every record accounted for.

One WARC file is read sequentially (gzip members are not indexed, so a file is the unit of
parallelism). For each record we decide, cheaply and from headers first, where it goes:

* ``response`` / ``resource`` records with an HTML payload become :class:`HtmlRecord`
  (``text/html`` and ``application/xhtml+xml`` by header; a payload that *looks* like HTML is
  taken even when the header says ``text/plain`` or ``application/octet-stream``).
* ``image/*`` payloads become :class:`ImageRecord`, kept so documents can be joined to the bytes
  of the images they reference (web-archive WARCs hold both).
* everything else is skipped with a named reason: ``warcinfo``, ``request``, ``metadata``,
  ``revisit`` (deduplicated captures carry no payload), ``conversion``, ``continuation``,
  ``http_3xx``/``http_4xx``/``http_5xx``/``http_other`` (status other than 200),
  ``other_content_type``, ``too_large``, ``empty_payload``.
* a record that cannot be read is an error with a named reason; a truncated or corrupt file ends
  that file's reading with one counted error naming the file and offset, and the job goes on.

Truncation. A record whose bytes end before its declared ``Content-Length`` (or, in a gzipped
WARC, whose gzip member ends before its trailer) was cut by the end of the file: it is the error
``truncated_record``, never a shorter page, and the file counts once in ``warc/truncated_files``.
A record header cut by the end of the file is ``truncated_record`` too. The ``WARC-Truncated``
header (WARC 1.1 section 5.13; Common Crawl sets ``length`` on payloads cut at 1 MiB) is a
different thing: the record is whole, its payload is a prefix of the page. Such a page is kept,
because the first MiB of a page holds its start, where the main content usually is, and the
parser closes what the cut left open; it is counted as ``warc/warc_truncated:<reason>``. An image
record so flagged is skipped (``truncated_image``): a cut image never decodes whole.

The ledger identity (tested on every real edge-case file):
``records_read == pages + images + skipped(all reasons) + errors(all reasons)``.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from mmcorpus.config import WarcConfig
from mmcorpus.data import HtmlRecord, ImageRecord, Provenance
from mmcorpus.images.formats import sniff_image
from mmcorpus.ledger import CountFn, no_count

log = logging.getLogger(__name__)

STAGE = "warc"
HTML_TYPES = ("text/html", "application/xhtml+xml")
SNIFF_TYPES = ("", "text/plain", "application/octet-stream", "unknown/unknown", "application/unknown")
_HTML_SNIFF = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]", re.I | re.S)
SKIPPED_TYPES = {"warcinfo", "request", "metadata", "revisit", "conversion", "continuation"}


@dataclass
class RawRecord:
    """What the header pass learns about one record (used by ``warc-stats`` too)."""

    warc_type: str
    url: str
    status: int | None
    content_type: str  # media type only, lower-case, no parameters
    declared_length: int
    provenance: Provenance


def normalise_target_uri(uri: str | None) -> str:
    """``<https://x>`` (wget) -> ``https://x``; surrounding whitespace and inner spaces fixed."""
    if not uri:
        return ""
    uri = uri.strip()
    if uri.startswith("<") and uri.endswith(">"):
        uri = uri[1:-1].strip()
    return uri.replace(" ", "%20")


def media_type(content_type: str | None) -> str:
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def sniff_image_type(head: bytes) -> str | None:
    """The MIME type of the image format these bytes start (:mod:`mmcorpus.images.formats`), or None."""
    found = sniff_image(head)
    return found[1] if found else None


def looks_like_html(head: bytes) -> bool:
    return bool(_HTML_SNIFF.match(head[:2048]))


def classify_status(status: int | None) -> str | None:
    """None for a usable status (200, or no HTTP envelope at all), else the skip reason."""
    if status is None or status == 200:
        return None
    if 300 <= status < 400:
        return "http_3xx"
    if 400 <= status < 500:
        return "http_4xx"
    if 500 <= status < 600:
        return "http_5xx"
    return "http_other"


def _status_of(record) -> int | None:
    if record.http_headers is None:
        return None
    code = record.http_headers.get_statuscode()
    try:
        return int(code)
    except (TypeError, ValueError):
        return None


def _content_type_of(record) -> str:
    if record.http_headers is not None:
        ct = record.http_headers.get_header("Content-Type")
        if ct:
            return media_type(ct)
        return ""
    return media_type(record.rec_headers.get_header("Content-Type"))


def _declared_length(record) -> int:
    try:
        return int(record.rec_headers.get_header("Content-Length") or 0)
    except ValueError:
        return 0


def _read_body(record, limit: int) -> bytes:
    """The payload with transfer and content encodings undone, at most ``limit + 1`` bytes.

    Reading one byte more than allowed tells the caller the payload is too large; decoding is
    lazy, so a compression bomb is never inflated past the cap. Brotli is decoded here rather
    than by warcio, whose brotli path breaks with brotli >= 1.2 (no ``unused_data``).
    """
    headers = record.http_headers
    encoding = (headers.get_header("Content-Encoding") or "").strip().lower() if headers else ""
    if encoding != "br":
        return record.content_stream().read(limit + 1)
    from warcio.bufferedreaders import ChunkedDataReader

    stream = record.raw_stream
    if (headers.get_header("Transfer-Encoding") or "").strip().lower() == "chunked":
        stream = ChunkedDataReader(stream, decomp_type=None)
    import brotli

    decoder = brotli.Decompressor()
    out = bytearray()
    while len(out) <= limit:
        chunk = stream.read(65536)
        if not chunk:
            break
        out += decoder.process(chunk, output_buffer_limit=limit + 1 - len(out) + 1)
        while len(out) <= limit and not decoder.can_accept_more_data():
            more = decoder.process(b"", output_buffer_limit=limit + 1 - len(out) + 1)
            if not more:
                break
            out += more
    return bytes(out[: limit + 1])


def _provenance(path: str, record, offset: int, length: int) -> Provenance:
    h = record.rec_headers
    return Provenance(
        warc_file=path,
        offset=offset,
        length=length,
        record_id=(h.get_header("WARC-Record-ID") or "").strip("<>") or f"{path}@{offset}",
        fetch_date=h.get_header("WARC-Date"),
    )


def iter_warc(
    path: str,
    cfg: WarcConfig | None = None,
    count: CountFn = no_count,
    *,
    with_raw: bool = False,
) -> Iterator[HtmlRecord | ImageRecord | RawRecord]:
    """Yield the pages and image records of one WARC/ARC file, counting every record.

    With ``with_raw=True`` every record's :class:`RawRecord` header summary is yielded as well
    (before the page or image it may become), which ``warc-stats`` uses for its tables.
    """
    from mmcorpus.io.inputs import open_input  # local: keeps fsspec off the import path of workers

    cfg = cfg or WarcConfig()
    count(f"{STAGE}/files")
    try:
        stream = open_input(path)
    except Exception as e:  # unreadable file: one counted error, never a crashed job
        log.warning("cannot open %s: %s", path, e)
        count(f"{STAGE}/records_read")
        count(f"{STAGE}/error:unreadable_file")
        return
    with stream:
        yield from _iter_stream(path, stream, cfg, count, with_raw)


_ARC_HEADER = re.compile(rb"^\S+ \S+ \d{12,14} \S* \d+\s*$")


def sniff_archive_format(head: bytes) -> str | None:
    """'warc', 'arc' or None, from the first bytes of a file (gzip members are inflated)."""
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 4096)
        except zlib.error:
            return None
    head = head.lstrip(b"\r\n")
    if head.startswith(b"WARC/"):
        return "warc"
    first_line = head.split(b"\n", 1)[0].rstrip(b"\r")
    if head.startswith(b"filedesc://") or _ARC_HEADER.match(first_line):
        return "arc"
    return None


def _cut_in_first_header(head: bytes) -> bool:
    """A whole file shorter than its first header line: a proper prefix of ``WARC/`` (inflated
    when gzipped), or a gzip member whose first bytes do not yet inflate to anything."""
    if not head or len(head) >= 8192:
        return False
    if head[:2] == b"\x1f\x8b" or head == b"\x1f":
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 4096)
        except zlib.error:
            return False
    head = head.lstrip(b"\r\n")
    return len(head) < 5 and b"WARC/".startswith(head)


_FAST_INFLATE: bool | None = None


def use_fast_inflate() -> bool:
    """Inflate gzip members with ISA-L (``isal``, PSF-2.0) instead of zlib when it is installed.

    Decompression is half of the time warcio spends reading a Common Crawl WARC; ISA-L's inflate
    measured 1.8x faster than zlib's on the eval WARC (docs/benchmarks.md). It registers in
    warcio's decompressor table, so WARC members and ``Content-Encoding: gzip`` bodies both use
    it; without ``isal`` nothing changes.
    """
    global _FAST_INFLATE
    if _FAST_INFLATE is None:
        try:
            from isal import isal_zlib
            from warcio.bufferedreaders import BufferedReader
        except ImportError:
            _FAST_INFLATE = False
        else:
            wbits = 16 + isal_zlib.MAX_WBITS
            BufferedReader.DECOMPRESSORS["gzip"] = lambda: isal_zlib.decompressobj(wbits)
            _FAST_INFLATE = True
    return _FAST_INFLATE


def _iter_stream(path, stream, cfg: WarcConfig, count: CountFn, with_raw: bool):
    from warcio.archiveiterator import ArchiveIterator

    use_fast_inflate()
    # warcio accepts almost any text as an ARC header line; check the format before trusting it.
    try:
        head = stream.read(8192)
        stream.seek(0)
    except Exception:
        head = b""
    if sniff_archive_format(head) is None:
        count(f"{STAGE}/records_read")
        if _cut_in_first_header(head):
            count(f"{STAGE}/error:truncated_record")
            count(f"{STAGE}/truncated_files")
            log.warning("%s: cut off inside its first record header (%d bytes)", path, len(head))
            return
        count(f"{STAGE}/error:not_a_warc")
        log.warning("%s: not a WARC or ARC file (first bytes %r)", path, head[:40])
        return
    try:
        it = ArchiveIterator(stream, arc2warc=True)
        records = iter(it)
    except Exception as e:
        count(f"{STAGE}/records_read")
        count(f"{STAGE}/error:not_a_warc")
        log.warning("%s: not a WARC/ARC file: %s", path, e)
        return
    last_offset = 0
    truncated_file = False
    while True:
        try:
            record = next(records)
        except StopIteration:
            if _leftover(stream, last_offset):
                # bytes after the last whole record that warcio read as nothing: a header cut
                # before its first full line (a plain WARC ends "WARC/1." or "WARC-Type: re")
                count(f"{STAGE}/records_read")
                count(f"{STAGE}/error:truncated_record")
                truncated_file = True
                log.warning("%s: the record at offset %d is cut off in its header", path, last_offset)
            break
        except Exception as e:
            # The header or gzip framing of the next record is broken: the rest of the file
            # cannot be trusted. One error, naming where it happened. When the file ends right
            # there, the record's header was cut off: a truncated record, not a corrupt one.
            reason = _error_reason(e)
            if reason == "corrupt_record" and _at_eof(stream):
                reason = "truncated_record"
            count(f"{STAGE}/records_read")
            count(f"{STAGE}/error:{reason}")
            truncated_file = truncated_file or reason in ("truncated_record", "truncated")
            log.warning("%s: reading stopped near offset %d: %s", path, last_offset, e)
            break
        count(f"{STAGE}/records_read")
        try:
            out, raw, cut = _handle_record(path, it, record, cfg, count, stream)
        except Exception as e:
            count(f"{STAGE}/error:{_error_reason(e)}")
            log.warning("%s: record at offset %d unreadable: %s", path, it.get_record_offset(), e)
            break
        if cut:
            truncated_file = True
            log.warning("%s: record at offset %d is cut short (%s)", path, raw.provenance.offset, cut)
        if raw is not None:
            last_offset = max(0, raw.provenance.offset + raw.provenance.length)
        if with_raw and raw is not None:
            yield raw
        if out is not None:
            yield out
    if truncated_file:
        count(f"{STAGE}/truncated_files")


def _leftover(stream, end: int) -> bool:
    """Whether the file holds more than blank lines or zero padding after byte ``end``."""
    try:
        stream.seek(end)
        rest = stream.read(65536)
    except Exception:  # noqa: BLE001 - an unseekable stream: nothing more can be learned
        return False
    return bool(rest.strip(b"\r\n\t \0"))


def _at_eof(stream) -> bool:
    """Whether the file has no bytes left (warcio reads ahead, so a header cut by the end of the
    file has left the stream at its end); never raises."""
    try:
        return not stream.read(1)
    except Exception:  # noqa: BLE001 - an unreadable stream is no evidence of a cut
        return False


def _cut_short(it, record, stream) -> str | None:
    """Why a record that has been read to its end holds fewer bytes than its header declares.

    ``Content-Length`` bounds the record block (warcio wraps it in a ``LimitReader``); bytes still
    owed after reading to the end mean the file stopped inside the record. In a gzipped WARC the
    record's gzip member must also end (its CRC trailer read): a member cut in its trailer has
    every payload byte, but the file is still cut inside the record. A WARC record must declare its
    length (WARC 1.1 section 5.3); one that does not and ends the file had its header cut off
    before that value. None when complete.
    """
    from warcio.limitreader import LimitReader

    raw = record.raw_stream
    declared = (record.rec_headers.get_header("Content-Length") or "").strip()
    if record.format == "warc" and not declared.isdigit() and _at_eof(stream):
        return "header cut before its Content-Length value"
    if isinstance(raw, LimitReader) and raw.limit > 0:
        return f"{raw.limit} of {raw._orig_limit} declared bytes missing"
    decompressor = getattr(it.reader, "decompressor", None) if it.reader is not None else None
    if decompressor is not None and getattr(decompressor, "eof", True) is False:
        return "gzip member ends before its trailer"
    return None


def _error_reason(e: Exception) -> str:
    text = f"{type(e).__name__} {e}".lower()
    if "gzip" in text or "zlib" in text or "crc" in text or "compress" in text or "isal" in text:
        return "corrupt_gzip"
    if isinstance(e, EOFError) or "truncat" in text or "eof" in text:
        return "truncated"
    if "archiveloadfailed" in text or "unknown archive format" in text:
        return "corrupt_record"
    return "corrupt_record"


def _handle_record(path, it, record, cfg: WarcConfig, count: CountFn, stream):
    """Returns (HtmlRecord | ImageRecord | None, RawRecord, why the record is cut or None).

    Exactly one outcome is counted. A record cut short by the end of the file is the error
    ``truncated_record`` whatever it would otherwise have become: its payload is a prefix that
    parses as a shorter page, and passing it on would hide the damage.
    """
    kind, reason, body, ctype = _route(record, cfg)
    it.read_to_end(record)
    offset, length = it.get_record_offset(), it.get_record_length()
    warc_type = (record.rec_type or "").lower()
    url = normalise_target_uri(record.rec_headers.get_header("WARC-Target-URI"))
    raw = RawRecord(warc_type, url, _status_of(record), _content_type_of(record), _declared_length(record),
                    _provenance(path, record, offset, length))
    cut = _cut_short(it, record, stream)
    if cut:
        count(f"{STAGE}/error:truncated_record")
        return None, raw, cut
    if kind is not None:
        count(f"{STAGE}/{kind}:{reason}")
        return None, raw, None
    prov = raw.provenance
    flag = (record.rec_headers.get_header("WARC-Truncated") or "").strip().lower()
    if flag:
        # Common Crawl stores at most 1 MiB of payload and says so here; such a page is kept
        # (its start, where the content usually is, parses) and the flag is counted.
        count(f"{STAGE}/warc_truncated:{_flag_reason(flag)}")
    if ctype.startswith("image/"):
        count(f"{STAGE}/images")
        return ImageRecord(url=url, body=body, content_type=ctype, provenance=prov), raw, None
    count(f"{STAGE}/pages")
    headers = {}
    if record.http_headers is not None:
        for k, v in record.http_headers.headers:
            headers.setdefault(k.lower(), v)
    elif record.rec_headers.get_header("Content-Type"):
        headers["content-type"] = record.rec_headers.get_header("Content-Type")
    return (
        HtmlRecord(url=url, body=body, status=raw.status, content_type=ctype, http_headers=headers, provenance=prov),
        raw,
        None,
    )


_FLAG_REASONS = ("length", "time", "disconnect", "unspecified")


def _flag_reason(flag: str) -> str:
    """WARC 1.1 section 5.13 names four ``WARC-Truncated`` reasons; anything else is ``other``."""
    return flag if flag in _FLAG_REASONS else "other"


def _route(record, cfg: WarcConfig) -> tuple[str | None, str | None, bytes | None, str]:
    """Where a record goes, decided from its headers and (for candidates) its payload.

    Returns ``(kind, reason, None, ctype)`` for a skip or error (``kind`` "skipped"/"error"), or
    ``(None, None, body, ctype)`` for a page (``ctype`` text/html or application/xhtml+xml) or an
    image (``ctype`` image/*). Nothing is counted here: the caller first checks the record is whole.
    """
    warc_type = (record.rec_type or "").lower()
    ctype = _content_type_of(record)

    if warc_type in SKIPPED_TYPES:
        return "skipped", warc_type, None, ctype
    if warc_type not in ("response", "resource"):
        return "skipped", "other_record_type", None, ctype
    if warc_type == "response" and record.http_headers is None:
        # a response that is not HTTP (dns:, whois:, ftp listings) holds no page for us
        return "skipped", "not_http", None, ctype
    status_reason = classify_status(_status_of(record))
    if status_reason:
        return "skipped", status_reason, None, ctype

    is_html = ctype in HTML_TYPES
    is_image = ctype.startswith("image/")
    if not (is_html or is_image or ctype in SNIFF_TYPES):
        return "skipped", "other_content_type", None, ctype
    limit = cfg.max_record_bytes if not is_image else cfg.max_image_record_bytes
    if _declared_length(record) > 4 * limit:  # a cheap early check; compressed payloads are capped after reading
        return "skipped", "too_large", None, ctype
    if is_image and not cfg.keep_images:
        return "skipped", "image_not_kept", None, ctype

    try:
        body = _read_body(record, limit)
    except Exception:
        # A Content-Encoding or chunking that does not decode: the payload is unusable.
        return "error", "bad_content_encoding", None, ctype
    if len(body) > limit:
        return "skipped", "too_large", None, ctype
    if not body:
        return "skipped", "empty_payload", None, ctype

    if not (is_html or is_image):  # header missing or generic: sniff the bytes
        sniffed = sniff_image_type(body[:16])
        if sniffed:
            is_image, ctype = True, sniffed
        elif looks_like_html(body):
            is_html, ctype = True, "text/html"
        else:
            return "skipped", "other_content_type", None, ctype
    elif is_html:
        sniffed = sniff_image_type(body[:16])
        if sniffed:  # image bytes labelled text/html
            is_html, is_image, ctype = False, True, sniffed
    if is_image and (record.rec_headers.get_header("WARC-Truncated") or "").strip():
        # a cut image never decodes whole; a partial decode would be half an image
        return "skipped", "truncated_image", None, ctype
    return None, None, body, ctype
