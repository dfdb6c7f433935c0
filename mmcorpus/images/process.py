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
counted the same way. Truncated files fail to load and are ``undecodable``, never half-accepted.
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
        w, h = (oh, ow) if _orientation(im) in _SWAPS_AXES else (ow, oh)
        if min(w, h) < cfg.min_side:
            return None, "too_small"
        if not cfg.min_aspect_ratio <= w / h <= cfg.max_aspect_ratio:
            return None, "bad_aspect_ratio"
        try:
            im.seek(0)
            im.load()
        except _BOMB_ERRORS:
            return None, "decompression_bomb"
        except Exception:  # noqa: BLE001 - truncated, corrupt, unsupported sub-format
            return None, "undecodable"
        if im.size[0] * im.size[1] > cfg.max_pixels:  # a frame may resize the canvas
            return None, "decompression_bomb"
        try:
            oriented = ImageOps.exif_transpose(im)
        except Exception:  # noqa: BLE001 - broken EXIF: keep the pixels as stored
            oriented = im
        rgb = to_rgb(oriented)
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


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    """Map 16/32-bit integer or float pixels to 0-255."""
    a = arr.astype(np.float64)
    if a.size == 0:
        return a.astype(np.uint8)
    a = np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = float(a.min()), float(a.max())
    if arr.dtype.kind == "f":
        if lo >= 0.0 and hi <= 1.0:
            a = a * 255.0
        elif hi > 255.0 or lo < 0.0:
            a = (a - lo) * (255.0 / (hi - lo)) if hi > lo else a * 0
    elif hi > 255:
        a = a / 257.0 if lo >= 0 and hi <= 65535 else (a - lo) * (255.0 / (hi - lo))
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


def is_single_colour(rgb: Image.Image, max_std: float) -> bool:
    """True when every channel's standard deviation over all pixels is at most ``max_std``.

    Computed exactly from PIL's per-channel histograms (no pixel copy), so fine textures such as a
    1-pixel checkerboard keep their full variance instead of averaging out in a thumbnail.
    """
    return all(s <= max_std for s in ImageStat.Stat(rgb).stddev)
