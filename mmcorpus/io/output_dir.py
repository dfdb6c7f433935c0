"""The output folder's lifecycle: checked before any work, cleaned when a run starts.

``mmcorpus run`` writes into ``OUT/``: the shard sets, ``manifest.json``, ``inputs.jsonl`` and a
few working files. What a person can know up front is checked up front, in seconds, with one
line that says what to do (img2dataset's ``arguments_validator`` habit):

* the path is a file, or cannot be created or written (permissions, read-only mount);
* the disk is (nearly) full: "No space left on device" otherwise surfaces deep inside a worker;
* the filesystem of a URL is not installed (``gs://`` needs ``gcsfs``, ``s3://`` needs ``s3fs``),
  or the bucket cannot be written with the credentials at hand (not probed in a dry run, which
  must not need the network);
* the folder already holds a corpus: it is refused unless the run says ``--overwrite`` (replace
  it) or ``--append`` (add a batch beside it). Outputs are never replaced silently.

When a run starts, the manifest is invalidated first (removed, or for ``--append`` moved to
``.manifest.previous.json``), so a killed run never leaves an old ``manifest.json`` beside
half-replaced shards, and the temporary and staging files a killed run left are removed.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from typing import Any

from mmcorpus.errors import UserError
from mmcorpus.io.fs import is_remote, join

MANIFEST = "manifest.json"
PREVIOUS_MANIFEST = ".manifest.previous.json"
INPUTS_FILE = "inputs.jsonl"
#: working files of a run in progress; a finished run leaves none of them
WORK_FILES = ("_outputs.json", "_inputs.json", "_progress", ".manifest.json.tmp", "_staging")
#: what ``--overwrite`` removes: everything a run writes (kept: a download cache, foreign files)
RUN_FILES = (MANIFEST, PREVIOUS_MANIFEST, INPUTS_FILE, "rejected", "dedupe", *WORK_FILES)
#: entries that do not make a folder "hold a corpus" (the image download cache is reused on purpose)
IGNORED = ("_image_cache",)
#: refuse to start with less free space than this on a local output disk
MIN_FREE_BYTES = 64 * 1024 * 1024
MODES = ("new", "overwrite", "append")

_TMP_RE = re.compile(r"^\..*\.tmp(-\d+)?(\.parquet)?$|^\.[^/]*\.tmp-\d+.*$")


class OutputError(UserError):
    """An output folder that cannot be used as asked; the message says why and what to do."""


@dataclass
class OutputState:
    """What the up-front check found: the folder's existing content and (for append) its manifest."""

    out: str
    mode: str
    entries: list[str] = field(default_factory=list)
    previous: dict[str, Any] | None = None


def _set_names() -> tuple[str, ...]:
    from mmcorpus.shards.layout import SETS

    return tuple(SETS)


def filesystem(out: str):
    """(fs, root) for ``out``; a missing fsspec implementation is an :class:`OutputError`."""
    import fsspec

    try:
        return fsspec.core.url_to_fs(out)
    except ImportError as e:
        proto = out.split("://", 1)[0]
        hint = {"gs": "gcsfs", "gcs": "gcsfs", "s3": "s3fs", "az": "adlfs", "abfs": "adlfs"}.get(proto)
        extra = f" (pip install {hint})" if hint else ""
        raise OutputError(f"cannot use {out}: the {proto}:// filesystem is not installed{extra}: {e}") from None
    except ValueError as e:
        raise OutputError(f"cannot use {out}: {e}") from None


def check_filesystems(paths: list[str]) -> None:
    """Every URL scheme among ``paths`` has an installed fsspec implementation (no network used)."""
    import fsspec

    for proto in sorted({p.split("://", 1)[0] for p in paths if is_remote(p)}):
        try:
            fsspec.get_filesystem_class(proto)
        except ImportError as e:
            raise OutputError(f"cannot read {proto}:// inputs: {e}") from None
        except ValueError as e:
            raise OutputError(f"cannot read {proto}:// inputs: {e}") from None


def disk_full_message(text: str, out: str) -> str | None:
    """The one-line message for an error whose text says the disk is full, else None."""
    if "No space left on device" not in text and f"[Errno {errno.ENOSPC}]" not in text:
        return None
    where = out
    try:
        free = shutil.disk_usage(out).free
        where = f"{out} ({free / 1e6:,.0f} MB free now)"
    except OSError:
        pass
    return f"disk full while writing {where}: No space left on device; free space or choose another -o"


def _listing(fs, root: str) -> list[str]:
    if not fs.exists(root):
        return []
    return sorted(p.rstrip("/").rsplit("/", 1)[-1] for p in fs.ls(root, detail=False))


def check_output(out: str, mode: str = "new", dry_run: bool = False,
                 min_free_bytes: int = MIN_FREE_BYTES) -> OutputState:
    """Check that ``out`` can take this run; raise :class:`OutputError` with one line if not.

    A dry run checks only what needs no network and writes nothing.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    out = out.rstrip("/") or "/"
    state = OutputState(out, mode)
    if is_remote(out):
        if dry_run:  # nothing is written; the workers, not this machine, need the filesystem
            return state
        fs, root = filesystem(out)
        try:
            if fs.isfile(root):
                raise OutputError(f"output path {out} is a file, not a folder")
            state.entries = [e for e in _listing(fs, root) if e not in IGNORED]
            probe = join(root, f".mmcorpus-write-test-{uuid.uuid4().hex}")
            fs.pipe_file(probe, b"")
            fs.rm(probe)
        except OutputError:
            raise
        except Exception as e:  # credentials, permissions, missing bucket: say so before the run
            raise OutputError(f"cannot write to {out}: {type(e).__name__}: {e}") from None
    else:
        out = out[len("file://"):] if out.startswith("file://") else out
        state.out = out
        if os.path.isfile(out):
            raise OutputError(f"output path {out} is a file, not a folder")
        if os.path.exists(out) and not os.path.isdir(out):
            raise OutputError(f"output path {out} is not a folder")
        if os.path.isdir(out):
            state.entries = sorted(e for e in os.listdir(out) if e not in IGNORED)
        if not dry_run:
            _probe_local(out, min_free_bytes)
    if state.entries and mode == "new":
        shown = ", ".join(state.entries[:5]) + (", ..." if len(state.entries) > 5 else "")
        raise OutputError(
            f"output folder {out} is not empty ({shown}): pass --overwrite to replace it, "
            "or --append to add this run as a new batch beside it"
        )
    if mode == "append" and state.entries:
        state.previous = read_previous_manifest(out)
        if state.previous is None:
            raise OutputError(
                f"cannot append to {out}: it holds no {MANIFEST} of a finished run; "
                "pass --overwrite to replace it"
            )
    return state


def _probe_local(out: str, min_free_bytes: int) -> None:
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create output folder {out}: {e.strerror or e}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(f"output folder {out} is not writable")
    probe = os.path.join(out, f".mmcorpus-write-test-{os.getpid()}")
    try:
        with open(probe, "wb") as f:
            f.write(b"\0" * 4096)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        msg = disk_full_message(str(e), out) if e.errno == errno.ENOSPC else None
        raise OutputError(msg or f"output folder {out} is not writable: {e.strerror or e}") from None
    finally:
        if os.path.exists(probe):
            os.remove(probe)
    free = shutil.disk_usage(out).free
    if free < min_free_bytes:
        raise OutputError(
            f"output folder {out} is on a full disk: {free / 1e6:,.1f} MB free, at least "
            f"{min_free_bytes / 1e6:,.0f} MB needed to start (No space left on device)"
        )


def read_previous_manifest(out: str) -> dict[str, Any] | None:
    """The manifest of the corpus already in ``out``: ``manifest.json``, or the one an append
    that was killed had moved aside (``.manifest.previous.json``)."""
    fs, root = filesystem(out)
    for name in (MANIFEST, PREVIOUS_MANIFEST):
        path = join(root, name)
        try:
            if not fs.exists(path):
                continue
            with fs.open(path, "rb") as f:
                data = json.load(f)
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("outputs"), dict):
            return data
    return None


def start_run(state: OutputState) -> None:
    """Make ``state.out`` ready for the run: invalidate the manifest, remove what is stale.

    * new: nothing to do beyond creating the folder;
    * overwrite: remove every file a run writes (shard sets, manifest, inputs list, rejected
      samples, working files); a download cache and files mmcorpus did not write stay;
    * append: move the manifest aside (kept as ``.manifest.previous.json`` until the new one is
      written), and remove shards that no manifest lists (left by a killed append) and all
      temporary and staging files.
    """
    fs, root = filesystem(state.out)
    fs.makedirs(root, exist_ok=True)
    if state.mode == "overwrite":
        for name in (*RUN_FILES, *_set_names()):
            path = join(root, name)
            if fs.exists(path):
                fs.rm(path, recursive=True)
        return
    if state.mode == "append" and state.previous is not None:
        manifest = join(root, MANIFEST)
        if fs.exists(manifest):
            with fs.open(join(root, PREVIOUS_MANIFEST), "w") as f:
                json.dump(state.previous, f)
            fs.rm(manifest)
        remove_unlisted_shards(state.out, state.previous)
    remove_stale_files(state.out)


def remove_stale_files(out: str) -> list[str]:
    """Remove working, temporary and staging files a killed run left; returns what was removed."""
    fs, root = filesystem(out)
    removed = []
    candidates = [join(root, n) for n in WORK_FILES]
    for folder in (root, *(join(root, s) for s in _set_names())):
        if not fs.exists(folder):
            continue
        candidates.append(join(folder, "_staging"))
        candidates += [join(folder, n) for n in _listing(fs, folder) if _TMP_RE.match(n)]
    for path in candidates:
        if fs.exists(path):
            fs.rm(path, recursive=True)
            removed.append(path)
    return removed


def remove_unlisted_shards(out: str, manifest: dict[str, Any]) -> list[str]:
    """Remove shard files (tar, parquet, stats) of a set that ``manifest`` does not list."""
    fs, root = filesystem(out)
    removed = []
    for set_name in _set_names():
        folder = join(root, set_name)
        if not fs.exists(folder):
            continue
        listed = {s["name"].rsplit(".", 1)[0] for s in manifest.get("outputs", {}).get(set_name, {}).get("shards", [])}
        pattern = re.compile(rf"^({re.escape(set_name)}-\d{{6}})[._]")
        for name in _listing(fs, folder):
            m = pattern.match(name)
            if m and m.group(1) not in listed:
                fs.rm(join(folder, name))
                removed.append(join(folder, name))
    return removed


def next_shard_indices(previous: dict[str, Any] | None) -> dict[str, int]:
    """For ``--append``: per set, the first shard index after the shards already written."""
    out = {}
    for set_name in _set_names():
        shards = (previous or {}).get("outputs", {}).get(set_name, {}).get("shards", [])
        idx = [int(m.group(1)) for s in shards if (m := re.search(r"-(\d{6})\.tar$", s["name"]))]
        out[set_name] = max(idx) + 1 if idx else 0
    return out


def batch_entry(manifest: dict[str, Any], batch: int) -> dict[str, Any]:
    """What one run added: its inputs, shards, ledger and config (kept in ``manifest["batches"]``)."""
    return {
        "batch": batch,
        "created": manifest.get("created"),
        "seconds": manifest.get("seconds"),
        "runner": manifest.get("runner"),
        "inputs": list(manifest.get("inputs", [])),
        "shards": {name: [s["name"] for s in entry.get("shards", [])]
                   for name, entry in manifest.get("outputs", {}).items()},
        "ledger": dict(manifest.get("ledger", {})),
        "config": manifest.get("config"),
    }


def merge_manifests(previous: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """The manifest of a folder after ``new`` was appended to ``previous`` (None: first batch).

    Outputs list every batch's shards; the ledger is the sum of the batches' ledgers and its
    balance is recomputed on that sum; ``batches`` keeps each batch's own record.
    """
    from mmcorpus.ledger import Ledger, balance

    merged = dict(new)
    if previous is None:
        merged["batches"] = [batch_entry(new, 0)]
        return merged
    batches = list(previous.get("batches") or [batch_entry(previous, 0)])
    batches.append(batch_entry(new, len(batches)))
    outputs: dict[str, Any] = {}
    for name in sorted(set(previous.get("outputs", {})) | set(new.get("outputs", {}))):
        shards = [*previous.get("outputs", {}).get(name, {}).get("shards", []),
                  *new.get("outputs", {}).get(name, {}).get("shards", [])]
        outputs[name] = {**new.get("outputs", {}).get(name, {}), "samples": sum(s["samples"] for s in shards),
                         "shards": shards}
    ledger = Ledger(previous.get("ledger", {})).merge(new.get("ledger", {}))
    merged.update(
        inputs=[*previous.get("inputs", []), *new.get("inputs", [])],
        outputs=outputs,
        ledger=ledger.to_dict(),
        balance=balance(ledger),
        seconds=round(sum(b.get("seconds") or 0 for b in batches), 2),
        batches=batches,
    )
    return merged
