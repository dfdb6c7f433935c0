"""What happened to each input file: one row per WARC in ``OUT/inputs.jsonl``.

A crawl job reads thousands of files; a few fail (HTTP 503, a truncated download, a file that is
not a WARC). The ledger counts such a failure as ``warc/error:<reason>`` but cannot say *which*
file, and a job with a failed input is not the corpus the user asked for. So every input file
gets an outcome row (img2dataset keeps one ``{shard}_stats.json`` per shard for the same reason):

``{"path", "status", "records", "pages", "images", "bytes", "seconds", "errors", "message", "batch"}``

``status`` is ``ok`` (read to the end), ``failed`` (an error, and not one page or image came out
of the file: reading it again cannot duplicate anything) or ``partial`` (an error after some pages
or images were read). The summary lists failed and partial files, the run exits non-zero when
their share is above ``--max-failed-inputs``, and a rerun with ``--append`` reads only the inputs
that are new or ``failed`` (a ``partial`` file is not re-read: its pages are already in the corpus).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

OK, FAILED, PARTIAL = "ok", "failed", "partial"


def canonical_input(path: str) -> str:
    """The spelling used to recognise an input across runs: absolute for local paths."""
    if "://" in path and not path.startswith("file://"):
        return path
    return os.path.abspath(path[len("file://"):] if path.startswith("file://") else path)


def file_outcome(path: str, warc_counts: Mapping[str, int], n_bytes: int | None, seconds: float,
                 messages: Iterable[str] = ()) -> dict[str, Any]:
    """One input's row, from the ``warc`` stage counters of that file alone."""
    errors = {k.split(":", 1)[1]: v for k, v in sorted(warc_counts.items()) if k.startswith("error:")}
    pages, images = warc_counts.get("pages", 0), warc_counts.get("images", 0)
    status = OK if not errors else (FAILED if pages + images == 0 else PARTIAL)
    messages = [m for m in messages if m]
    return {
        "path": path,
        "status": status,
        "records": warc_counts.get("records_read", 0),
        "pages": pages,
        "images": images,
        "bytes": n_bytes,
        "seconds": round(seconds, 3),
        "errors": errors,
        "message": "; ".join(dict.fromkeys(messages))[:2000] or None,
    }


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals for the manifest: counts by status, and the files that did not read cleanly."""
    by_status = {s: sum(1 for r in rows if r["status"] == s) for s in (OK, PARTIAL, FAILED)}
    problems = [{"path": r["path"], "status": r["status"], "errors": r["errors"], "message": r["message"]}
                for r in rows if r["status"] != OK]
    return {"files": len(rows), **by_status, "not_ok": problems}


def failed_share(summary: Mapping[str, Any]) -> float:
    return (summary["failed"] + summary["partial"]) / summary["files"] if summary["files"] else 0.0


def to_process(paths: list[str], earlier: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(inputs to read now, inputs skipped because an earlier batch read them).

    The latest row of a file decides: ``ok`` and ``partial`` are not read again.
    """
    last = {}
    for row in earlier:
        last[canonical_input(row["path"])] = row["status"]
    todo, skipped = [], []
    for p in paths:
        (skipped if last.get(canonical_input(p)) in (OK, PARTIAL) else todo).append(p)
    return todo, skipped


def read_rows(text: str) -> list[dict[str, Any]]:
    """Rows of an ``inputs.jsonl`` (lines that do not parse are ignored: the file is advisory)."""
    rows = []
    for line in text.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and isinstance(row.get("path"), str) and "status" in row:
            rows.append(row)
    return rows


def rows_jsonl(rows: Iterable[Mapping[str, Any]]) -> str:
    return "".join(json.dumps(dict(r), sort_keys=True) + "\n" for r in rows)
