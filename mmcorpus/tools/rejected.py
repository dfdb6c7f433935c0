"""A capped, deterministic sample of the pages the filters dropped, per reason: ``OUT/rejected/``.

The first thing a person tuning filters wants to see is what the filters threw away (datatrove's
``exclusion_writer`` keeps every dropped document with its ``filter_reason``). A crawl drops
millions of pages, so only a sample is kept: for each reason the ``cap`` pages with the smallest
``blake2b(seed:record_id)``, the same pages on every run and runner. Each is written as one JSON
line in ``OUT/rejected/{stage}-{reason}.jsonl`` with its URL, provenance and text, where the text
is what extraction gives with no filter applied (``None`` when extraction itself found none), so
the reader sees what the rule saw. ``mmcorpus view OUT/`` shows them, per reason.

Covered: the per-page rules (``extract/``, ``language/``, ``text/`` drops and errors). Drops
decided across documents (dedup, KOSMOS-1 sampling) are counted in the ledger only.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from mmcorpus.config import Config
from mmcorpus.data import HtmlRecord

FOLDER = "rejected"
MAX_TEXT_CHARS = 4_000


def rank(seed: int, record: HtmlRecord) -> str:
    """Sort key of a rejected page: the sample is the ``cap`` smallest, per reason."""
    ident = record.provenance.record_id or f"{record.provenance.warc_file}@{record.provenance.offset}"
    return hashlib.blake2b(f"{seed}:{ident}".encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def file_name(reason: str) -> str:
    """``extract/dropped:no_content`` -> ``extract-dropped-no_content.jsonl`` (a safe name)."""
    return re.sub(r"[^0-9a-z_]+", "-", reason.lower()).strip("-") + ".jsonl"


def rejected_entry(reason: str, record: HtmlRecord, cfg: Config) -> dict[str, Any]:
    """The JSON line of one rejected page (extraction is re-run without filters, for the text)."""
    from mmcorpus.extract.document import extract_document

    text = title = None
    try:
        doc, _ = extract_document(record, cfg.extract)
    except Exception:  # noqa: BLE001 - the page already failed once; show it without text
        doc = None
    if doc is not None:
        text, title = doc.plain_text[:MAX_TEXT_CHARS], doc.title
    return {"reason": reason, "url": record.url, "title": title, "text": text,
            "provenance": record.provenance.to_json()}


def read_rejected(entries: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """{reason: rows} from ``{file name: JSONL text}`` (unparseable lines are skipped)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for _, text in sorted(entries.items()):
        for line in text.splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict) and isinstance(row.get("reason"), str):
                out.setdefault(row["reason"], []).append(row)
    return out
