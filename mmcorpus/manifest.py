"""The run manifest (``OUT/manifest.json``) and the ledger's balance.

Every record read ends in exactly one place (ARCHITECTURE.md, "Accounting"):

* WARC stage: ``records_read = pages + images + skipped(*) + errors(*)``;
* pages: ``pages = written to interleaved/ + written to text/ + drops(*) + errors(*)`` over the
  page stages (extract, language, text, dedup, doc_rules, pipeline errors);
* image records: ``images = image/kept + image/dropped(*) + image_join/dropped(*)``.

Pairs are derived from kept images and reported beside the ledger, not inside the identity.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from mmcorpus import __version__
from mmcorpus.ledger import Ledger

PAGE_STAGES = ("extract", "language", "text", "dedup", "doc_rules", "pipeline")
IMAGE_STAGES = ("image", "image_join")


def _sum_kinds(ledger: Ledger, stage: str, kinds=("dropped", "error")) -> dict[str, int]:
    out = {}
    for kind in kinds:
        for reason, n in ledger.by_prefix(stage, kind).items():
            out[f"{stage}/{kind}:{reason}"] = n
    return out


def balance(ledger: Ledger) -> dict[str, Any]:
    w = ledger.stage("warc")
    read = w.get("records_read", 0)
    skipped = sum(ledger.by_prefix("warc", "skipped").values())
    errors = sum(ledger.by_prefix("warc", "error").values())
    pages, images = w.get("pages", 0), w.get("images", 0)

    page_drops: dict[str, int] = {}
    for stage in PAGE_STAGES:
        page_drops.update(_sum_kinds(ledger, stage))
    written = {"interleaved": ledger.get("output/interleaved"), "text": ledger.get("output/text")}
    page_accounted = sum(written.values()) + sum(page_drops.values())

    image_out = {"image/kept": ledger.get("image/kept")}
    for stage in IMAGE_STAGES:
        image_out.update(_sum_kinds(ledger, stage))
    image_accounted = sum(image_out.values())

    accounted = page_accounted + image_accounted + skipped + errors
    return {
        "records_read": read,
        "accounted": accounted,
        "balanced": read == accounted and pages == page_accounted and images == image_accounted,
        "warc": {"pages": pages, "images": images, "skipped": skipped, "errors": errors},
        "pages": {"read": pages, "written": written, "dropped_or_failed": page_drops,
                  "accounted": page_accounted},
        "images": {"read": images, "outcomes": image_out, "accounted": image_accounted},
        "pairs_written": ledger.get("output/pairs"),
    }


def build_manifest(config: dict[str, Any], inputs: list[str], outputs: dict[str, Any],
                   ledger: Ledger, runner: str, seconds: float) -> dict[str, Any]:
    return {
        "schema_version": "manifest.v1",
        "mmcorpus_version": __version__,
        "created": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "runner": runner,
        "seconds": round(seconds, 2),
        "config": config,
        "inputs": list(inputs),
        "outputs": outputs,
        "ledger": ledger.to_dict(),
        "balance": balance(ledger),
    }
