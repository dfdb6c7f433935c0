"""Filesystem helpers shared by every writer: one remote-path test and one atomic write.

Local paths are written to a hidden temporary name in the same folder and ``os.replace``d, so a
reader never sees a half-written file. On object stores (``gs://``, ``s3://``, any fsspec URL) an
object becomes visible only when its upload completes, which is the remote equivalent.
"""

from __future__ import annotations

import json
import os
from typing import Any


def is_remote(path: str) -> bool:
    """True for fsspec URLs other than ``file://`` (``gs://b/x``, ``s3://b/x``, ``https://h/x``)."""
    return "://" in path and not path.startswith("file://")


def join(root: str, *parts: str) -> str:
    """Join path segments with ``/`` (local paths and URLs alike)."""
    return "/".join([root.rstrip("/"), *(p.strip("/") for p in parts)])


def write_bytes_atomic(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that no reader ever sees a partial file."""
    path = os.fspath(path)
    if is_remote(path):
        import fsspec

        with fsspec.open(path, "wb") as f:
            f.write(data)
        return
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_json_atomic(path: str, obj: Any, **dump_kwargs: Any) -> None:
    """:func:`write_bytes_atomic` of ``obj`` as UTF-8 JSON (``json.dumps`` keyword arguments apply)."""
    write_bytes_atomic(path, (json.dumps(obj, **dump_kwargs) + "\n").encode("utf-8"))
