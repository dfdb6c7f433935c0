"""Image formats by their first bytes (magic numbers): the one sniffing table.

Used where a content type is missing or untrusted: WARC records with a generic or absent
``Content-Type`` and images read back from shards. Signatures from each format's specification
(JPEG SOI marker, PNG signature, GIF87a/GIF89a, RIFF....WEBP, BMP ``BM``).
"""

from __future__ import annotations

#: (magic prefix, file extension, MIME type)
IMAGE_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"GIF87a", "gif", "image/gif"),
    (b"GIF89a", "gif", "image/gif"),
    (b"RIFF", "webp", "image/webp"),  # confirmed by the WEBP tag at bytes 8-12
    (b"BM", "bmp", "image/bmp"),
    (b"II*\x00", "tif", "image/tiff"),  # little-endian TIFF (process_image decodes TIFF too)
    (b"MM\x00*", "tif", "image/tiff"),  # big-endian TIFF
)


def sniff_image(head: bytes) -> tuple[str, str] | None:
    """(file extension, MIME type) of the image format these first bytes start, or None."""
    for magic, ext, mime in IMAGE_MAGIC:
        if head.startswith(magic):
            if ext == "webp" and head[8:12] != b"WEBP":
                continue
            return ext, mime
    return None
