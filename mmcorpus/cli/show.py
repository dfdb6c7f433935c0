"""``mmcorpus show PATH --key K``: one sample printed as the model will see it.

Interleaved documents print as ``<s> text <image> … </image> text </s>`` (KOSMOS-1's layout,
arXiv 2302.14045 §2.1), followed by each image's size, caption and source URL; pairs and text
documents print their fields. ``--save DIR`` writes the sample's images under names generated
here (``{key}-{n}.jpg``), never the tar's member names.
"""

from __future__ import annotations

import argparse

from mmcorpus.cli import add_dataset_path


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_dataset_path(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--key", help="the sample's key")
    which.add_argument("--index", type=int, metavar="N", help="the N-th sample (from 0) of the set, in shard order")
    p.add_argument("--set", dest="set_name", choices=("interleaved", "pairs", "text"),
                   help="which set to look in (default: all for --key, the first present for --index)")
    p.add_argument("--save", metavar="DIR", help="write the sample's images into DIR")
    p.add_argument("--json", action="store_true", help="print the sample's JSON member as is")


def run(args: argparse.Namespace) -> int:
    import json

    from mmcorpus.errors import UserError
    from mmcorpus.shards.reader import find_key, nth_sample, open_dataset
    from mmcorpus.tools.gallery import render_sample_text, sample_images, save_images

    ds = open_dataset(args.path)
    sets = [args.set_name] if args.set_name else list(ds.sets)
    if args.set_name and args.set_name not in ds.sets:
        raise UserError(f"{args.path}: no {args.set_name} set here (found: {', '.join(ds.sets) or 'none'})")
    if args.key is not None:
        hit = find_key(ds, args.key, sets)
        if hit is None:
            raise UserError(f"key {args.key!r} not found in {', '.join(sets)}")
    else:
        hit = nth_sample(ds, sets[0], args.index)
        if hit is None:
            raise UserError(f"{sets[0]} has no sample {args.index}")
    set_name, sample = hit
    if args.json:
        print(json.dumps(json.loads(sample["json"]), indent=1, ensure_ascii=False))
    else:
        print(render_sample_text(set_name, sample), end="")
    if args.save:
        paths = save_images(sample_images(set_name, sample), args.save, sample["__key__"])
        print(f"\n{len(paths)} image(s) written to {args.save}")
    return 0
