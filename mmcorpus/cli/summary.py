"""The closing summary of a run: what was written, where every record went, whether it adds up."""

from __future__ import annotations

from mmcorpus.cli.progress import format_table


def render_summary(manifest: dict) -> str:
    out = []
    rows = []
    for name, entry in sorted(manifest["outputs"].items()):
        shards = entry["shards"]
        rows.append((name, len(shards), entry["samples"], sum(s["bytes"] for s in shards)))
    out.append(format_table(rows, ["set", "shards", "samples", "bytes"]))
    out.append("")
    ledger = manifest["ledger"]
    stage_rows = []
    for name, n in ledger.items():
        stage, _, what = name.partition("/")
        stage_rows.append((stage, what, n))
    out.append(format_table(stage_rows, ["stage", "counter", "n"]))
    out.append("")
    b = manifest["balance"]
    secs = manifest.get("seconds") or 0
    pages = b["pages"]["read"]
    rate = f", {pages / secs:,.1f} pages/s" if secs else ""
    verdict = "adds up" if b["balanced"] else f"DOES NOT add up ({b['accounted']:,} accounted)"
    out.append(f"ledger {verdict}: {b['records_read']:,} records read, {pages:,} pages, "
               f"{b['images']['read']:,} image records in {secs:,.1f} s{rate}")
    return "\n".join(out)
