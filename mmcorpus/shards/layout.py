"""WebDataset sample layouts for the three shard sets, and their readers.

Each layout has the same members in every sample, which both plain ``webdataset`` and Hugging Face
``datasets``' webdataset loader require (the latter infers columns from the first samples):

* ``interleaved/``: ``{key}.json`` — the :class:`Document` (``texts``/``images`` parallel lists; each
  image slot carries its metadata, ``image_key`` ``"img0"``, ``"img1"``, ... and the ``offset``
  and ``length`` of its JPEG in the next member) and ``{key}.images.npy`` — the slot images' JPEG
  bytes concatenated into one 1-D ``uint8`` array. A document holds a varying number of images;
  one array member keeps the column set fixed without base64 inflation, and ``.npy`` is decoded by
  both loaders without pickle.
* ``pairs/``: ``{key}.jpg``, ``{key}.txt`` (the caption), ``{key}.json`` — the img2dataset / LAION
  layout that open_clip reads as is.
* ``text/``: ``{key}.txt`` (the text, blocks separated by blank lines) and ``{key}.json`` (a
  TextDocument: id, url, title, language, provenance).
"""

from __future__ import annotations

import dataclasses
import io
import json
from typing import Any

import numpy as np

from mmcorpus.data import Document, ImageRef, stable_key

SETS = ("interleaved", "pairs", "text")


def _json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return buf.getvalue()


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


def text_document_json(doc: Document) -> dict[str, Any]:
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
    }


def encode_text(doc: Document) -> tuple[dict[str, Any], dict[str, Any]]:
    body = text_document_json(doc)
    sample = {"__key__": doc.id, "txt": body["text"].encode("utf-8"), "json": _json_bytes(body)}
    row = {"url": doc.url, "n_chars": body["n_chars"], "language": doc.language}
    return sample, row


def pair_key(doc_id: str, image_url: str) -> str:
    return stable_key(doc_id, image_url)


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
    row = {"url": ref.url, "page_url": doc.url, "caption_chars": len(caption), "width": ref.width,
           "height": ref.height}
    return sample, row


def decode_interleaved(sample: dict[str, Any]) -> tuple[Document, list[bytes | None]]:
    """A document and, per slot, its JPEG bytes (None at text slots), from a raw tar sample.

    Accepts members as raw bytes (``wds.WebDataset`` without a decoder) or already decoded.
    """
    body = sample["json"]
    body = json.loads(body) if isinstance(body, (bytes, str)) else body
    arr = sample["images.npy"]
    if isinstance(arr, (bytes, bytearray)):
        arr = np.lib.format.read_array(io.BytesIO(arr), allow_pickle=False)
    blob = np.asarray(arr, dtype=np.uint8).tobytes()
    jpegs: list[bytes | None] = []
    images = []
    for entry in body["images"]:
        if entry is None:
            jpegs.append(None)
            images.append(None)
            continue
        entry = dict(entry)
        off, length = entry.pop("offset"), entry.pop("length")
        jpegs.append(blob[off:off + length])
        images.append(entry)
    body = dict(body, images=images)
    return Document.from_json(body), jpegs


def with_image_keys(doc: Document) -> Document:
    """Number the document's image slots ``img0``, ``img1``, ... in order."""
    images, i = [], 0
    for ref in doc.images:
        if ref is None:
            images.append(None)
        else:
            images.append(dataclasses.replace(ref, image_key=f"img{i}"))
            i += 1
    return dataclasses.replace(doc, images=images)
