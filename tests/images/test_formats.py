import io

import pytest
from PIL import Image

from mmcorpus.images.formats import sniff_image


@pytest.mark.parametrize("fmt,expected", [("JPEG", ("jpg", "image/jpeg")), ("PNG", ("png", "image/png")),
                                          ("GIF", ("gif", "image/gif")), ("WEBP", ("webp", "image/webp")),
                                          ("BMP", ("bmp", "image/bmp"))])
def test_real_encodings_are_recognised(fmt, expected):
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 30)).save(buf, fmt)
    assert sniff_image(buf.getvalue()[:16]) == expected


def test_not_images():
    assert sniff_image(b"RIFF\x00\x00\x00\x00WAVEfmt ") is None  # a RIFF that is not WEBP
    assert sniff_image(b"<!doctype html>") is None and sniff_image(b"") is None
