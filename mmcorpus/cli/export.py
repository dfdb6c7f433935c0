"""``mmcorpus export OUT/ --to obelics|mmc4 -o DIR``: a run's documents in a layout trainers load.

``obelics``: parquet (``texts``/``images``/``metadata``/``general_metadata``), loadable with
``datasets.load_dataset("parquet", data_files="DIR/*.parquet")``. ``mmc4``: webdataset tars of
``{key}.json`` with ``text_list`` and ``image_info`` (``matched_text_index``), as OpenFlamingo's
MMC4 loader reads them. See mmcorpus/shards/export.py and docs/output-format.md.
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", metavar="OUT", help="a run's output folder (local or fsspec URL)")
    p.add_argument("--to", required=True, choices=("obelics", "mmc4"), help="target layout")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to write (created)")
    p.add_argument("--images", choices=("bytes", "urls"), default="bytes",
                   help="images as JPEG bytes (default) or as their URLs only")
    p.add_argument("--rows-per-file", type=int, default=10_000, metavar="N",
                   help="documents per parquet file / tar (default 10000)")


def run(args: argparse.Namespace) -> int:
    from mmcorpus.shards.export import export

    result = export(args.path, args.to, args.output, args.images, args.rows_per_file)
    files = result["files"]
    print(f"wrote {result['documents']:,} documents as {result['format']} to {args.output} "
          f"({len(files)} file(s): {files[0]}{' ... ' + files[-1] if len(files) > 1 else ''})")
    return 0
