"""``mmcorpus warc-stats INPUT...``: a first look at a crawl before processing it.

Counts records by WARC type, HTTP status and content type, shows how the reader would route them
(pages, images, skipped by reason, errors by reason) and checks that this ledger adds up.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field

from mmcorpus.ledger import Ledger, warc_balance


def add_arguments(p: argparse.ArgumentParser) -> None:
    from mmcorpus.cli.main import add_config_arguments

    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="WARC/ARC files, directories, globs, fsspec URLs or warc.paths(.gz) lists")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--top", type=int, default=15, help="content types to list (default 15)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    add_config_arguments(p)


@dataclass
class WarcStats:
    by_type: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)
    by_content_type: Counter = field(default_factory=Counter)
    html_any_status: int = 0
    image_any_status: int = 0
    ledger: Ledger = field(default_factory=Ledger)
    per_file: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        read, accounted = warc_balance(self.ledger)
        return {
            "records_by_warc_type": dict(self.by_type.most_common()),
            "responses_by_http_status": {str(k): v for k, v in self.by_status.most_common()},
            "responses_by_content_type": dict(self.by_content_type.most_common()),
            "html_records_any_status": self.html_any_status,
            "image_records_any_status": self.image_any_status,
            "ledger": self.ledger.stage("warc"),
            "balanced": read == accounted,
            "files": self.per_file,
        }


def collect(paths: list[str], cfg, progress=None) -> WarcStats:
    from mmcorpus.io.warc import HTML_TYPES, RawRecord, iter_warc

    stats = WarcStats()
    for path in paths:
        file_ledger = Ledger()
        for item in iter_warc(path, cfg.warc, file_ledger.count, with_raw=True):
            if not isinstance(item, RawRecord):
                continue
            stats.by_type[item.warc_type or "unknown"] += 1
            if item.warc_type in ("response", "resource"):
                stats.by_status["-" if item.status is None else item.status] += 1
                stats.by_content_type[item.content_type or "(none)"] += 1
                if item.content_type in HTML_TYPES:
                    stats.html_any_status += 1
                elif item.content_type.startswith("image/"):
                    stats.image_any_status += 1
            if progress is not None:
                progress.update(records=stats.ledger.get("warc/records_read") + file_ledger.get("warc/records_read"))
        stats.ledger.merge(file_ledger)
        s = file_ledger.stage("warc")
        stats.per_file[path] = {
            "records": s.get("records_read", 0),
            "pages": s.get("pages", 0),
            "images": s.get("images", 0),
            "skipped": sum(file_ledger.by_prefix("warc", "skipped").values()),
            "errors": file_ledger.by_prefix("warc", "error"),
        }
        if progress is not None:
            progress.file_done()
    return stats


def render(stats: WarcStats, top: int) -> str:
    from mmcorpus.cli.progress import format_table

    out = []
    total = sum(stats.by_type.values())
    out.append(format_table([(k, v, f"{100 * v / max(total, 1):.1f}%") for k, v in stats.by_type.most_common()],
                            ["WARC type", "records", "share"]))
    out.append("")
    out.append(format_table([(k, v) for k, v in stats.by_status.most_common()], ["HTTP status", "records"]))
    out.append("")
    ct = stats.by_content_type.most_common()
    rows = [(k, v) for k, v in ct[:top]]
    if len(ct) > top:
        rows.append((f"({len(ct) - top} more)", sum(v for _, v in ct[top:])))
    out.append(format_table(rows, ["content type", "records"]))
    out.append("")
    out.append(f"HTML records (any status): {stats.html_any_status:,}    "
               f"image records (any status): {stats.image_any_status:,}")
    out.append("")
    s = stats.ledger.stage("warc")
    ledger_rows = [("pages (HTML, status 200)", s.get("pages", 0)),
                   ("images (image/*, status 200)", s.get("images", 0))]
    ledger_rows += [(f"skipped: {r}", n) for r, n in sorted(stats.ledger.by_prefix("warc", "skipped").items())]
    ledger_rows += [(f"error: {r}", n) for r, n in sorted(stats.ledger.by_prefix("warc", "error").items())]
    read, accounted = warc_balance(stats.ledger)
    ledger_rows.append(("= records read", read))
    out.append(format_table(ledger_rows, ["ledger", "records"]))
    out.append(f"ledger {'adds up' if read == accounted else f'DOES NOT add up ({accounted:,} accounted)'}: "
               f"{read:,} records read in {len(stats.per_file)} file(s)")
    bad = {p: f["errors"] for p, f in stats.per_file.items() if f["errors"]}
    if bad:
        out.append("")
        out.append("files with errors (reading stopped there; see the log for offsets):")
        for p, errs in bad.items():
            out.append(f"  {p}: " + ", ".join(f"{k} x{v}" for k, v in errs.items()))
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    from mmcorpus.cli.main import load_config
    from mmcorpus.cli.progress import Progress
    from mmcorpus.io.inputs import expand_inputs

    cfg = load_config(args)
    paths = expand_inputs(args.inputs, cfg.warc.common_crawl_base_url)
    progress = Progress("records", total_files=len(paths), enabled=not args.quiet)
    stats = collect(paths, cfg, progress)
    progress.close()
    if args.json:
        json.dump(stats.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(render(stats, args.top))
    read, accounted = warc_balance(stats.ledger)
    return 0 if read == accounted else 1
