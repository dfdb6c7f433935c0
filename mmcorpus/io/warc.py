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
from mmcorpus.ledger import CountFn, no_count

log = logging.getLogger(__name__)

STAGE = "warc"
HTML_TYPES = ("text/html", "application/xhtml+xml")
SNIFF_TYPES = ("", "text/plain", "application/octet-stream", "unknown/unknown", "application/unknown")
_HTML_SNIFF = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]", re.I | re.S)
_IMAGE_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"RIFF", "image/webp"),  # confirmed below by the WEBP tag
    (b"BM", "image/bmp"),
)
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
    for magic, kind in _IMAGE_MAGIC:
        if head.startswith(magic):
            if kind == "image/webp" and head[8:12] != b"WEBP":
                continue
            return kind
    return None


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
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except Exception as e:
            # The header or gzip framing of the next record is broken: the rest of the file
            # cannot be trusted. One error, naming where it happened.
            count(f"{STAGE}/records_read")
            count(f"{STAGE}/error:{_error_reason(e)}")
            log.warning("%s: reading stopped near offset %d: %s", path, last_offset, e)
            return
        count(f"{STAGE}/records_read")
        try:
            out, raw = _handle_record(path, it, record, cfg, count)
        except Exception as e:
            count(f"{STAGE}/error:{_error_reason(e)}")
            log.warning("%s: record at offset %d unreadable: %s", path, it.get_record_offset(), e)
            return
        if raw is not None:
            last_offset = max(0, raw.provenance.offset + raw.provenance.length)
        if with_raw and raw is not None:
            yield raw
        if out is not None:
            yield out


def _error_reason(e: Exception) -> str:
    text = f"{type(e).__name__} {e}".lower()
    if "gzip" in text or "zlib" in text or "crc" in text or "compress" in text or "isal" in text:
        return "corrupt_gzip"
    if isinstance(e, EOFError) or "truncat" in text or "eof" in text:
        return "truncated"
    if "archiveloadfailed" in text or "unknown archive format" in text:
        return "corrupt_record"
    return "corrupt_record"


def _handle_record(path, it, record, cfg: WarcConfig, count: CountFn):
    """Returns (HtmlRecord | ImageRecord | None, RawRecord). Exactly one outcome is counted."""
    warc_type = (record.rec_type or "").lower()
    url = normalise_target_uri(record.rec_headers.get_header("WARC-Target-URI"))
    status = _status_of(record)
    ctype = _content_type_of(record)
    declared = _declared_length(record)

    def finish(reason_kind: str | None, reason: str | None, payload=None):
        it.read_to_end(record)
        offset, length = it.get_record_offset(), it.get_record_length()
        raw = RawRecord(warc_type, url, status, ctype, declared, _provenance(path, record, offset, length))
        if reason_kind is not None:
            count(f"{STAGE}/{reason_kind}:{reason}")
        return raw

    if warc_type in SKIPPED_TYPES:
        return None, finish("skipped", warc_type)
    if warc_type not in ("response", "resource"):
        return None, finish("skipped", "other_record_type")
    if warc_type == "response" and record.http_headers is None:
        # a response that is not HTTP (dns:, whois:, ftp listings) holds no page for us
        return None, finish("skipped", "not_http")
    status_reason = classify_status(status)
    if status_reason:
        return None, finish("skipped", status_reason)

    is_html = ctype in HTML_TYPES
    is_image = ctype.startswith("image/")
    if not (is_html or is_image or ctype in SNIFF_TYPES):
        return None, finish("skipped", "other_content_type")
    limit = cfg.max_record_bytes if not is_image else cfg.max_image_record_bytes
    if declared > 4 * limit:  # a cheap early check; compressed payloads are capped after reading
        return None, finish("skipped", "too_large")
    if is_image and not cfg.keep_images:
        return None, finish("skipped", "image_not_kept")

    try:
        body = _read_body(record, limit)
    except Exception:
        # A Content-Encoding or chunking that does not decode: the payload is unusable.
        return None, finish("error", "bad_content_encoding")
    if len(body) > limit:
        return None, finish("skipped", "too_large")
    if not body:
        return None, finish("skipped", "empty_payload")

    if not (is_html or is_image):  # header missing or generic: sniff the bytes
        sniffed = sniff_image_type(body[:16])
        if sniffed:
            is_image, ctype = True, sniffed
        elif looks_like_html(body):
            is_html, ctype = True, "text/html"
        else:
            return None, finish("skipped", "other_content_type")
    elif is_html:
        sniffed = sniff_image_type(body[:16])
        if sniffed:  # image bytes labelled text/html
            is_html, is_image, ctype = False, True, sniffed

    raw = finish(None, None)
    prov = raw.provenance
    if is_image:
        count(f"{STAGE}/images")
        return ImageRecord(url=url, body=body, content_type=ctype, provenance=prov), raw
    count(f"{STAGE}/pages")
    headers = {}
    if record.http_headers is not None:
        for k, v in record.http_headers.headers:
            headers.setdefault(k.lower(), v)
    elif record.rec_headers.get_header("Content-Type"):
        headers["content-type"] = record.rec_headers.get_header("Content-Type")
    return (
        HtmlRecord(url=url, body=body, status=status, content_type=ctype, http_headers=headers, provenance=prov),
        raw,
    )
