"""Reading shard sets back: find a dataset's shards (local or any fsspec URL) and iterate samples.

The stage pattern is webdataset's (``tariterators.py``): a private generator over raw tar members
(:func:`_tar_members`), a private generator grouping them into samples (:func:`_group_samples`),
and public functions that chain them (:func:`iter_samples`, :func:`iter_dataset`). Errors are a
parameter: ``handler`` gets each :class:`ShardError` and returns True to go on, False to stop;
the default :func:`reraise` raises.

Tar member names come from files anyone could have written, so they are untrusted
(docs/architecture.md, "Safety"): members are read into memory and never extracted; absolute names,
``..`` components, backslashes and control characters are reported as ``unsafe_member`` and
skipped, as are links and anything that is not a regular file (``non_file_member``). A tar that
ends early (data cut short, or no end-of-archive blocks) is reported as ``truncated_tar``.
Nothing here writes to disk.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mmcorpus.errors import UserError
from mmcorpus.io.fs import is_remote
from mmcorpus.shards.layout import SETS, SHARD_RE

_BLOCK = tarfile.BLOCKSIZE
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ShardError(Exception):
    """A problem found while reading a shard: ``kind`` is a stable snake_case name."""

    def __init__(self, kind: str, shard: str, message: str, key: str | None = None) -> None:
        super().__init__(f"{shard}: {kind}: {message}" + (f" (key {key})" if key else ""))
        self.kind, self.shard, self.message, self.key = kind, shard, message, key


def reraise(exc: ShardError) -> bool:
    raise exc


def ignore(exc: ShardError) -> bool:
    return True


Handler = Callable[[ShardError], bool]


def unsafe_name_reason(name: str) -> str | None:
    """Why a tar member name must not be trusted, or None when it is a plain relative name."""
    if not name:
        return "empty name"
    if _CONTROL.search(name):
        return "control character in name"
    if "\\" in name:
        return "backslash in name"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "absolute path"
    if any(part in ("..", ".") for part in name.split("/")):
        return "'..' or '.' path component"
    return None


# -- stage 1: tar members ----------------------------------------------------------------------

def _tar_members(fileobj: Any, shard: str, handler: Handler = reraise,
                 max_member_bytes: int = 1 << 30) -> Iterator[dict[str, Any]]:
    """Yield {name, data, offset, end} per safe regular member; report problems to ``handler``."""
    try:
        tf = tarfile.open(fileobj=fileobj, mode="r:")  # noqa: SIM115 - the caller owns fileobj
    except (tarfile.TarError, EOFError, OSError) as e:
        handler(ShardError("truncated_tar" if "empty" in str(e) or isinstance(e, EOFError) else "bad_tar",
                           shard, f"cannot open as tar: {e}"))
        return
    while True:
        try:
            m = tf.next()
        except (tarfile.TarError, EOFError, OSError) as e:
            handler(ShardError("truncated_tar", shard, f"bad or cut-off member header: {e}"))
            return
        if m is None:
            break
        reason = unsafe_name_reason(m.name)
        if reason:
            if not handler(ShardError("unsafe_member", shard, f"member {m.name!r} skipped: {reason}")):
                return
            continue
        if not m.isreg():
            kind = "link" if (m.issym() or m.islnk()) else "non-file member"
            if not handler(ShardError("non_file_member", shard, f"member {m.name!r} skipped: {kind}")):
                return
            continue
        if m.size > max_member_bytes:
            if not handler(ShardError("member_too_large", shard, f"member {m.name!r}: {m.size} bytes")):
                return
            continue
        try:
            data = tf.extractfile(m).read()
        except (tarfile.TarError, EOFError, OSError) as e:
            handler(ShardError("truncated_tar", shard, f"member {m.name!r} cut short: {e}"))
            return
        if len(data) != m.size:
            handler(ShardError("truncated_tar", shard, f"member {m.name!r} cut short"))
            return
        yield {"name": m.name, "data": data, "offset": m.offset,
               "end": m.offset_data + -(-m.size // _BLOCK) * _BLOCK}
    # a finished tar ends with (at least) two zero blocks; a cut at a header boundary leaves none
    try:
        fileobj.seek(tf.offset)
        trailer = fileobj.read(2 * _BLOCK)
    except (OSError, ValueError):
        return
    if len(trailer) < 2 * _BLOCK or trailer.strip(b"\0"):
        handler(ShardError("truncated_tar", shard, f"no end-of-archive marker after byte {tf.offset}"))


# -- stage 2: samples ---------------------------------------------------------------------------

def split_name(name: str) -> tuple[str, str]:
    """webdataset's rule: the key is the name up to the first dot of its last path component."""
    head, _, base = name.rpartition("/")
    stem, dot, ext = base.partition(".")
    return (f"{head}/{stem}" if head else stem), ext


def _group_samples(members: Iterable[dict[str, Any]], shard: str,
                   handler: Handler = reraise) -> Iterator[dict[str, Any]]:
    """Group consecutive members sharing a key into samples: {__key__, __url__, __offset__, ext: bytes}."""
    current: dict[str, Any] | None = None
    for m in members:
        key, ext = split_name(m["name"])
        if current is not None and key != current["__key__"]:
            yield current
            current = None
        if current is None:
            current = {"__key__": key, "__url__": shard, "__offset__": m["offset"]}
        if not ext or ext in current:
            what = "has no extension" if not ext else "repeats an extension"
            if not handler(ShardError("bad_member_name", shard, f"member {m['name']!r} {what}", key)):
                return
            continue
        current[ext] = m["data"]
        current["__size__"] = m["end"] - current["__offset__"]
    if current is not None:
        yield current


# -- public API ---------------------------------------------------------------------------------

def _open(url: str):
    import fsspec

    return fsspec.open(url, "rb").open()


def iter_samples(url: str, handler: Handler = reraise, max_member_bytes: int = 1 << 30) -> Iterator[dict[str, Any]]:
    """Every sample of one tar shard, in file order (local path or fsspec URL)."""
    try:
        f = _open(url)
    except (OSError, ValueError) as e:
        handler(ShardError("unreadable", url, str(e)))
        return
    with f:
        yield from _group_samples(_tar_members(f, url, handler, max_member_bytes), url, handler)


def read_sample_at(url: str, offset: int, size: int, handler: Handler = reraise) -> dict[str, Any] | None:
    """One sample read from its byte range (the parquet index's ``tar_offset``/``tar_size``)."""
    with _open(url) as f:
        f.seek(offset)
        data = f.read(size)
    # a byte range is a tar without its end blocks: add them so the trailer check passes
    buf = io.BytesIO(data + b"\0" * (2 * _BLOCK))
    samples = list(_group_samples(_tar_members(buf, url, handler), url, handler))
    if not samples:
        return None
    samples[0]["__offset__"] += offset
    return samples[0]


@dataclass
class Dataset:
    """What a PATH names: an OUT folder (with its manifest), one set folder, or a single tar."""

    root: str
    kind: str  # "out", "set" or "tar"
    sets: dict[str, list[str]] = field(default_factory=dict)  # set name -> shard URLs, sorted
    manifest: dict[str, Any] | None = None
    set_dirs: dict[str, str] = field(default_factory=dict)

    @property
    def n_shards(self) -> int:
        return sum(len(v) for v in self.sets.values())


def _join(root: str, name: str) -> str:
    return root.rstrip("/") + "/" + name


def set_name_of(shard_url: str, default: str = "unknown") -> str:
    m = SHARD_RE.match(shard_url.rstrip("/").rsplit("/", 1)[-1])
    return m.group("set") if m else default


def _list_tars(fs, path: str, url_of) -> list[str]:
    names = [p.rstrip("/").rsplit("/", 1)[-1] for p in fs.ls(path, detail=False)]
    return [url_of(_join(path, n)) for n in sorted(names) if n.endswith(".tar") and not n.startswith(".")]


def open_dataset(path: str) -> Dataset:
    """Resolve PATH (OUT folder, set folder or tar; local or fsspec URL) to its shards."""
    import fsspec

    fs, p = fsspec.core.url_to_fs(path)
    remote = is_remote(path)

    def url_of(q: str) -> str:
        return fs.unstrip_protocol(q) if remote else q

    if not fs.exists(p):
        raise UserError(f"{path}: no such file or folder")
    if fs.isfile(p):
        if not p.endswith(".tar"):
            raise UserError(f"{path}: expected an output folder, a set folder or a .tar shard")
        parent = p.rstrip("/").rsplit("/", 1)[0] if "/" in p else "."
        name = set_name_of(p, parent.rsplit("/", 1)[-1])
        return Dataset(path, "tar", {name: [url_of(p)]}, set_dirs={name: url_of(parent)})
    manifest = None
    if fs.isfile(_join(p, "manifest.json")):
        try:
            with fs.open(_join(p, "manifest.json"), "rb") as f:
                manifest = json.load(f)
        except ValueError as e:
            raise UserError(f"{path}/manifest.json is not valid JSON: {e}") from e
    subsets = [s for s in SETS if fs.isdir(_join(p, s))]
    if manifest is not None or subsets:
        ds = Dataset(path, "out", manifest=manifest)
        for s in subsets:
            ds.sets[s] = _list_tars(fs, _join(p, s), url_of)
            ds.set_dirs[s] = url_of(_join(p, s))
        return ds
    tars = _list_tars(fs, p, url_of)
    if not tars:
        raise UserError(f"{path}: no shards (*.tar) and no {', '.join(SETS)} folders here")
    by_set: dict[str, list[str]] = {}
    folder = p.rstrip("/").rsplit("/", 1)[-1]
    for t in tars:
        by_set.setdefault(set_name_of(t, folder), []).append(t)
    return Dataset(path, "set", by_set, set_dirs={s: url_of(p) for s in by_set})


def iter_dataset(ds: Dataset, sets: Iterable[str] | None = None, handler: Handler = reraise,
                 limit: int | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """(set name, sample) over the dataset's shards in order; ``limit`` samples per set at most."""
    for name in sets or ds.sets:
        n = 0
        for url in ds.sets.get(name, []):
            for sample in iter_samples(url, handler):
                if limit is not None and n >= limit:
                    break
                n += 1
                yield name, sample
            if limit is not None and n >= limit:
                break


def read_parquet(url: str, fs=None):
    """A parquet file (local path or fsspec URL) as a ``pyarrow.Table``, or None when absent.

    The one place shard indexes are read. The bytes are read here, on the calling thread, and
    parsed from an Arrow-owned copy: pyarrow's reader finishes on its IO thread pool even with
    ``use_threads=False``, and a pool thread that drops the last reference to a *Python* object
    (an fsspec file, or the ``bytes`` behind a ``BufferReader``) needs the GIL; while the
    interpreter finalises it cannot get it, and the process aborts ("terminate called without
    an active exception", exit 134) after the work is done (issue 14: up to 23 of 30 ``mmcorpus
    show`` runs with a file object; about 1 in 20 with the ``bytes``, seen in a core dump).
    Indexes are small (one row per sample), so reading and copying them whole costs nothing.
    """
    import fsspec
    import pyarrow as pa
    import pyarrow.parquet as pq

    if fs is None:
        fs, url = fsspec.core.url_to_fs(url)
    if not fs.exists(url):
        return None
    with fs.open(url, "rb") as f:
        data = f.read()
    sink = pa.BufferOutputStream()  # Arrow-owned memory: no Python object for a pool thread to free
    sink.write(data)
    return pq.read_table(pa.BufferReader(sink.getvalue()), use_threads=False)


def read_index(shard_url: str) -> list[dict[str, Any]] | None:
    """The shard's parquet index rows, or None when it has none."""
    table = read_parquet(shard_url[: -len(".tar")] + ".parquet")
    return None if table is None else table.to_pylist()


def read_json(url: str) -> Any:
    """A JSON file by path or URL, or None when it does not exist."""
    import fsspec

    fs, p = fsspec.core.url_to_fs(url)
    if not fs.exists(p):
        return None
    with fs.open(p, "rb") as f:
        return json.load(f)


def find_key(ds: Dataset, key: str, sets: Iterable[str] | None = None) -> tuple[str, dict[str, Any]] | None:
    """(set, sample) for ``key``: via the parquet indexes when present, else by scanning."""
    for name in sets or ds.sets:
        for url in ds.sets.get(name, []):
            rows = read_index(url)
            if rows is None:
                hit = next((s for s in iter_samples(url, ignore) if s["__key__"] == key), None)
            else:
                row = next((r for r in rows if r["key"] == key), None)
                hit = read_sample_at(url, row["tar_offset"], row["tar_size"], ignore) if row else None
            if hit is not None:
                return name, hit
    return None


def decode_json(sample: dict[str, Any]) -> dict[str, Any] | None:
    """The sample's ``.json`` member parsed, or None when absent or not valid JSON."""
    try:
        body = json.loads(sample["json"])
    except (KeyError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def nth_sample(ds: Dataset, set_name: str, n: int) -> tuple[str, dict[str, Any]] | None:
    """The ``n``-th sample (from 0) of a set, in shard order; uses sizes per shard to skip shards."""
    if n < 0:
        return None
    for url in ds.sets.get(set_name, []):
        rows = read_index(url)
        if rows is not None and n >= len(rows):
            n -= len(rows)
            continue
        if rows is not None:
            row = rows[n]
            sample = read_sample_at(url, row["tar_offset"], row["tar_size"], ignore)
            return (set_name, sample) if sample else None
        for sample in iter_samples(url, ignore):
            if n == 0:
                return set_name, sample
            n -= 1
    return None
