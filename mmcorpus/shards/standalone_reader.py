"""Read mmcorpus shards without mmcorpus: one file, standard library and numpy only (PIL optional).

``pip install mmcorpus`` brings Apache Beam and pins of pyarrow, pillow and webdataset that a
training environment may not want. To read the shards there, copy this file next to your training
code (it imports nothing from mmcorpus; MIT like the rest of the project)::

    curl -O https://raw.githubusercontent.com/mmcorpus/mmcorpus/main/mmcorpus/shards/standalone_reader.py
    # or, where mmcorpus is installed: cp "$(python -m mmcorpus.shards.standalone_reader --path)" .

    from standalone_reader import read_samples, expand
    for doc in read_samples(expand("out/interleaved/interleaved-{000000..000001}.tar")):
        doc["texts"], doc["images"]   # parallel lists: a str or None, JPEG bytes or None

It follows the shard layout of ``mmcorpus/shards/layout.py`` (a test checks the two agree):

* interleaved: ``{key}.json`` (the document; each image slot has ``offset``/``length`` into the next
  member) and ``{key}.images.npy`` (the JPEGs concatenated, a 1-D uint8 array);
* pairs: ``{key}.jpg``, ``{key}.txt`` (caption), ``{key}.json``;
* text: ``{key}.txt``, ``{key}.json``.

Every decoder also accepts a sample as webdataset yields it (``wds.WebDataset(urls)`` without a
decoder gives bytes; with ``.decode()`` the ``.json`` is a dict and the ``.npy`` an array), so the
same functions work as a ``.map(decode_sample)`` stage in a webdataset or torch pipeline.
"""

from __future__ import annotations

import io
import json
import re
import sys
import tarfile
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["expand", "iter_tar", "decode_sample", "decode_interleaved", "decode_pair", "decode_text",
           "read_samples", "to_pil"]


def expand(pattern: str) -> list[str]:
    """Expand ``name-{000000..000003}.tar`` (the pattern ``mmcorpus run`` prints) and ``a::b`` lists."""
    out: list[str] = []
    for part in pattern.split("::"):
        m = re.search(r"\{(\d+)\.\.(\d+)\}", part)
        if not m:
            out.append(part)
            continue
        lo, hi, width = int(m.group(1)), int(m.group(2)), len(m.group(1))
        out += [part[: m.start()] + f"{i:0{width}d}" + part[m.end():] for i in range(lo, hi + 1)]
    return out


def iter_tar(source: Any) -> Iterator[dict[str, Any]]:
    """Samples of one tar (a path or a binary file object): ``{"__key__", ext: bytes, ...}``.

    Members are grouped as webdataset groups them: consecutive members sharing the part of the
    name before the first dot. Only regular files are read; names with a folder part or ``..``
    are skipped (member names are untrusted input).
    """
    where = {"name": source} if isinstance(source, str) else {"fileobj": source}
    current: dict[str, Any] | None = None
    with tarfile.open(mode="r|*", **where) as tf:
        for member in tf:
            if not member.isreg() or "/" in member.name or member.name.startswith("."):
                continue
            key, _, ext = member.name.partition(".")
            if not ext:
                continue
            data = tf.extractfile(member).read()
            if current is None or current["__key__"] != key:
                if current is not None:
                    yield current
                current = {"__key__": key}
            current[ext] = data
    if current is not None:
        yield current


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return json.loads(bytes(value).decode("utf-8"))
    if isinstance(value, str):
        return json.loads(value)
    return dict(value)


def _text(value: Any) -> str:
    return bytes(value).decode("utf-8") if isinstance(value, (bytes, bytearray, memoryview)) else str(value)


def _blob(value: Any) -> bytes:
    import numpy as np

    if isinstance(value, (bytes, bytearray, memoryview)):
        value = np.lib.format.read_array(io.BytesIO(bytes(value)), allow_pickle=False)
    return np.asarray(value, dtype=np.uint8).tobytes()


def decode_interleaved(sample: dict[str, Any]) -> dict[str, Any]:
    """``{"key", "texts", "images", "image_info", "metadata"}``: ``texts[i]`` is a str or None and
    ``images[i]`` the JPEG bytes or None (exactly one of the two at each position, OBELICS-style);
    ``image_info[i]`` the slot's metadata (url, alt, width, height, sha256, ...) or None; ``metadata``
    the rest of the document (id, url, provenance, language, ...)."""
    body = _json(sample["json"])
    blob = _blob(sample["images.npy"])
    images: list[bytes | None] = []
    info: list[dict[str, Any] | None] = []
    for entry in body.get("images", []):
        if entry is None:
            images.append(None)
            info.append(None)
            continue
        entry = dict(entry)
        off, length = entry.pop("offset"), entry.pop("length")
        images.append(blob[off:off + length])
        info.append(entry)
    metadata = {k: v for k, v in body.items() if k not in ("texts", "images")}
    return {"key": sample.get("__key__", body.get("id")), "texts": list(body.get("texts", [])), "images": images,
            "image_info": info, "metadata": metadata}


def decode_pair(sample: dict[str, Any]) -> dict[str, Any]:
    """``{"key", "jpg", "caption", "metadata"}`` of an image-caption pair."""
    return {"key": sample.get("__key__"), "jpg": bytes(sample["jpg"]), "caption": _text(sample["txt"]),
            "metadata": _json(sample["json"])}


def decode_text(sample: dict[str, Any]) -> dict[str, Any]:
    """``{"key", "text", "metadata"}`` of a text-only document (``metadata["image_urls"]``: its
    images that could not be fetched)."""
    return {"key": sample.get("__key__"), "text": _text(sample["txt"]), "metadata": _json(sample["json"])}


def decode_sample(sample: dict[str, Any]) -> dict[str, Any]:
    """Any of the three layouts, told apart by their members."""
    if "images.npy" in sample:
        return decode_interleaved(sample)
    if "jpg" in sample:
        return decode_pair(sample)
    return decode_text(sample)


def read_samples(urls: str | Iterable[str]) -> Iterator[dict[str, Any]]:
    """Decoded samples of local shard paths (a brace pattern, a path, or a list of paths)."""
    for url in expand(urls) if isinstance(urls, str) else urls:
        for sample in iter_tar(url):
            yield decode_sample(sample)


def to_pil(jpeg: bytes):
    """A PIL image of JPEG bytes (needs Pillow)."""
    from PIL import Image

    return Image.open(io.BytesIO(jpeg))


def _main(argv: list[str]) -> int:
    if argv[:1] == ["--path"]:
        print(__file__)
        return 0
    if not argv:
        print("usage: standalone_reader.py SHARD_OR_PATTERN... | --path", file=sys.stderr)
        return 2
    for arg in argv:
        for s in read_samples(arg):
            if "texts" in s:
                n_img = sum(i is not None for i in s["images"])
                print(f"{s['key']}\tinterleaved\t{len(s['texts']) - n_img} texts\t{n_img} images")
            elif "jpg" in s:
                print(f"{s['key']}\tpair\t{s['caption'][:60]!r}")
            else:
                print(f"{s['key']}\ttext\t{len(s['text'])} chars")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
