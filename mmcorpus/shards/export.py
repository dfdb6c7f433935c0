"""Export a run's documents to the layouts trainers already load: OBELICS and MMC4/OpenFlamingo.

* **OBELICS** (Laurençon et al., 2023; ``HuggingFaceM4/OBELICS`` on the Hub): parquet files with one
  row per document, ``texts`` (list of str or null) and ``images`` (list of image or null) in
  parallel, exactly one of the two set at each position, ``metadata`` (a JSON string: a list with
  one object per position, the image's metadata or null) and ``general_metadata`` (a JSON string:
  url, WARC provenance, language). Images are the JPEG bytes (``images="bytes"``) or their URLs
  (``images="urls"``, as OBELICS itself ships). ``datasets.load_dataset("parquet",
  data_files="DIR/*.parquet")`` loads it. Text-only documents (``text/``) are included: their texts
  are the text blocks and ``images`` holds nulls only.
* **MMC4** (Zhu et al., 2023) as **OpenFlamingo** reads it (``open_flamingo/train/data.py``,
  ``preprocess_interleaved``): webdataset tars whose ``{key}.json`` holds ``url``, ``text_list``
  (the document's sentences; here its text blocks) and ``image_info``, one entry per image with
  ``raw_url``, ``image_name``, ``matched_text_index`` (the text block the image sits next to: the
  one before it in page order, or the first after it) and, for ``images="bytes"``,
  ``image_base64``. MMC4 assigns images to sentences by CLIP similarity and OpenFlamingo drops
  images whose ``matched_sim`` is under a threshold; our images are placed by the page itself, so
  ``matched_sim`` is written as 1.0 and ``similarity_matrix`` is omitted: they are not CLIP scores.

Both read the shards with :mod:`mmcorpus.shards.standalone_reader` (no Beam) and are
deterministic: shards in name order, samples in tar order.
"""

from __future__ import annotations

import base64
import io
import json
import os
import tarfile
from collections.abc import Iterator
from typing import Any

from mmcorpus.errors import UserError
from mmcorpus.shards import standalone_reader as sr

FORMATS = ("obelics", "mmc4")


def set_shards(out: str, set_name: str) -> list[str]:
    """The set's shard files: those the manifest lists, else every ``{set}-NNNNNN.tar`` in the folder."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(out)
    manifest_path = f"{root.rstrip('/')}/manifest.json"
    if fs.exists(manifest_path):
        with fs.open(manifest_path, "rb") as f:
            manifest = json.load(f)
        shards = manifest.get("outputs", {}).get(set_name, {}).get("shards", [])
        return [f"{root.rstrip('/')}/{set_name}/{s['name']}" for s in shards]
    folder = f"{root.rstrip('/')}/{set_name}"
    if not fs.isdir(folder):
        return []
    return sorted(p for p in fs.ls(folder, detail=False) if os.path.basename(p).startswith(f"{set_name}-")
                  and p.endswith(".tar"))


def iter_documents(out: str, sets: tuple[str, ...] = ("interleaved", "text")) -> Iterator[dict[str, Any]]:
    """Documents as ``{key, texts, images, image_info, metadata}`` (text documents split into blocks)."""
    import fsspec

    fs, _ = fsspec.core.url_to_fs(out)
    for set_name in sets:
        for shard in set_shards(out, set_name):
            with fs.open(shard, "rb") as f:
                for sample in sr.iter_tar(f):
                    if set_name == "interleaved":
                        yield sr.decode_interleaved(sample)
                    else:
                        doc = sr.decode_text(sample)
                        blocks = [b for b in doc["text"].split("\n\n") if b.strip()]
                        yield {"key": doc["key"], "texts": blocks, "images": [None] * len(blocks),
                               "image_info": [None] * len(blocks), "metadata": doc["metadata"]}


def obelics_row(doc: dict[str, Any], images: str = "bytes") -> dict[str, Any]:
    info = doc["image_info"]
    imgs = [None if i is None else i.get("url") for i in info] if images == "urls" else list(doc["images"])
    meta = doc["metadata"]
    general = {"url": meta.get("url"), "id": meta.get("id"), "language": meta.get("language"),
               "title": meta.get("title"), "provenance": meta.get("provenance")}
    if meta.get("image_urls"):
        general["unfetched_image_urls"] = meta["image_urls"]
    return {
        "texts": list(doc["texts"]),
        "images": imgs,
        "metadata": json.dumps([None if i is None else {k: i.get(k) for k in
                                                         ("url", "alt", "caption", "width", "height", "sha256")}
                                for i in info], ensure_ascii=False),
        "general_metadata": json.dumps(general, ensure_ascii=False, sort_keys=True),
    }


def mmc4_json(doc: dict[str, Any], images: str = "bytes") -> dict[str, Any]:
    """One document as OpenFlamingo's MMC4 loader reads it (see the module docstring)."""
    text_list: list[str] = []
    text_index_at: list[int | None] = []  # per position: index in text_list of the text there
    for t in doc["texts"]:
        if t is not None:
            text_list.append(t)
        text_index_at.append(len(text_list) - 1 if t is not None else None)
    image_info = []
    for pos, (jpeg, info) in enumerate(zip(doc["images"], doc["image_info"])):
        if info is None:
            continue
        before = [text_index_at[i] for i in range(pos) if text_index_at[i] is not None]
        after = [text_index_at[i] for i in range(pos + 1, len(text_index_at)) if text_index_at[i] is not None]
        matched = before[-1] if before else (after[0] if after else 0)
        entry = {"raw_url": info.get("url"), "image_name": f"{doc['key']}-{len(image_info)}.jpg",
                 "matched_text_index": matched, "matched_sim": 1.0,
                 "width": info.get("width"), "height": info.get("height"), "sha256": info.get("sha256")}
        if images == "bytes" and jpeg is not None:
            entry["image_base64"] = base64.b64encode(jpeg).decode("ascii")
        image_info.append(entry)
    meta = doc["metadata"]
    return {"url": meta.get("url"), "id": meta.get("id"), "text_list": text_list, "image_info": image_info}


def export(out: str, to: str, dest: str, images: str = "bytes", rows_per_file: int = 10_000) -> dict[str, Any]:
    """Write ``out``'s documents to ``dest`` in format ``to``; returns what was written."""
    if to not in FORMATS:
        raise UserError(f"unknown export format {to!r}; choose one of {', '.join(FORMATS)}")
    if images not in ("bytes", "urls"):
        raise UserError("--images must be bytes or urls")
    if rows_per_file < 1:
        raise UserError("--rows-per-file must be >= 1")
    if not set_shards(out, "interleaved") and not set_shards(out, "text"):
        raise UserError(f"{out}: no interleaved/ or text/ shards to export")
    os.makedirs(dest, exist_ok=True)
    if to == "obelics":
        files = _write_parquet_files(dest, (obelics_row(d, images) for d in iter_documents(out)), rows_per_file,
                                     images)
    else:
        files = _write_mmc4_tars(dest, (d for d in iter_documents(out, ("interleaved",))), images, rows_per_file)
    return files


def _write_parquet_files(dest: str, rows: Iterator[dict[str, Any]], rows_per_file: int,
                         images: str) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    image_type = pa.binary() if images == "bytes" else pa.string()
    schema = pa.schema([("texts", pa.list_(pa.string())), ("images", pa.list_(image_type)),
                        ("metadata", pa.string()), ("general_metadata", pa.string())])
    written, batch, total = [], [], 0

    def flush():
        nonlocal batch
        name = f"obelics-{len(written):06d}.parquet"
        table = pa.Table.from_pylist(batch, schema=schema)
        tmp = os.path.join(dest, f".{name}.tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, os.path.join(dest, name))
        written.append(name)
        batch = []

    for row in rows:
        batch.append(row)
        total += 1
        if len(batch) >= rows_per_file:
            flush()
    if batch or not written:
        flush()
    return {"format": "obelics", "files": written, "documents": total}


def _write_mmc4_tars(dest: str, docs: Iterator[dict[str, Any]], images: str, per_file: int) -> dict[str, Any]:
    import itertools

    written: list[str] = []
    total = 0
    docs = iter(docs)
    while chunk := list(itertools.islice(docs, per_file)):
        name = f"mmc4-{len(written):06d}.tar"
        tmp = os.path.join(dest, f".{name}.tmp")
        with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tf:
            for doc in chunk:
                data = json.dumps(mmc4_json(doc, images), ensure_ascii=False).encode("utf-8")
                ti = tarfile.TarInfo(f"{doc['key']}.json")
                ti.size, ti.mtime, ti.mode = len(data), 0, 0o444
                tf.addfile(ti, io.BytesIO(data))
        os.replace(tmp, os.path.join(dest, name))
        written.append(name)
        total += len(chunk)
    return {"format": "mmc4", "files": written, "documents": total}
