"""``mmcorpus view PATH -o gallery.html``: a static HTML gallery of sampled documents and pairs."""

from __future__ import annotations

import argparse

from mmcorpus.cli import add_dataset_path


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_dataset_path(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the HTML file to write")
    p.add_argument("--sample", type=int, default=12, metavar="N", help="samples per set (default 12)")
    p.add_argument("--seed", type=int, default=0, help="sampling seed: the same seed picks the same samples")


def run(args: argparse.Namespace) -> int:
    from mmcorpus.shards.reader import open_dataset
    from mmcorpus.tools.gallery import write_gallery

    ds = open_dataset(args.path)
    counts = write_gallery(ds, args.output, n=args.sample, seed=args.seed)
    shown = ", ".join(f"{k} {v}" for k, v in counts.items())
    print(f"wrote {args.output} ({shown})")
    return 0
