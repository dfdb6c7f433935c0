"""Atomic, deterministic WebDataset shard writing.

Layout (webdataset conventions, as in ``webdataset.ShardWriter``): ``{prefix}-{index:06d}.tar``
holding members ``{key}.{ext}``, one sample per ``__key__`` (names and key rule:
:mod:`mmcorpus.shards.layout`); ``maxcount``/``maxsize`` become ``cfg.max_shard_samples``/
``cfg.max_shard_bytes``. Beside each tar a parquet index ``{prefix}-{index:06d}.parquet`` holds one
row per sample (key, shard, byte offset and size of the sample in the tar, plus the caller's
``index_row``).

Guarantees (docs/architecture.md, "Shards" and "Determinism"):

* Atomic: a shard is written to ``.{name}.tmp-{pid}`` in the same directory and ``os.replace``d
  when complete; the parquet index is published before its tar, so a finished-looking tar always
  has its index. An exception inside ``with ShardWriter(...)`` deletes the unfinished temporary
  file; finished shards stay.
* Deterministic: members are sorted by extension, with ``mtime=cfg.mtime``, uid/gid 0, empty
  uname/gname and mode 0o444, so the same samples give byte-identical tars.
* Remote output (``gs://``, ``s3://``, any fsspec URL): each finished file is written locally
  first and then uploaded with fsspec; object stores publish an object only when its upload
  completes, which is the remote equivalent of the rename.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from typing import Any

from mmcorpus.config import ShardConfig
from mmcorpus.io.fs import is_remote
from mmcorpus.shards.layout import EXT_RE, INDEX_COLUMNS, KEY_RE, shard_name

_BLOCK = tarfile.BLOCKSIZE  # 512


@dataclass(frozen=True)
class ShardInfo:
    name: str  # file name, e.g. "pairs-000003.tar"
    n_samples: int
    n_bytes: int
    sha256: str


class _HashingFile:
    """A write-only file wrapper that hashes and counts what passes through it."""

    def __init__(self, f: Any) -> None:
        self.f, self.h, self.n = f, hashlib.sha256(), 0

    def write(self, b: bytes) -> int:
        self.h.update(b)
        self.n += len(b)
        return self.f.write(b)

    def tell(self) -> int:
        return self.n

    def flush(self) -> None:
        self.f.flush()


def _member_size(n: int) -> int:
    return _BLOCK + -(-n // _BLOCK) * _BLOCK


def sample_size(sample: dict[str, Any]) -> int:
    """Bytes a sample takes in a tar: a header block per member, data padded to whole blocks."""
    return sum(_member_size(len(v)) for k, v in sample.items() if not k.startswith("__"))


def archive_size(n: int) -> int:
    """Archive size once closed: two zero blocks, then padding to tarfile's RECORDSIZE."""
    return -(-(n + 2 * _BLOCK) // tarfile.RECORDSIZE) * tarfile.RECORDSIZE


class ShardWriter:
    """Write samples (dicts of ``__key__`` and ``ext -> bytes``) into rotating tar shards."""

    def __init__(self, out_dir: str | os.PathLike, prefix: str, cfg: ShardConfig | None = None,
                 start_index: int = 0, rotate: bool = True) -> None:
        """Shards ``{prefix}-{start_index:06d}.tar``, ... in ``out_dir``.

        With ``rotate=False`` everything written goes into the one shard ``start_index``: the
        caller has already cut its samples into shards (:func:`mmcorpus.shards.sets.plan_shards`).
        """
        if not KEY_RE.match(prefix):
            raise ValueError(f"shard prefix must match {KEY_RE.pattern}: {prefix!r}")
        self.out_dir = os.fspath(out_dir)
        self.prefix = prefix
        self.cfg = cfg or ShardConfig()
        self.index = start_index
        self.rotate = rotate
        self.infos: list[ShardInfo] = []
        self._remote = is_remote(self.out_dir)
        if self._remote:
            import fsspec

            self._fs, self._root = fsspec.core.url_to_fs(self.out_dir)
            self._fs.makedirs(self._root, exist_ok=True)
            self._local_dir = tempfile.mkdtemp(prefix="mmcorpus-shards-")
        else:
            os.makedirs(self.out_dir, exist_ok=True)
            self._local_dir = self.out_dir
        self._tar: tarfile.TarFile | None = None
        self._raw = None
        self._hf: _HashingFile | None = None
        self._tmp = ""
        self._rows: list[dict[str, Any]] = []
        self._n = 0
        self._bytes = 0
        self._keys: set[str] = set()

    # -- public API ------------------------------------------------------------------------------

    def write(self, sample: dict[str, Any], index_row: dict[str, Any] | None = None) -> None:
        key, members = _check_sample(sample)
        if key in self._keys:
            raise ValueError(f"duplicate __key__ {key!r}")
        if index_row and set(index_row) & set(INDEX_COLUMNS):
            raise ValueError(f"index_row must not use the reserved columns {INDEX_COLUMNS}")
        size = sum(_member_size(len(data)) for _, data in members)
        if self._tar is not None and self.rotate and (
            self._n + 1 > self.cfg.max_shard_samples
            or archive_size(self._bytes + size) > self.cfg.max_shard_bytes
        ):
            self._finish()
        if self._tar is None:
            self._open()
        offset = self._hf.tell()
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime, ti.mode = len(data), self.cfg.mtime, 0o444
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = ""
            ti.type = tarfile.REGTYPE
            self._tar.addfile(ti, io.BytesIO(data))
        self._keys.add(key)
        self._rows.append({"key": key, "shard": self._name(), "tar_offset": offset,
                           "tar_size": self._hf.tell() - offset, **(index_row or {})})
        self._n += 1
        self._bytes = self._hf.tell()

    def close(self) -> list[ShardInfo]:
        """Finish the open shard (if any) and return every shard written by this writer."""
        if self._tar is not None:
            self._finish()
        if self._remote:
            shutil.rmtree(self._local_dir, ignore_errors=True)
        return list(self.infos)

    def abort(self) -> None:
        """Drop the unfinished shard: close and delete its temporary files."""
        if self._tar is not None:
            try:
                self._tar.close()
                self._raw.close()
            finally:
                self._tar = None
                for p in (self._tmp, self._tmp + ".parquet", self._tmp + "_stats.json"):
                    if os.path.exists(p):
                        os.remove(p)
        if self._remote:
            shutil.rmtree(self._local_dir, ignore_errors=True)

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    # -- internals -------------------------------------------------------------------------------

    def _name(self, ext: str = "tar") -> str:
        return shard_name(self.prefix, self.index, ext)

    def _open(self) -> None:
        self._tmp = os.path.join(self._local_dir, f".{self._name()}.tmp-{os.getpid()}")
        self._raw = open(self._tmp, "wb")  # noqa: SIM115 - closed in _finish/abort
        self._hf = _HashingFile(self._raw)
        self._tar = tarfile.open(fileobj=self._hf, mode="w", format=tarfile.PAX_FORMAT)  # noqa: SIM115
        self._rows, self._n, self._bytes = [], 0, 0

    def _finish(self) -> None:
        self._tar.close()
        self._raw.close()
        info = ShardInfo(self._name(), self._n, self._hf.n, self._hf.h.hexdigest())
        tmp_parquet = self._tmp + ".parquet"
        _write_parquet(self._rows, tmp_parquet)
        # img2dataset's per-shard {shard}_stats.json (no timestamps: reruns stay byte-identical)
        tmp_stats = self._tmp + "_stats.json"
        with open(tmp_stats, "w") as f:
            json.dump({"count": self._n, "successes": self._n, "failed": 0, "status_dict": {"success": self._n},
                       "bytes": info.n_bytes, "sha256": info.sha256}, f, sort_keys=True)
        self._publish(tmp_stats, self._name("tar")[: -len(".tar")] + "_stats.json")
        self._publish(tmp_parquet, self._name("parquet"))  # index first: a visible tar has one
        self._publish(self._tmp, info.name)
        self.infos.append(info)
        self._tar, self._rows = None, []
        self.index += 1

    def _publish(self, tmp: str, name: str) -> None:
        if self._remote:
            self._fs.put_file(tmp, f"{self._root.rstrip('/')}/{name}")
            os.remove(tmp)
        else:
            os.replace(tmp, os.path.join(self.out_dir, name))


def _check_sample(sample: dict[str, Any]) -> tuple[str, list[tuple[str, bytes]]]:
    key = sample.get("__key__")
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise ValueError(f"__key__ must be a str matching {KEY_RE.pattern}, got {key!r}")
    members = []
    for ext, value in sample.items():
        if ext.startswith("__"):
            continue
        if not EXT_RE.match(ext):
            raise ValueError(f"extension must match {EXT_RE.pattern}, got {ext!r} (key {key})")
        if isinstance(value, str):
            value = value.encode("utf-8")
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise ValueError(f"value of {key}.{ext} must be bytes or str, got {type(value).__name__}")
        members.append((f"{key}.{ext}", bytes(value)))
    if not members:
        raise ValueError(f"sample {key!r} has no fields")
    return key, sorted(members)


def _write_parquet(rows: list[dict[str, Any]], path: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows), path)
