"""The shard format, in one place: set names, file names, member names, the key rule, and the
encoding and decoding of each set's samples. The writer, the pipeline, ``validate``, ``show``,
``view``, ``inspect`` and the trainer import it; nothing else describes the format.

Each set has the same members in every sample, which both plain ``webdataset`` and Hugging Face
``datasets``' webdataset loader require (the latter infers columns from the first samples):

* ``interleaved/``: ``{key}.json`` — the :class:`~mmcorpus.data.Document` (``texts``/``images``
  parallel lists; each image slot carries its metadata, ``image_key`` ``"img0"``, ``"img1"``, ...
  and the ``offset`` and ``length`` of its JPEG in the next member) and ``{key}.images.npy`` — the
  slot images' JPEG bytes concatenated into one 1-D ``uint8`` array. A document holds a varying
  number of images; one array member keeps the column set fixed without base64 inflation, and
  ``.npy`` is decoded by both loaders without pickle.
* ``pairs/``: ``{key}.jpg``, ``{key}.txt`` (the caption), ``{key}.json`` — the img2dataset / LAION
  layout that open_clip reads as is.
* ``text/``: ``{key}.txt`` (the text, blocks separated by blank lines) and ``{key}.json`` (a
  TextDocument: id, url, title, language, provenance).

Keys are ``[0-9a-z_-]`` only (webdataset splits a member name at its first dot, so a key never
holds one), unique across the corpus and stable across reruns. Shards are
``{set}-{index:06d}.tar`` (webdataset's ``ShardWriter`` pattern), each with a parquet index
``{set}-{index:06d}.parquet`` beside it and a ``sizes.json`` per set.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from mmcorpus.data import Document, ImageRef, stable_key

SETS = ("interleaved", "pairs", "text")
#: Members of every sample of each set (extensions, sorted).
MEMBERS: dict[str, tuple[str, ...]] = {
    "interleaved": ("images.npy", "json"),
    "pairs": ("jpg", "json", "txt"),
    "text": ("json", "txt"),
}
#: The JSON Schema (``schemas/``) of each set's ``.json`` member.
SCHEMA_OF = {"interleaved": "document.v1", "pairs": "pair.v1", "text": "text_document.v1"}

KEY_RE = re.compile(r"^[0-9a-z_-]+$")
EXT_RE = re.compile(r"^[0-9a-z][0-9a-z_.-]*$")
SHARD_RE = re.compile(r"^(?P<set>[0-9a-z_-]+)-(?P<index>\d{6})\.tar$")
#: Columns every parquet index row has; the rest come from the encoder's index row.
INDEX_COLUMNS = ("key", "shard", "tar_offset", "tar_size")


def shard_name(prefix: str, index: int, ext: str = "tar") -> str:
    """``pairs-000003.tar``: the file name of shard ``index`` of a set (or of its ``.parquet`` index)."""
    return f"{prefix}-{index:06d}.{ext}"


def index_name(shard: str) -> str:
    """The parquet index beside a shard: ``pairs-000003.tar`` -> ``pairs-000003.parquet``."""
    return shard[: -len(".tar")] + ".parquet" if shard.endswith(".tar") else shard + ".parquet"


def set_of_members(exts: set[str]) -> str:
    """Which set a sample belongs to, judged by its members (for tars found outside a set folder)."""
    return "interleaved" if "images.npy" in exts else "pairs" if "jpg" in exts else "text"


def _json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return buf.getvalue()


def _json_of(value: Any) -> Any:
    """A ``.json`` member as raw bytes/str (``wds.WebDataset`` without a decoder) or already decoded."""
    return json.loads(value) if isinstance(value, (bytes, bytearray, str)) else value


def _text_of(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, (bytes, bytearray)) else str(value)


# -- interleaved --------------------------------------------------------------------------------

def encode_interleaved(doc: Document, jpegs: dict[str, bytes]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(sample, index row) for a document whose image slots have ``image_key`` set."""
    blob = bytearray()
    images_json = []
    for ref in doc.images:
        if ref is None:
            images_json.append(None)
            continue
        data = jpegs[ref.image_key]
        entry = ref.to_json()
        entry["offset"], entry["length"] = len(blob), len(data)
        blob += data
        images_json.append(entry)
    body = doc.to_json()
    body["images"] = images_json
    sample = {
        "__key__": doc.id,
        "json": _json_bytes(body),
        "images.npy": _npy_bytes(np.frombuffer(bytes(blob), dtype=np.uint8)),
    }
    row = {
        "url": doc.url,
        "n_images": len(doc.image_refs),
        "n_texts": len(doc.text_blocks),
        "n_chars": sum(len(t) for t in doc.text_blocks),
        "language": doc.language,
    }
    return sample, row


def decode_interleaved(sample: dict[str, Any]) -> tuple[Document, list[bytes | None]]:
    """A document and, per slot, its JPEG bytes (None at text slots), from a tar sample.

    Accepts members as raw bytes (``wds.WebDataset`` without a decoder) or already decoded. The
    slots' ``offset``/``length`` stay on their :class:`ImageRef`.
    """
    body = _json_of(sample["json"])
    arr = sample["images.npy"]
    if isinstance(arr, (bytes, bytearray)):
        arr = np.lib.format.read_array(io.BytesIO(arr), allow_pickle=False)
    blob = np.asarray(arr, dtype=np.uint8).tobytes()
    doc = Document.from_json(body)
    jpegs = [None if ref is None else blob[ref.offset:ref.offset + ref.length] for ref in doc.images]
    return doc, jpegs


# -- text ---------------------------------------------------------------------------------------

def text_document_json(doc: Document, image_urls: list[str] | None = None) -> dict[str, Any]:
    """The ``.json`` member of a text sample (``schemas/text_document.v1.json``).

    ``image_urls``: the page's images that could not be fetched (not in the WARCs, not downloaded),
    so a user can fetch them later; always present, so every sample has the same fields.
    """
    text = doc.plain_text
    return {
        "id": doc.id,
        "url": doc.url,
        "title": doc.title,
        "language": doc.language,
        "language_score": doc.language_score,
        "text": text,
        "n_chars": len(text),
        "provenance": doc.provenance.to_json(),
        "metadata": dict(doc.metadata),
        "image_urls": list(image_urls or []),
    }


def encode_text(doc: Document, image_urls: list[str] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    body = text_document_json(doc, image_urls)
    sample = {"__key__": doc.id, "txt": body["text"].encode("utf-8"), "json": _json_bytes(body)}
    row = {"url": doc.url, "n_chars": body["n_chars"], "language": doc.language}
    return sample, row


def decode_text(sample: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(text, metadata) of a text sample; the text is the ``.txt`` member."""
    return _text_of(sample["txt"]), _json_of(sample["json"])


# -- pairs --------------------------------------------------------------------------------------

def pair_key(doc_id: str, image_url: str) -> str:
    return stable_key(doc_id, image_url)


@dataclass(frozen=True)
class PairCandidate:
    """An image-caption pair before encoding: what :func:`encode_pair` needs, plus its dedup keys.

    The pipeline groups candidates by ``sha256`` and encodes only the survivor (smallest ``key``),
    so duplicate pairs are never encoded.
    """

    key: str
    sha256: str
    doc: Document
    ref: ImageRef
    jpeg: bytes
    caption: str
    caption_source: str
    original_size: tuple[int | None, int | None] = (None, None)
    caption_language: str | None = None

    def encode(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return encode_pair(self.doc, self.ref, self.jpeg, self.caption, self.caption_source,
                           self.original_size, self.caption_language)


def encode_pair(doc: Document, ref: ImageRef, jpeg: bytes, caption: str, caption_source: str,
                original_size: tuple[int | None, int | None] = (None, None),
                caption_language: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    key = pair_key(doc.id, ref.url)
    body = {
        "key": key,
        "url": ref.url,
        "caption": caption,
        "caption_source": caption_source,
        "width": ref.width,
        "height": ref.height,
        "original_width": original_size[0],
        "original_height": original_size[1],
        "sha256": ref.sha256,
        "phash": ref.phash,
        "status": "success",
        "error_message": None,
        "document_id": doc.id,
        "page_url": doc.url,
        "language": caption_language,
    }
    sample = {"__key__": key, "jpg": jpeg, "txt": caption.encode("utf-8"), "json": _json_bytes(body)}
    # img2dataset's per-shard parquet columns next to ``key``: url, caption, width, height, sha256, status
    row = {"url": ref.url, "caption": caption, "width": ref.width, "height": ref.height, "sha256": ref.sha256,
           "status": "success", "error_message": None, "page_url": doc.url, "caption_chars": len(caption)}
    return sample, row


def decode_pair(sample: dict[str, Any]) -> tuple[bytes, str, dict[str, Any]]:
    """(JPEG bytes, caption, metadata) of a pair sample."""
    return bytes(sample["jpg"]), _text_of(sample["txt"]), _json_of(sample["json"])
