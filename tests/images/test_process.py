import io
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_DATA, shared
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from mmcorpus.config import ImageConfig
from mmcorpus.images.process import REASONS, ProcessedImage, phash_distance, process_image
from mmcorpus.ledger import Ledger

SHARED = SHARED_DATA
IMAGE_DIRS = ["images-pillow-testimages", "images-scikit-image", "images-web-from-warcs", "images-kodak24"]


def need_shared(sub: str) -> Path:
    return shared(sub)


def encode(im: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def png_header_only(w: int, h: int) -> bytes:
    """A PNG that declares w x h (8-bit grey) but carries one tiny IDAT: a bomb-shaped header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


def gradient(w: int, h: int) -> Image.Image:
    im = Image.linear_gradient("L").resize((w, h))
    return Image.merge("RGB", (im, im.transpose(Image.Transpose.ROTATE_90).resize((w, h)), im))


def run(data: bytes, cfg: ImageConfig | None = None) -> tuple[ProcessedImage | None, str | None, Ledger]:
    led = Ledger()
    img, reason = process_image(data, cfg or ImageConfig(), led)
    return img, reason, led


def test_kept_png_is_reencoded_jpeg_without_metadata():
    data = encode(gradient(200, 100))
    img, reason, led = run(data)
    assert reason is None and led.to_dict() == {"image/kept": 1}
    assert (img.width, img.height, img.original_width, img.original_height) == (200, 100, 200, 100)
    assert img.original_format == "PNG" and img.n_bytes == len(data) and len(img.phash) == 16
    out = Image.open(io.BytesIO(img.jpeg))
    assert out.format == "JPEG" and out.mode == "RGB" and out.size == (200, 100)
    assert "exif" not in out.info and "icc_profile" not in out.info
    assert process_image(data, ImageConfig())[0].jpeg == img.jpeg  # deterministic bytes


def test_resize_longer_side():
    img, _, _ = run(encode(gradient(3000, 1500)), ImageConfig(max_side=512))
    assert (img.width, img.height) == (512, 256)
    assert (img.original_width, img.original_height) == (3000, 1500)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "undecodable"),
        (b"not an image at all", "undecodable"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>', "unsupported_format"),
        (encode(gradient(63, 200)), "too_small"),
        (encode(gradient(500, 100)), "bad_aspect_ratio"),
        (encode(Image.new("RGB", (100, 100), (10, 200, 30))), "single_colour"),
        (encode(Image.new("RGB", (100, 100), (10, 200, 30)), "JPEG", quality=75), "single_colour"),
        (encode(gradient(100, 100))[:300], "undecodable"),  # truncated PNG
        (encode(gradient(300, 300), "JPEG")[:-600], "undecodable"),  # truncated JPEG
    ],
)
def test_drop_reasons(data, reason):
    img, got, led = run(data)
    assert img is None and got == reason
    assert got in REASONS and led.to_dict() == {f"image/dropped:{reason}": 1}


def test_too_many_bytes_checked_first():
    _, reason, _ = run(encode(gradient(200, 200)), ImageConfig(max_bytes=100))
    assert reason == "too_many_bytes"


def test_unsupported_format_is_identified_not_decoded():
    data = encode(gradient(100, 100), "PPM")
    assert run(data)[1] == "unsupported_format"


def test_pixel_cap_before_decode():
    # A PNG whose header declares 20000x20000 but holds almost no data: never decoded.
    data = png_header_only(20000, 20000)
    _, reason, _ = run(data, ImageConfig(max_pixels=10_000_000))
    assert reason == "decompression_bomb"


def test_pil_bomb_error_with_warnings_as_errors():
    data = png_header_only(10000, 10000)  # 100 MP > PIL's MAX_IMAGE_PIXELS (warning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, reason, _ = run(data, ImageConfig(max_pixels=10**9))
    assert reason == "decompression_bomb"
    assert Image.MAX_IMAGE_PIXELS == 89_478_485  # global state untouched


def test_exif_orientation_applied():
    im = gradient(200, 100)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees
    img, reason, _ = run(encode(im, "JPEG", exif=exif.tobytes()))
    assert reason is None and (img.width, img.height) == (100, 200)
    assert (img.original_width, img.original_height) == (200, 100)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "CMYK", "I;16", "I", "L", "1"])
def test_modes_convert_to_rgb(mode):
    im = gradient(128, 128).convert("RGBA" if mode in ("RGBA", "LA") else "RGB")
    if mode == "I;16":
        im = Image.fromarray(np.asarray(im.convert("L"), dtype="uint16") * 257)
    fmt = "TIFF" if mode in ("CMYK", "I;16", "I") else "PNG"
    img, reason, _ = run(encode(im if mode == "I;16" else im.convert(mode), fmt))
    assert reason in (None, "single_colour") if mode == "1" else reason is None
    if img:
        out = Image.open(io.BytesIO(img.jpeg))
        assert out.mode == "RGB"
        if mode != "1":  # 16-bit and CMYK are scaled, not clipped: the gradient's mean stays mid-grey
            assert 80 < np.asarray(out).mean() < 180


def test_transparent_palette_composited_on_white():
    im = Image.new("P", (100, 100), 0)
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    im.paste(1, (0, 0, 50, 100))
    img, reason, _ = run(encode(im, "PNG", transparency=0))
    assert reason is None
    px = Image.open(io.BytesIO(img.jpeg)).getpixel((90, 50))
    assert min(px) > 240  # transparent half is white, not black


def test_phash_distance():
    base = Image.fromarray(np.random.default_rng(0).integers(0, 255, (12, 18, 3), dtype=np.uint8))
    a, _, _ = run(encode(base.resize((300, 200), Image.Resampling.BILINEAR)))
    b, _, _ = run(encode(base.resize((150, 100), Image.Resampling.BILINEAR), "JPEG"))
    c, _, _ = run(encode(base.transpose(Image.Transpose.ROTATE_180).resize((300, 200))))
    assert phash_distance(a.phash, a.phash) == 0
    assert phash_distance(a.phash, b.phash) <= 6
    assert phash_distance(a.phash, c.phash) >= 16
    assert phash_distance("ff", "00") == 8
    with pytest.raises(ValueError):
        phash_distance("ff", "fff")


PNG_HEAD = encode(gradient(80, 80))[:64]
JPEG_HEAD = encode(gradient(80, 80), "JPEG")[:400]
GIF_HEAD = encode(gradient(80, 80).convert("P"), "GIF")[:64]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from([b"", PNG_HEAD, JPEG_HEAD, GIF_HEAD, b"BM", b"RIFF\x00\x00\x00\x00WEBP"]),
       tail=st.binary(max_size=2048))
def test_never_raises_on_random_bytes(prefix, tail):
    led = Ledger()
    img, reason = process_image(prefix + tail, ImageConfig(), led)
    assert (img is None) != (reason is None)
    assert sum(led.counts.values()) == 1


@pytest.mark.realdata
@pytest.mark.parametrize("sub", IMAGE_DIRS)
def test_real_files_end_in_output_or_counted_drop(sub):
    folder = need_shared(sub)
    led = Ledger()
    files = [p for p in sorted(folder.rglob("*")) if p.is_file()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for p in files:
            img, reason = process_image(p.read_bytes(), ImageConfig(), led)
            assert (img is None) != (reason is None), p
            if "decompression_bomb" in p.name:
                assert reason == "decompression_bomb", p
    assert sum(led.counts.values()) == len(files)
    assert led.get("image/kept") > 0


@pytest.mark.realdata
def test_real_single_colour_agrees_with_index_flag():
    folder = need_shared("images-web-from-warcs")
    import csv

    cfg = ImageConfig(min_side=1, min_aspect_ratio=0, max_aspect_ratio=1e9)
    with open(folder / "index.tsv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    agree = total = 0
    for r in rows:
        if r["decode_error"]:
            continue
        _, reason = process_image((folder / r["file"]).read_bytes(), cfg)
        total += 1
        agree += (reason == "single_colour") == (r["single_colour"] == "True")
    assert total > 100 and agree / total >= 0.95
