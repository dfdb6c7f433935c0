"""``mmcorpus run INPUT... -o OUT/``: the whole crawl-to-shards job as a Beam pipeline.

Flags that mmcorpus does not declare are passed to Beam, but only the ones Beam knows (a typo
such as ``--wokers`` is an error, exit status 2). The exit status is 0 when every input file was
read and the ledger adds up, 1 when an input failed (beyond ``--max-failed-inputs``) or the
ledger does not add up, 2 for a problem found before the run (bad flag, config, output folder).
"""

from __future__ import annotations

import argparse

EPILOG = """\
Beam options pass through (only those Beam knows; a mistyped flag is an error):
  local (default)   --runner local --workers N           one process per core, no network
  one process       --runner inprocess                   tests and debugging
  Dataflow          --runner DataflowRunner --project P --region R --temp_location gs://B/tmp
                    --setup_file ./setup.py [--num_workers N --machine_type T ...]
  graph only        --dry_run=True --sdk_location=container  (translate the Dataflow graph offline:
                    no credentials, no network, OUT untouched)

An OUT that already holds a corpus is refused unless --overwrite (replace it) or --append (add a
batch; only inputs that are new or failed before are read). Every input file's outcome is in
OUT/inputs.jsonl. See docs/quickstart.md and docs/dataflow.md.
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    from mmcorpus.pipelines.crawl_to_shards import add_arguments as pipeline_arguments

    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = EPILOG
    pipeline_arguments(p)


PASS_THROUGH = True  # flags mmcorpus does not declare go to Beam (checked against Beam's own options)


def run(args: argparse.Namespace, beam_args: list[str] | None = None) -> int:
    import logging
    import sys

    from mmcorpus.cli.summary import render_summary
    from mmcorpus.io.input_report import failed_share
    from mmcorpus.pipelines.crawl_to_shards import run_with_args

    if logging.getLogger().level > logging.DEBUG:
        for name in ("apache_beam", "apitools", "google", "urllib3", "fsspec", "asyncio"):
            logging.getLogger(name).setLevel(logging.ERROR)
        # the local job service relays a stopped worker's last words as CRITICAL: an interrupt's noise
        logging.getLogger("apache_beam.runners.portability.local_job_service").setLevel(logging.CRITICAL + 1)
        # in-process SDK workers log an interrupted bundle with its traceback; a real failure of a
        # bundle still reaches the launcher, which raises it with the worker's message
        logging.getLogger("apache_beam.runners.worker").setLevel(logging.CRITICAL + 1)
    manifest = run_with_args(args, beam_args or [])
    if manifest.get("dry_run"):
        print(f"dry run: the {args.runner} graph for {len(manifest['inputs'])} input(s) was built; nothing submitted")
        return 0
    print(render_summary(manifest, args.output))  # -q silences progress only
    rc = 0
    files = manifest.get("input_files") or {}
    if files and failed_share(files) > args.max_failed_inputs:
        bad = files["failed"] + files["partial"]
        print(f"mmcorpus run: {bad} of {files['files']} input file(s) failed (listed above and in "
              f"{args.output.rstrip('/')}/inputs.jsonl); rerun with --append to read them again",
              file=sys.stderr)
        rc = 1
    if not manifest["balance"]["balanced"]:
        print("mmcorpus run: the ledger does not add up (see the manifest's balance)", file=sys.stderr)
        rc = 1
    return rc
