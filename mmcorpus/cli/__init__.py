"""The ``mmcorpus`` command line: one module per sub-command, registered in :mod:`mmcorpus.cli.main`."""

from __future__ import annotations

import argparse


def add_dataset_path(p: argparse.ArgumentParser) -> None:
    """The PATH argument of the commands that read written shards (inspect, show, validate, view).

    One definition, because all of them open it with :func:`mmcorpus.shards.reader.open_dataset`,
    which takes the same three forms.
    """
    p.add_argument("path", metavar="PATH", help="output folder, set folder or .tar shard (local or fsspec URL)")
