"""Turning what a user types (paths, globs, URLs, Common Crawl path lists) into WARC file URLs.

Accepted inputs:

* a local file, or a local directory (every ``*.warc``, ``*.warc.gz``, ``*.arc``, ``*.arc.gz``
  below it);
* a glob, local or remote (``data/*.warc.gz``, ``gs://bucket/crawl/*.warc.gz``);
* any fsspec URL (``gs://``, ``s3://``, ``https://``);
* a Common Crawl ``warc.paths`` or ``warc.paths.gz`` list: one relative path a line, joined to
  ``WarcConfig.common_crawl_base_url`` (absolute URLs in the list are kept as they are).

Problems a person can fix (a path that does not exist, a glob that matches nothing, an empty paths
list) raise :class:`InputError` up front, before any work starts.
"""

from __future__ import annotations

import glob as globlib
import gzip
import io
import logging
import os
from pathlib import Path

from mmcorpus.errors import UserError
from mmcorpus.io.fs import is_remote as is_url

WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz", ".warc.bz2")
PATHS_SUFFIXES = (".paths", ".paths.gz", ".paths.txt")

log = logging.getLogger(__name__)


class InputError(UserError):
    """An input that cannot be used; the message names it and says why."""


def _strip_file_scheme(path: str) -> str:
    return path[len("file://"):] if path.startswith("file://") else path


def is_paths_list(path: str) -> bool:
    return path.endswith(PATHS_SUFFIXES)


def open_input(path: str):
    """Open a local path or fsspec URL for binary reading."""
    path = _strip_file_scheme(path)
    if not is_url(path):
        return open(path, "rb")
    import fsspec

    return fsspec.open(path, "rb").open()


def read_paths_list(path: str, base_url: str) -> list[str]:
    """Read a Common Crawl ``warc.paths(.gz)`` file into absolute URLs."""
    with open_input(path) as f:
        raw = f.read()
    if path.endswith(".gz") or raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise InputError(f"paths list {path} is not valid gzip: {e}") from e
    base = base_url if base_url.endswith("/") else base_url + "/"
    out = []
    for line in io.StringIO(raw.decode("utf-8", errors="replace")):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        out.append(line if "://" in line or line.startswith("/") else base + line)
    if not out:
        raise InputError(f"paths list {path} holds no paths")
    warcs = [u for u in out if u.split("?", 1)[0].endswith(WARC_SUFFIXES)]
    if not warcs:
        raise InputError(
            f"paths list {path} names no .warc/.arc files (first entry: {out[0]!r}); "
            "pass a Common Crawl warc.paths(.gz) list, not a wat/wet/index list"
        )
    if len(warcs) < len(out):
        log.warning("paths list %s: ignoring %d entries that are not WARC/ARC files", path, len(out) - len(warcs))
    return warcs


def _expand_local(path: str) -> list[str]:
    if any(ch in path for ch in "*?["):
        matches = sorted(globlib.glob(path, recursive=True))
        files = [m for m in matches if os.path.isfile(m)]
        if not files:
            raise InputError(f"no files match {path!r}")
        return files
    p = Path(path)
    if p.is_dir():
        files = sorted(str(f) for f in p.rglob("*") if f.is_file() and f.name.endswith(WARC_SUFFIXES))
        if not files:
            raise InputError(f"directory {path} holds no .warc/.warc.gz/.arc/.arc.gz files")
        return files
    if not p.exists():
        raise InputError(f"no such file: {path}")
    if not p.is_file():
        raise InputError(f"not a regular file: {path}")
    return [str(p)]


def _expand_remote(path: str) -> list[str]:
    import fsspec

    if any(ch in path for ch in "*?["):
        fs, _, _ = fsspec.get_fs_token_paths(path)
        matches = sorted(fs.glob(path))
        if not matches:
            raise InputError(f"no files match {path!r}")
        proto = path.split("://", 1)[0]
        return [m if "://" in m else f"{proto}://{m}" for m in matches]
    return [path]


def expand_inputs(inputs: list[str], base_url: str = "https://data.commoncrawl.org/") -> list[str]:
    """Expand every input into a sorted, de-duplicated list of WARC/ARC file paths or URLs.

    Order is stable (inputs in the given order, each expanded sorted), so runs are reproducible.
    Local paths are made absolute, so two spellings of one file are one input.
    """
    if not inputs:
        raise InputError("no input given: pass WARC files, globs, directories or a warc.paths list")
    out: list[str] = []
    seen: set[str] = set()
    for item in inputs:
        item = _strip_file_scheme(item.strip())
        if is_paths_list(item):
            if not is_url(item) and not os.path.isfile(item):
                raise InputError(f"no such paths list: {item}")
            expanded = read_paths_list(item, base_url)
        elif is_url(item):
            expanded = _expand_remote(item)
        else:
            expanded = _expand_local(item)
        for path in expanded:
            if not is_url(path):
                # one spelling per file ("x.warc.gz" and "/abs/x.warc.gz"): provenance, document
                # ids and so the shard bytes must not depend on how the path was typed
                path = os.path.abspath(path)
            if path not in seen:
                seen.add(path)
                out.append(path)
    return out
