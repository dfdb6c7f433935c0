"""``mmcorpus validate PATH``: check written shards against the format; exit 1 on any finding.

Checks tar integrity, keys, members per sample, every ``.json`` against its schema, image decoding
(under a pixel cap), ``sizes.json``, the parquet indexes and the manifest (see
:mod:`mmcorpus.tools.validate`). Shard member names are untrusted: nothing is extracted or written.
"""

from __future__ import annotations

import argparse
import json

from mmcorpus.cli import add_dataset_path


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_dataset_path(p)
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.add_argument("--max-pixels", type=int, default=None, metavar="N",
                   help="largest image (width x height) decoded; larger ones are findings (default 67,108,864)")


def run(args: argparse.Namespace) -> int:
    from mmcorpus.shards.reader import open_dataset
    from mmcorpus.tools.validate import MAX_PIXELS, render, report_json, validate_dataset

    ds = open_dataset(args.path)
    findings = validate_dataset(ds, max_pixels=args.max_pixels or MAX_PIXELS)
    if args.json:
        print(json.dumps(report_json(ds, findings), indent=1))
    else:
        print(render(ds, findings), end="")
    return 1 if findings else 0
