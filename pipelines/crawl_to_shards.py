"""WARC files to WebDataset shards: the whole KOSMOS-1 recipe as one Beam pipeline.

Locally (all cores, Beam's portable runner in multi-processing mode, no network)::

    mmcorpus run samples/sample.warc.gz -o out/

On Dataflow (see docs/dataflow.md)::

    mmcorpus run 'gs://bucket/crawl/*.warc.gz' -o gs://bucket/shards/ \\
        --runner DataflowRunner --project my-project --region us-central1 \\
        --temp_location gs://bucket/tmp --setup_file ./setup.py

Stages: read WARCs -> extract + language + text rules -> URL dedup -> exact-text dedup ->
image join (CoGroupByKey on image URL, then on document id) -> image rules -> KOSMOS-1 document
rules -> route -> shard sets. After the run the launcher reads the counters back and writes
``OUT/manifest.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import threading
import time

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from mmcorpus.config import Config
from mmcorpus.pipelines.assemble import INTERLEAVED, PAIRS, TEXT, AssembleAndRoute, DedupePairs
from mmcorpus.pipelines.dedup import Dedupe
from mmcorpus.pipelines.extract import ExtractAndFilter
from mmcorpus.pipelines.images import JoinImages
from mmcorpus.pipelines.metrics import ledger_from_result
from mmcorpus.pipelines.near_dedup import NearDedupe
from mmcorpus.pipelines.read import IMAGES, PAGES, ReadWarcs
from mmcorpus.pipelines.write import WriteShardSet

log = logging.getLogger(__name__)

LOCAL_RUNNERS = ("DirectRunner", "FnApiRunner", "local", "inprocess")


def beam_options(beam_args: list[str], runner: str, workers: int) -> PipelineOptions:
    """Pipeline options; the local default is the portable runner with one process per core.

    ``DirectRunner`` would first try to download the Prism runner; ``FnApiRunner`` needs no
    network. ``multi_threading`` mode is never used: it gave wrong counts here (ENVIRONMENT.md).
    """
    args = list(beam_args)
    if runner == "inprocess":  # one process, for tests and debugging
        args += ["--runner=FnApiRunner", "--direct_running_mode=in_memory"]
    elif runner in LOCAL_RUNNERS:
        args += ["--runner=FnApiRunner", "--direct_running_mode=multi_processing",
                 f"--direct_num_workers={workers}"]
    else:
        args += [f"--runner={runner}"]
    return PipelineOptions(args, save_main_session=False)


def build_pipeline(p: beam.Pipeline, paths: list[str], out: str, cfg: Config, progress_dir: str | None = None):
    """Wire the stages; the last step writes the shard sets' manifest entries to OUT/_outputs.json."""
    read = p | "ReadWarcs" >> ReadWarcs(paths, cfg, progress_dir)
    docs = read[PAGES] | "ExtractAndFilter" >> ExtractAndFilter(cfg)
    docs = docs | "Dedupe" >> Dedupe(cfg)
    docs = docs | "NearDedupe" >> NearDedupe(cfg, out)  # a no-op when near_dedup.enabled is false
    joined = (docs, read[IMAGES]) | "JoinImages" >> JoinImages(cfg)
    routed = joined | "AssembleAndRoute" >> AssembleAndRoute(cfg)
    pairs = routed[PAIRS] | "DedupePairs" >> DedupePairs()
    results = [
        routed[INTERLEAVED] | "WriteInterleaved" >> WriteShardSet("interleaved", f"{out}/interleaved", cfg.shards),
        pairs | "WritePairs" >> WriteShardSet("pairs", f"{out}/pairs", cfg.shards),
        routed[TEXT] | "WriteText" >> WriteShardSet("text", f"{out}/text", cfg.shards),
    ]
    return (
        results
        | "AllSets" >> beam.Flatten()
        | "OutputsToList" >> beam.combiners.ToList()
        | "WriteOutputs" >> beam.Map(_write_outputs_file, out)
    )


OUTPUTS_FILE = "_outputs.json"


def _write_outputs_file(entries, out: str) -> None:
    import fsspec

    with fsspec.open(f"{out}/{OUTPUTS_FILE}", "w") as f:
        json.dump(dict(sorted(entries)), f)


def _read_and_remove_outputs(out: str) -> dict:
    import fsspec

    fs, root = fsspec.core.url_to_fs(f"{out}/{OUTPUTS_FILE}")
    with fs.open(root, "r") as f:
        data = json.load(f)
    fs.rm(root)
    return data


def run(argv: list[str] | None = None) -> dict:
    """Run the pipeline; returns the manifest (also written to OUT/manifest.json)."""
    parser = argparse.ArgumentParser(prog="mmcorpus run")
    add_arguments(parser)
    args, beam_args = parser.parse_known_args(argv)
    return run_with_args(args, beam_args)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="WARC/ARC files, directories, globs, fsspec URLs or warc.paths(.gz) lists")
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="output folder (local or gs://, s3://): interleaved/, pairs/, text/, manifest.json")
    parser.add_argument("--runner", default="local",
                        help="local (default: all cores, no network), inprocess (one process), "
                             "DataflowRunner, or any Beam runner")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="local worker processes (default: one per core)")
    parser.add_argument("--config", metavar="FILE", help="YAML, TOML or JSON config file")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="override one config value (repeatable)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    parser.add_argument("--dedupe-against", dest="dedupe_against", action="append", default=[], metavar="PATH",
                        help="an earlier output folder: drop documents that near-duplicate any it kept "
                             "(its dedupe/signatures-*.parquet; repeatable; config near_dedup.against)")


def run_with_args(args: argparse.Namespace, beam_args: list[str]) -> dict:
    """The launcher: expand inputs, run the pipeline, read the counters back, write the manifest."""
    from mmcorpus.io.inputs import expand_inputs
    from mmcorpus.ledger import Ledger
    from mmcorpus.manifest import build_manifest

    cfg = Config.load(args.config, args.overrides)
    cfg.near_dedup.against += [p.rstrip("/") for p in getattr(args, "dedupe_against", None) or []]
    paths = expand_inputs(args.inputs, cfg.warc.common_crawl_base_url)
    out = args.output.rstrip("/")
    local = args.runner in LOCAL_RUNNERS and "://" not in out
    if local:
        os.makedirs(out, exist_ok=True)
    options = beam_options(beam_args, args.runner, max(1, args.workers))
    watcher = _ProgressWatcher(out, len(paths), enabled=local and not args.quiet)
    start = time.monotonic()
    watcher.start()
    from apache_beam.options.pipeline_options import TestOptions

    dry_run = str(options.view_as(TestOptions).dry_run).lower() in ("true", "1")
    try:
        p = beam.Pipeline(options=options)
        build_pipeline(p, paths, out, cfg, watcher.dir if watcher.enabled else None)
        result = p.run()
        if dry_run:  # the runner translated the graph and submitted nothing
            return {"dry_run": True, "runner": args.runner, "inputs": paths, "config": cfg.to_dict()}
        result.wait_until_finish()
    finally:
        watcher.stop()
    seconds = time.monotonic() - start
    ledger = Ledger(ledger_from_result(result))
    outputs = _read_and_remove_outputs(out)
    manifest = build_manifest(cfg.to_dict(), paths, outputs, ledger, args.runner, seconds)
    import fsspec

    with fsspec.open(f"{out}/.manifest.json.tmp", "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=False)
    fs, root = fsspec.core.url_to_fs(out)
    fs.mv(f"{root}/.manifest.json.tmp", f"{root}/manifest.json")
    return manifest


# --- local progress ---------------------------------------------------------------------------
# Workers of the local runner are separate processes; each WARC reader drops a small JSON file
# per finished WARC into OUT/_progress/, and a thread in the launcher sums them once a second.

class _ProgressWatcher:
    def __init__(self, out: str, total_files: int, enabled: bool) -> None:
        self.dir = os.path.join(out, "_progress")
        self.total_files = total_files
        self.enabled = enabled
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if not self.enabled:
            return
        import shutil

        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir, exist_ok=True)
        from mmcorpus.cli.progress import Progress

        self.progress = Progress("pages", total_files=self.total_files, interval=0)
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _snapshot(self) -> tuple[int, dict]:
        totals: dict[str, int] = {}
        files = 0
        for name in os.listdir(self.dir):
            if not name.endswith(".json"):
                continue
            try:
                with open(os.path.join(self.dir, name)) as f:
                    counts = json.load(f)
            except (OSError, ValueError):
                continue
            files += 1
            for k, v in counts.items():
                totals[k] = totals.get(k, 0) + v
        return files, totals

    def _loop(self) -> None:
        last = None
        while not self._stop.wait(1.0):
            files, totals = self._snapshot()
            state = (files, tuple(sorted(totals.items())))
            if state != last:
                last = state
                self.progress.files_done = files
                self.progress.update(force=True, records=totals.get("records_read", 0),
                                     pages=totals.get("pages", 0), images=totals.get("images", 0))

    def stop(self) -> None:
        if not self.enabled:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        files, totals = self._snapshot()
        self.progress.files_done = files
        self.progress.update(force=True, records=totals.get("records_read", 0),
                             pages=totals.get("pages", 0), images=totals.get("images", 0))
        import shutil

        shutil.rmtree(self.dir, ignore_errors=True)
