"""Image processing for hostile bytes: check, decode, normalise, re-encode.

Rules and their sources:

* KOSMOS-1 (Huang et al., 2023, arXiv 2302.14045, section 2.1): images smaller than 64x64 and
  single-coloured images are removed (``too_small``, ``single_colour``).
* Aspect ratio bounds follow LAION/img2dataset practice of dropping banners and strips
  (``bad_aspect_ratio``); OBELICS (Laurençon et al., 2023, section 3.2) uses a ratio of 3.
* Pixel cap: PIL's own decompression-bomb threshold (``Image.MAX_IMAGE_PIXELS``, 89.5 MP).

Safety (docs/architecture.md, "Safety"): the byte count is capped before parsing; the file is opened
lazily and its *declared* size is checked against ``cfg.max_pixels`` before any pixel is decoded,
so a decompression bomb is a counted drop ``decompression_bomb`` and never decoded. PIL's global
``Image.MAX_IMAGE_PIXELS`` and ``ImageFile.LOAD_TRUNCATED_IMAGES`` are left untouched; PIL's own
``DecompressionBombError`` (and its warning, when warnings are turned into errors) is caught and
counted the same way. Truncated files fail to load and are ``undecodable``, never half-accepted:
the image is loaded explicitly before anything else touches it (``getexif()`` on a PNG loads the
image itself and swallows the error, after which a second ``load()`` does nothing).

Memory per image is bounded (issue 14; benchmarks/memory_profile.py, docs/benchmarks.md): a JPEG
is decoded at 1/2, 1/4 or 1/8 scale when that still leaves ``cfg.max_side`` pixels (libjpeg's DCT
scaling, ``Image.draft``); then the decoded size (pixels x bands x bytes per sample) is checked
against ``cfg.max_decoded_bytes`` before decoding (``too_many_decoded_bytes``); 16-bit and float
pixels are mapped to 8 bits a block of rows at a time, never through a whole-image float64 copy.
A 9400x9400 16-bit PNG of 170 KB went from 2.5 GB peak RSS to 39 MB, an 80 Mpx JPEG from 1 GB
to 76 MB; an accepted image peaks at about 2.5x its decoded size.
Only formats whose decoders are web image formats are decoded (:data:`ALLOWED_FORMATS`); anything
else PIL can identify (EPS, which would run Ghostscript, PSD, ICO, ...) is ``unsupported_format``.

Single colour: the decoded RGB image (before resizing) is dropped when every channel's standard
deviation over all pixels is at most ``cfg.single_colour_max_std`` (default 2.0 on a 0-255
scale), computed exactly from PIL's channel histograms. That catches flat fills and near-flat
spacers (JPEG noise on a flat fill has a std under 1), and on the 150 decodable real web images
(``images-web-from-warcs/index.tsv``) it agrees with the index's single-colour flag on 146; the
4 differences are tiny white-on-transparent icons and an alpha fade, which become flat white once
composited on white (and are dropped as ``too_small`` first anyway). A faint 2-pixel dot on black
(std 2.5) or a soft gradient (std 5+) is kept.

Every call ends in a :class:`ProcessedImage` or a counted drop ``image/dropped:<reason>``; it
never raises, whatever the bytes.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import imagehash
import numpy as np
from PIL import Image, ImageOps, ImageStat

from mmcorpus.config import ImageConfig
from mmcorpus.ledger import CountFn, no_count, outcome

# Formats we decode. GIF/WEBP/PNG(APNG)/TIFF/MPO: the first frame is used.
ALLOWED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "GIF", "WEBP", "BMP", "TIFF"})
_OPEN_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")  # PIL plugin ids; JPEG also opens MPO

REASONS = (
    "too_many_bytes",
    "too_many_decoded_bytes",
    "undecodable",
    "decompression_bomb",
    "unsupported_format",
    "too_small",
    "bad_aspect_ratio",
    "single_colour",
)

_ORIENTATION_TAG = 0x0112
_SWAPS_AXES = frozenset({5, 6, 7, 8})  # EXIF orientations that rotate by 90 degrees
_BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)


@dataclass(frozen=True)
class ProcessedImage:
    """A decoded, normalised image and what we know about the original bytes."""

    jpeg: bytes  # RGB baseline JPEG, no metadata
    width: int  # after EXIF orientation and resize
    height: int
    original_width: int  # as declared by the file (before EXIF orientation)
    original_height: int
    original_format: str  # PIL format name, e.g. "JPEG", "PNG"
    sha256: str  # of the original bytes
    phash: str  # imagehash.phash of the processed image, 16 hex digits
    n_bytes: int  # length of the original bytes


def phash_distance(a_hex: str, b_hex: str) -> int:
    """Hamming distance between two perceptual hashes given as hex strings of equal length."""
    if len(a_hex) != len(b_hex):
        raise ValueError(f"hashes differ in length: {len(a_hex)} != {len(b_hex)}")
    return (int(a_hex, 16) ^ int(b_hex, 16)).bit_count()


def process_image(
    data: bytes, cfg: ImageConfig, count: CountFn = no_count
) -> tuple[ProcessedImage | None, str | None]:
    """Check and re-encode one image; returns ``(image, None)`` or ``(None, reason)``."""
    try:
        image, reason = _process(data, cfg)
    except _BOMB_ERRORS:
        image, reason = None, "decompression_bomb"
    except Exception:  # noqa: BLE001 - hostile bytes: any decoder failure is a counted drop
        image, reason = None, "undecodable"
    outcome(count, "image", None if image is not None else reason)
    return image, reason


def _process(data: bytes, cfg: ImageConfig) -> tuple[ProcessedImage | None, str | None]:
    if len(data) > cfg.max_bytes:
        return None, "too_many_bytes"
    if not data:
        return None, "undecodable"
    try:
        im = Image.open(io.BytesIO(data), formats=_OPEN_FORMATS)
    except _BOMB_ERRORS:
        return None, "decompression_bomb"
    except Exception:  # noqa: BLE001
        return None, _unsupported_or_undecodable(data)

    with im:
        fmt = im.format or "UNKNOWN"
        ow, oh = im.size
        if ow <= 0 or oh <= 0:
            return None, "undecodable"
        # Declared size: checked before any pixel is decoded.
        if ow * oh > cfg.max_pixels:
            return None, "decompression_bomb"
        if min(ow, oh) < cfg.min_side:  # orientation swaps the sides, never their minimum
            return None, "too_small"
        _draft(im, cfg.max_side)
        if decoded_bytes(im) > cfg.max_decoded_bytes:
            return None, "too_many_decoded_bytes"
        try:
            im.seek(0)
            im.load()  # explicitly, before anything (getexif) can load it and swallow an error
        except _BOMB_ERRORS:
            return None, "decompression_bomb"
        except Exception:  # noqa: BLE001 - truncated, corrupt, unsupported sub-format
            return None, "undecodable"
        if im.size[0] * im.size[1] > cfg.max_pixels:  # a frame may resize the canvas
            return None, "decompression_bomb"
        w, h = (oh, ow) if _orientation(im) in _SWAPS_AXES else (ow, oh)
        if not cfg.min_aspect_ratio <= w / h <= cfg.max_aspect_ratio:
            return None, "bad_aspect_ratio"
        try:
            oriented = ImageOps.exif_transpose(im)
        except Exception:  # noqa: BLE001 - broken EXIF: keep the pixels as stored
            oriented = im
        rgb = to_rgb(oriented)
        del oriented
        if _second_frame_too_big(im, cfg.max_pixels):
            return None, "decompression_bomb"

    if is_single_colour(rgb, cfg.single_colour_max_std):
        return None, "single_colour"
    if max(rgb.size) > cfg.max_side:
        scale = cfg.max_side / max(rgb.size)
        size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
        rgb = rgb.resize(size, Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    rgb.save(buf, format="JPEG", quality=cfg.jpeg_quality, optimize=False, progressive=False)
    return (
        ProcessedImage(
            jpeg=buf.getvalue(),
            width=rgb.width,
            height=rgb.height,
            original_width=ow,
            original_height=oh,
            original_format=fmt,
            sha256=hashlib.sha256(data).hexdigest(),
            phash=str(imagehash.phash(rgb)),
            n_bytes=len(data),
        ),
        None,
    )


# Bytes per pixel of each PIL mode once decoded (Pillow stores 1-bit and 8-bit modes in one byte
# per band, "I;16" in two, "I"/"F" in four, and pads RGB to four bytes a pixel).
_MODE_BYTES = {"1": 1, "L": 1, "P": 1, "LA": 4, "PA": 4, "La": 4, "RGB": 4, "RGBA": 4, "RGBa": 4, "RGBX": 4,
               "CMYK": 4, "YCbCr": 4, "LAB": 4, "HSV": 4, "I": 4, "F": 4}


def decoded_bytes(im: Image.Image) -> int:
    """What decoding ``im`` at its current (possibly drafted) size costs in memory, before a
    pixel is decoded: pixels x bands x bytes per sample. A 195 KB 16-bit PNG of 9400x9400 px
    decodes to 177 MB and then to more in conversions; this is the number to refuse it by."""
    mode = im.mode
    per_pixel = _MODE_BYTES.get(mode)
    if per_pixel is None:  # I;16 variants, BGR;xx, ...: the mode names its sample size
        per_pixel = 2 if mode.startswith("I;16") else 4
    return im.size[0] * im.size[1] * per_pixel


def _draft(im: Image.Image, max_side: int) -> None:
    """Let a JPEG decode at 1/2, 1/4 or 1/8 scale when the result is still at least ``max_side``
    on its longer side (libjpeg's DCT scaling: the cost of a reduced decode is the reduced
    size). An 80 Mpx JPEG then never exists in memory at full size. Other formats: no-op."""
    if im.format not in ("JPEG", "MPO"):
        return
    w, h = im.size
    scale = max_side / max(w, h)
    if scale >= 1:
        return
    try:
        im.draft(im.mode, (max(1, int(w * scale + 0.999)), max(1, int(h * scale + 0.999))))
    except Exception:  # noqa: BLE001 - a reduced decode is an optimisation only
        pass


def _unsupported_or_undecodable(data: bytes) -> str:
    """Tell a format we refuse (PIL can identify it, or SVG) from bytes that are no image at all."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<") and b"<svg" in head:
        return "unsupported_format"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as other:  # header only; never loaded
                if other.format and other.format not in ALLOWED_FORMATS:
                    return "unsupported_format"
    except _BOMB_ERRORS:
        return "decompression_bomb"
    except Exception:  # noqa: BLE001
        pass
    return "undecodable"


def _second_frame_too_big(im: Image.Image, max_pixels: int) -> bool:
    """Seek one frame on (GIF/APNG/WEBP/TIFF) and check the declared canvas; never decodes it.

    A file whose later frame declares a bomb-sized canvas is hostile even if its first frame is
    small (Pillow's ``decompression_bomb_extents.gif``). Only frame 1 is checked: it costs one
    seek, and frames after it are never decoded here.
    """
    try:
        if not getattr(im, "is_animated", False):
            return False
        im.seek(1)
    except _BOMB_ERRORS:
        return True
    except Exception:  # noqa: BLE001 - a broken later frame does not matter: we use frame 0
        return False
    return im.size[0] * im.size[1] > max_pixels


def _orientation(im: Image.Image) -> int:
    try:
        return int(im.getexif().get(_ORIENTATION_TAG, 1))
    except Exception:  # noqa: BLE001 - unreadable EXIF is treated as "no orientation"
        return 1


def to_rgb(im: Image.Image) -> Image.Image:
    """Convert any PIL mode to 8-bit RGB; transparency is composited on white."""
    mode = im.mode
    if mode == "RGB":
        return im.copy()
    if mode == "P" and "transparency" in im.info:
        im, mode = im.convert("RGBA"), "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if mode.startswith("I") or mode == "F":
        return Image.fromarray(_to_uint8(np.asarray(im)), mode="L").convert("RGB")
    return im.convert("RGB")


def _to_uint8(arr: np.ndarray, rows: int = 256) -> np.ndarray:
    """Map 16/32-bit integer or float pixels to 0-255, a block of ``rows`` rows at a time.

    The scale comes from the whole image (min and max read in place); the float32 work copy is
    one block, so no whole-image float64 copy is made (a 9400x9400 16-bit image would need 700 MB
    for it)."""
    out = np.empty(arr.shape, dtype=np.uint8)
    if arr.size == 0:
        return out
    floats = arr.dtype.kind == "f"
    if floats:
        finite = np.isfinite(arr)
        lo = float(arr.min(initial=np.inf, where=finite)) if finite.any() else 0.0
        hi = float(arr.max(initial=-np.inf, where=finite)) if finite.any() else 0.0
        del finite
    else:
        lo, hi = float(arr.min()), float(arr.max())
    offset, scale = 0.0, 1.0
    if floats:
        if lo >= 0.0 and hi <= 1.0:
            scale = 255.0
        elif hi > 255.0 or lo < 0.0:
            offset, scale = lo, (255.0 / (hi - lo) if hi > lo else 0.0)
    elif hi > 255:
        offset, scale = (0.0, 1 / 257.0) if lo >= 0 and hi <= 65535 else (lo, 255.0 / (hi - lo))
    for i in range(0, arr.shape[0], rows):
        block = arr[i:i + rows].astype(np.float32)
        if floats:
            np.nan_to_num(block, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
        block -= offset
        block *= scale
        np.rint(block, out=block)
        np.clip(block, 0, 255, out=block)
        out[i:i + rows] = block
    return out


def is_single_colour(rgb: Image.Image, max_std: float) -> bool:
    """True when every channel's standard deviation over all pixels is at most ``max_std``.

    Computed exactly from PIL's per-channel histograms (no pixel copy), so fine textures such as a
    1-pixel checkerboard keep their full variance instead of averaging out in a thumbnail.
    """
    return all(s <= max_std for s in ImageStat.Stat(rgb).stddev)
