"""The closing summary of a run: what was written (and the pattern to read it with), which input
files failed, where every record went, whether it adds up."""

from __future__ import annotations

import re

from mmcorpus.cli.progress import format_table


def brace_pattern(names: list[str]) -> str:
    """The brace pattern webdataset and open_clip expand to exactly these shard names.

    ``["pairs-000000.tar", ..., "pairs-000003.tar"]`` -> ``pairs-{000000..000003}.tar``; one shard
    is its own name. Names must be contiguous (the writer guarantees it); otherwise a
    ``::``-joined list, which webdataset also accepts.
    """
    if not names:
        return ""
    parsed = [re.match(r"^(.*)-(\d{6})\.tar$", n) for n in sorted(names)]
    if not all(parsed) or len({m.group(1) for m in parsed}) != 1:
        return "::".join(sorted(names))
    idx = [int(m.group(2)) for m in parsed]
    if idx != list(range(idx[0], idx[0] + len(idx))):
        return "::".join(sorted(names))
    prefix = parsed[0].group(1)
    if len(idx) == 1:
        return names[0]
    return f"{prefix}-{{{idx[0]:06d}..{idx[-1]:06d}}}.tar"


def render_summary(manifest: dict, out: str | None = None) -> str:
    lines = [""]  # the progress line may end without a newline on a terminal
    rows = []
    for name, entry in sorted(manifest["outputs"].items()):
        shards = entry["shards"]
        rows.append((name, len(shards), entry["samples"], sum(s["bytes"] for s in shards),
                     f"{name}/{brace_pattern([s['name'] for s in shards])}" if shards else ""))
    lines.append(format_table(rows, ["set", "shards", "samples", "bytes", "read with (webdataset / open_clip)"]))
    lines.append("")
    files = manifest.get("input_files")
    if files:
        lines.append(_inputs_line(files, out))
        for bad in files.get("not_ok", [])[:20]:
            errors = ", ".join(f"{k} {v}" for k, v in bad["errors"].items())
            lines.append(f"  {bad['status'].upper()} {bad['path']}: {errors}" +
                         (f" ({bad['message']})" if bad.get("message") else ""))
        if len(files.get("not_ok", [])) > 20:
            lines.append(f"  ... and {len(files['not_ok']) - 20} more in inputs.jsonl")
        lines.append("")
    ledger = manifest["ledger"]
    stage_rows = []
    for name, n in ledger.items():
        stage, _, what = name.partition("/")
        stage_rows.append((stage, what, n))
    lines.append(format_table(stage_rows, ["stage", "counter", "n"]))
    lines.append("")
    b = manifest["balance"]
    secs = manifest.get("seconds") or 0
    pages = b["pages"]["read"]
    rate = f", {pages / secs:,.1f} pages/s" if secs else ""
    verdict = "adds up" if b["balanced"] else f"DOES NOT add up ({b['accounted']:,} accounted)"
    batches = len(manifest.get("batches") or [])
    batch_note = f" over {batches} batches" if batches > 1 else ""
    lines.append(f"ledger {verdict}: {b['records_read']:,} records read, {pages:,} pages, "
                 f"{b['images']['read']:,} image records in {secs:,.1f} s{rate}{batch_note}")
    return "\n".join(lines)


def _inputs_line(files: dict, out: str | None) -> str:
    where = f" (each file's outcome: {out.rstrip('/')}/inputs.jsonl)" if out else ""
    skipped = files.get("skipped_read_before", 0)
    skip_note = f"; {skipped} skipped, read by an earlier batch" if skipped else ""
    bad = files["failed"] + files["partial"]
    if not bad:
        return f"inputs: {files['files']} file(s), all read to the end{skip_note}{where}"
    return (f"inputs: {files['files']} file(s), {files['ok']} read, {files['failed']} FAILED, "
            f"{files['partial']} partly read{skip_note}{where}")
