"""Caption rules for image-text pairs: which page text may stand as an image's caption.

Sources: LAION-400M / LAION-5B (Schuhmann et al., 2021/2022) pair images with their HTML alt text
and drop short alt texts (under 5 characters) and images with no alt; CC3M (Sharma et al., 2018,
section 3) drops captions that are file names, are mostly non-text or are boilerplate; KOSMOS-1
(Huang et al., 2023, arXiv 2302.14045, section 2.1) trains on LAION/COYO/CC-style pairs. The
language check is done by the pipeline with the language model (mmcorpus.language), not here.

Preference: ``<figcaption>`` (written for the reader), then ``alt`` (written for accessibility),
then ``title``. The first candidate that is non-empty after whitespace normalisation is judged;
if it fails, the next non-empty candidate is tried, and the reason returned is the first
candidate's, so a page's best intent is what the drop counter reports.

Drop reasons (counters ``caption/dropped:<reason>``, kept ``caption/kept``):
``no_caption``, ``caption_too_short``, ``caption_too_long``, ``caption_is_filename``,
``caption_stock_word``, ``caption_not_text``.
"""

from __future__ import annotations

import re
import unicodedata

from mmcorpus.config import PairConfig
from mmcorpus.data import ImageRef
from mmcorpus.ledger import CountFn, no_count, outcome

REASONS = (
    "no_caption",
    "caption_too_short",
    "caption_too_long",
    "caption_is_filename",
    "caption_stock_word",
    "caption_not_text",
)

# Words that describe the *kind* of image rather than its content (CMS and editor defaults).
STOCK_WORDS = frozenset({
    "image", "images", "img", "photo", "photos", "photograph", "picture", "pic", "pics", "logo",
    "icon", "banner", "thumbnail", "thumb", "untitled", "placeholder", "spacer", "blank", "pixel",
    "transparent", "graphic", "avatar", "profile", "default", "advertisement", "ad", "ads",
    "button", "arrow", "bullet", "loading", "spinner", "screenshot", "figure", "featured", "no",
    "available", "click", "here", "read", "more",
})

_IMAGE_EXT = r"(?:jpe?g|png|gif|webp|bmp|tiff?|svg|avif|heic|ico)"
_FILENAME_RES = (
    re.compile(rf"^[\w\-. ()%~+]+\.{_IMAGE_EXT}$", re.I),  # IMG_1234.jpg, my photo (2).png
    re.compile(r"^(?:img|dsc|dscn|dscf|dsc_|pict|pic|p|photo|image|mvimg|pxl|screenshot|scan)"
               r"[ _\-]*\d[\d _\-]*\w{0,3}$", re.I),  # DSC0001, IMG 1234, PXL_2023..., image001
    re.compile(r"^(?:https?://|www\.|//|/)\S+$", re.I),  # a URL or path
    re.compile(r"^[0-9a-f]{16,}$", re.I),  # a hash used as a name
    re.compile(r"^\S+\.(?:php|aspx?|html?|cgi)\S*$", re.I),  # a script or page name
)
_STOCK_SPLIT = re.compile(r"[\s_\-:|/.,()\[\]]+")


def normalise_caption(text: str | None) -> str:
    """NFC, collapse every run of whitespace (incl. non-breaking) to one space, strip."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


def caption_reason(text: str, cfg: PairConfig) -> str | None:
    """The drop reason for one normalised caption, or None if it is usable."""
    if _is_filename(text):
        return "caption_is_filename"
    words = text.split()
    tokens = [t for t in _STOCK_SPLIT.split(text.lower()) if t]
    stock = [t in STOCK_WORDS for t in tokens]
    if tokens and all(s or t.isdigit() for s, t in zip(stock, tokens)):
        return "caption_stock_word"
    if len(words) <= 2 and any(stock):  # "company logo", "header image"
        return "caption_stock_word"
    letters = sum(ch.isalpha() for ch in text)
    if letters < 0.5 * sum(not ch.isspace() for ch in text):
        return "caption_not_text"
    if len(words) < cfg.min_caption_words or len(text) < cfg.min_caption_chars:
        return "caption_too_short"
    if len(words) > cfg.max_caption_words or len(text) > cfg.max_caption_chars:
        return "caption_too_long"
    return None


def usable_caption(
    image: ImageRef, cfg: PairConfig, count: CountFn = no_count
) -> tuple[str | None, str | None]:
    """``(caption, None)`` for the first usable figcaption/alt/title, else ``(None, reason)``."""
    first_reason = None
    for raw in (image.caption, image.alt, image.title):
        text = normalise_caption(raw)
        if not text:
            continue
        reason = caption_reason(text, cfg)
        if reason is None:
            outcome(count, "caption", None)
            return text, None
        first_reason = first_reason or reason
    reason = first_reason or "no_caption"
    outcome(count, "caption", reason)
    return None, reason


def _is_filename(text: str) -> bool:
    if " " in text.strip() and not text.lower().endswith(tuple("." + e for e in _EXTS)):
        return bool(_FILENAME_RES[1].match(text))
    return any(r.match(text) for r in _FILENAME_RES)


_EXTS = ("jpg", "jpeg", "png", "gif", "webp", "bmp", "tif", "tiff", "svg", "avif", "heic", "ico")
