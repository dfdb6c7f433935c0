"""``mmcorpus inspect PATH``: what a written dataset holds, set by set and shard by shard.

PATH is an output folder (with ``manifest.json``), one set folder, or a single ``.tar``; local or
any fsspec URL. Prints totals, a per-shard table, distributions (images per document, text length
and estimated tokens, caption length, image size), languages and the run's drop ledger.
"""

from __future__ import annotations

import argparse
import json

from mmcorpus.cli import add_dataset_path


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_dataset_path(p)
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--plot", metavar="DIR", help="also write PNG histograms, one per set and metric, into DIR")
    p.add_argument("--limit", type=int, default=None, metavar="N",
                   help="read at most N samples per set (default: all)")


def run(args: argparse.Namespace) -> int:
    from mmcorpus.shards.reader import open_dataset
    from mmcorpus.tools.inspect import collect, render, report, write_plots

    ds = open_dataset(args.path)
    stats = collect(ds, limit=args.limit)
    rep = report(ds, stats)
    if args.plot:
        rep["plots"] = write_plots(stats, args.plot)
    if args.json:
        print(json.dumps(rep, indent=1, sort_keys=True, default=str))
    else:
        print(render(rep), end="")
        if args.plot:
            print(f"\n{len(rep['plots'])} histogram(s) written to {args.plot}")
    return 0
