"""``mmcorpus run INPUT... -o OUT/``: the whole crawl-to-shards job as a Beam pipeline.

Flags not listed here are passed to Beam (``--project``, ``--region``, ``--temp_location``,
``--setup_file``, ``--num_workers``, ``--machine_type``, ... for Dataflow).
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    from mmcorpus.pipelines.crawl_to_shards import add_arguments as pipeline_arguments

    pipeline_arguments(p)


PASS_THROUGH = True  # unknown flags go to Beam


def run(args: argparse.Namespace, beam_args: list[str] | None = None) -> int:
    import logging

    from mmcorpus.cli.summary import render_summary
    from mmcorpus.pipelines.crawl_to_shards import run_with_args

    if logging.getLogger().level > logging.DEBUG:
        logging.getLogger("apache_beam").setLevel(logging.ERROR)
    manifest = run_with_args(args, beam_args or [])
    if manifest.get("dry_run"):
        print(f"dry run: the {args.runner} graph for {len(manifest['inputs'])} input(s) was built; nothing submitted")
        return 0
    if not args.quiet:
        print(render_summary(manifest))
    return 0 if manifest["balance"]["balanced"] else 1
