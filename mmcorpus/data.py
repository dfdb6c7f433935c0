"""The records that flow through mmcorpus, as plain dataclasses.

Everything here is pure data: no Beam, no I/O. The shapes follow docs/output-format.md and the
JSON Schemas in ``schemas/``; ``to_json`` methods produce exactly what the schemas validate.

A :class:`Document` is OBELICS-style interleaved: ``texts`` and ``images`` are parallel lists of
equal length and at each position exactly one of the two is ``None`` (Laurençon et al., 2023,
"OBELICS", section 3). That layout keeps document order without a custom sequence type and loads
directly into Arrow / Hugging Face ``datasets``.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Provenance:
    """Where a record came from: enough to find the exact bytes again."""

    warc_file: str
    offset: int
    length: int
    record_id: str
    fetch_date: str | None  # ISO 8601 as written in WARC-Date (ARC dates converted)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Provenance:
        return cls(**d)


@dataclass
class HtmlRecord:
    """One HTML page read from a WARC response/resource record.

    ``body`` is the HTTP payload with chunked transfer and Content-Encoding already undone;
    ``http_headers`` keys are lower-case.
    """

    url: str
    body: bytes
    status: int | None
    content_type: str
    http_headers: dict[str, str]
    provenance: Provenance


@dataclass
class ImageRecord:
    """An image/* record found in a WARC, kept so documents can be joined to their images."""

    url: str
    body: bytes
    content_type: str
    provenance: Provenance


@dataclass
class ImageRef:
    """An image as referenced by a page: where it is, and what the page says about it."""

    url: str
    alt: str | None = None
    title: str | None = None
    caption: str | None = None  # text of the enclosing <figure>'s <figcaption>
    declared_width: int | None = None
    declared_height: int | None = None
    # Filled in once the image bytes are known (image join / image filters).
    sha256: str | None = None
    phash: str | None = None
    width: int | None = None
    height: int | None = None
    n_bytes: int | None = None
    image_key: str | None = None  # "img0", "img1", ...: the slot's image within its document
    # In an interleaved shard sample (mmcorpus.shards.layout): where the slot's JPEG lies in the
    # sample's images.npy member. None everywhere else.
    offset: int | None = None
    length: int | None = None
    # Every absolute URL the <img> names (src, srcset/<picture> candidates, lazy attributes), best
    # first; ``url`` is the first. Empty when only ``url`` is known (files written before it).
    candidates: list[str] = field(default_factory=list)
    source_url: str | None = None  # the candidate whose bytes were used
    source: str | None = None  # where those bytes came from: "warc" or "download"

    @property
    def urls(self) -> list[str]:
        """The candidate URLs, best first (``[url]`` when no candidates were recorded)."""
        return list(self.candidates) if self.candidates else [self.url]

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ImageRef:
        d = dict(d)
        d["candidates"] = list(d.get("candidates") or [])
        return cls(**d)


@dataclass
class Document:
    """An interleaved document: text blocks and images in page order."""

    id: str
    url: str
    texts: list[str | None]
    images: list[ImageRef | None]
    provenance: Provenance
    title: str | None = None
    canonical_url: str | None = None
    declared_language: str | None = None
    language: str | None = None
    language_score: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.texts) != len(self.images):
            raise ValueError(
                f"texts and images must be parallel lists ({len(self.texts)} != {len(self.images)})"
            )

    @property
    def text_blocks(self) -> list[str]:
        return [t for t in self.texts if t is not None]

    @property
    def image_refs(self) -> list[ImageRef]:
        return [i for i in self.images if i is not None]

    @property
    def plain_text(self) -> str:
        """Text blocks joined by blank lines: what the text filters look at."""
        return "\n\n".join(self.text_blocks)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "canonical_url": self.canonical_url,
            "declared_language": self.declared_language,
            "language": self.language,
            "language_score": self.language_score,
            "texts": list(self.texts),
            "images": [None if i is None else i.to_json() for i in self.images],
            "provenance": self.provenance.to_json(),
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Document:
        return cls(
            id=d["id"],
            url=d["url"],
            texts=list(d["texts"]),
            images=[None if i is None else ImageRef.from_json(i) for i in d["images"]],
            provenance=Provenance.from_json(d["provenance"]),
            title=d.get("title"),
            canonical_url=d.get("canonical_url"),
            declared_language=d.get("declared_language"),
            language=d.get("language"),
            language_score=d.get("language_score"),
            metadata=dict(d.get("metadata") or {}),
        )


def stable_key(*parts: str, length: int = 20) -> str:
    """A key in ``[0-9a-f]`` (a subset of the shard key alphabet ``[0-9a-z_-]``), stable across runs.

    Keys must be deterministic (docs/architecture.md: keys are stable across reruns) and must not
    contain dots, which webdataset treats as the key/extension separator.
    """
    h = hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=16)
    return h.hexdigest()[:length]


def document_id(url: str, provenance: Provenance) -> str:
    """Document id: a hash of the URL and the WARC record that held it."""
    return stable_key(url, provenance.record_id or f"{provenance.warc_file}@{provenance.offset}")
