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
from mmcorpus.pipelines.batches import DropEarlierBatches
from mmcorpus.pipelines.dedup import Dedupe
from mmcorpus.pipelines.extract import ExtractAndFilter
from mmcorpus.pipelines.images import JoinImages, NearDuplicatePairs
from mmcorpus.pipelines.metrics import ledger_from_result
from mmcorpus.pipelines.near_dedup import NearDedupe
from mmcorpus.pipelines.progress import tap
from mmcorpus.pipelines.read import IMAGES, INPUTS, PAGES, ReadWarcs
from mmcorpus.pipelines.write import WriteShardSet

log = logging.getLogger(__name__)

LOCAL_RUNNERS = ("DirectRunner", "FnApiRunner", "local", "inprocess")


def beam_options(beam_args: list[str], runner: str, workers: int) -> PipelineOptions:
    """Pipeline options; the local default is the portable runner with one process per core.

    ``DirectRunner`` would first try to download the Prism runner; ``FnApiRunner`` needs no
    network. ``multi_threading`` mode is never used: it gave wrong counts in 3 of 35 runs of a simple count.
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


def build_pipeline(p: beam.Pipeline, paths: list[str], out: str, cfg: Config, progress_dir: str | None = None,
                   first_index: dict[str, int] | None = None, known_ids: list[str] | None = None,
                   rejected_sample: int = 0):
    """Wire the stages; the last step writes the shard sets' manifest entries to OUT/_outputs.json.

    Each input file's outcome row goes to OUT/_inputs.json. For ``--append``, ``first_index`` gives
    each set's first shard index and ``known_ids`` the documents earlier batches wrote.
    ``rejected_sample`` > 0 keeps that many dropped pages per reason in OUT/rejected/.
    """
    read = p | "ReadWarcs" >> ReadWarcs(paths, cfg, progress_dir)
    _ = (read[INPUTS] | "InputsToList" >> beam.combiners.ToList()
         | "WriteInputs" >> beam.Map(_write_inputs_file, out))
    docs = read[PAGES] | "ExtractAndFilter" >> ExtractAndFilter(cfg, f"{out}/rejected", rejected_sample)
    docs = docs | "Dedupe" >> Dedupe(cfg)
    docs = docs | "NearDedupe" >> NearDedupe(cfg, out)  # a no-op when near_dedup.enabled is false
    docs = docs | "DropEarlierBatches" >> DropEarlierBatches(known_ids or [])  # --append only
    docs = tap(docs, progress_dir, "documents", "ProgressDocuments")
    joined = (docs, read[IMAGES]) | "JoinImages" >> JoinImages(cfg, cfg.download.cache_dir or f"{out}/{IMAGE_CACHE}",
                                                               progress_dir)
    joined = tap(joined, progress_dir, "images", "ProgressJoined")
    routed = joined | "AssembleAndRoute" >> AssembleAndRoute(cfg)
    pairs = (routed[PAIRS]
             | "NearDuplicatePairs" >> NearDuplicatePairs(cfg.dedup.image_phash_distance)  # pHash, docs/images.md
             | "DedupePairs" >> DedupePairs())
    results = [
        routed[INTERLEAVED] | "WriteInterleaved" >> WriteShardSet("interleaved", f"{out}/interleaved", cfg.shards,
                                   (first_index or {}).get("interleaved", 0)),
        pairs | "WritePairs" >> WriteShardSet("pairs", f"{out}/pairs", cfg.shards,
                                   (first_index or {}).get("pairs", 0)),
        routed[TEXT] | "WriteText" >> WriteShardSet("text", f"{out}/text", cfg.shards,
                                   (first_index or {}).get("text", 0)),
    ]
    results = [tap(r, progress_dir, "shards", f"ProgressSet{i}", _set_progress) for i, r in enumerate(results)]
    return (
        results
        | "AllSets" >> beam.Flatten()
        | "OutputsToList" >> beam.combiners.ToList()
        | "WriteOutputs" >> beam.Map(_write_outputs_file, out)
    )


def _set_progress(entry) -> str:
    return f"{entry[0]}:{len(entry[1]['shards'])}"


OUTPUTS_FILE = "_outputs.json"
IMAGE_CACHE = "_image_cache"  # downloaded images kept by URL (download.cache_dir overrides; docs/images.md)


def _write_outputs_file(entries, out: str) -> None:
    import fsspec

    with fsspec.open(f"{out}/{OUTPUTS_FILE}", "w") as f:
        json.dump(dict(sorted(entries)), f)


INPUTS_RESULT_FILE = "_inputs.json"


def _write_inputs_file(rows, out: str) -> None:
    import fsspec

    with fsspec.open(f"{out}/{INPUTS_RESULT_FILE}", "w") as f:
        json.dump(rows, f)


def _read_and_remove_inputs(out: str, paths: list[str]) -> list[dict]:
    """Outcome rows in input order (a path the workers never reported is a failed input)."""
    import fsspec

    from mmcorpus.io.input_report import file_outcome

    fs, root = fsspec.core.url_to_fs(f"{out}/{INPUTS_RESULT_FILE}")
    rows = []
    if fs.exists(root):
        with fs.open(root, "r") as f:
            rows = json.load(f)
        fs.rm(root)
    by_path = {r["path"]: r for r in rows}
    return [by_path.get(p) or file_outcome(p, {"error:not_reported": 1}, None, 0.0, ["no outcome reported"])
            for p in paths]


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
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress line (the summary and errors stay)")
    existing = parser.add_mutually_exclusive_group()
    existing.add_argument("--overwrite", action="store_true",
                          help="OUT holds a corpus: replace it (without this or --append a non-empty OUT is refused)")
    existing.add_argument("--append", action="store_true",
                          help="OUT holds a corpus: add this run as a new batch (new shards after the old ones, "
                               "one manifest for both); inputs an earlier batch read are skipped, failed ones retried")
    parser.add_argument("--rejected-sample", type=int, default=20, metavar="N",
                        help="keep N dropped pages per reason in OUT/rejected/ (deterministic; 0: none), "
                             "shown by `mmcorpus view`")
    parser.add_argument("--max-failed-inputs", type=float, default=0.0, metavar="SHARE",
                        help="exit 0 even when up to this share of input files failed (0.05 = 5%%; default 0: "
                             "any failed input makes the exit status 1); failed files are listed in OUT/inputs.jsonl")
    parser.add_argument("--dedupe-against", dest="dedupe_against", action="append", default=[], metavar="PATH",
                        help="an earlier output folder: drop documents that near-duplicate any it kept "
                             "(its dedupe/signatures-*.parquet; repeatable; config near_dedup.against)")
    parser.add_argument("--fetch-images", action="store_true",
                        help="download the images the WARCs do not hold (img2dataset behind a URL guard; "
                             "config download.enabled; docs/images.md)")
    parser.add_argument("--allow-private-networks", action="store_true",
                        help="let image downloads reach loopback/private addresses (for tests against a local "
                             "server; never for crawls)")
    parser.add_argument("--retry-failed-images", action="store_true",
                        help="download again the images whose download failed in an earlier run (kept in "
                             "OUT/_image_cache)")


def run_with_args(args: argparse.Namespace, beam_args: list[str]) -> dict:
    """The launcher: check everything knowable up front, run the pipeline, write the manifest.

    Before any work (seconds, one-line errors): Beam flags are known to Beam, config values are in
    range, the output folder can take the run (``--overwrite``/``--append`` for a non-empty one),
    the filesystems of inputs and output are installed. A dry run touches neither the network nor
    OUT. After the run: ``OUT/inputs.jsonl`` (one outcome row per input file) and the manifest.
    """
    from mmcorpus.errors import UserError
    from mmcorpus.io import input_report, output_dir
    from mmcorpus.ledger import Ledger
    from mmcorpus.manifest import build_manifest
    from mmcorpus.pipelines.options import check_beam_args

    check_beam_args(beam_args, own_flags=_own_flags())
    cfg = Config.load(args.config, args.overrides)
    cfg.near_dedup.against += [p.rstrip("/") for p in getattr(args, "dedupe_against", None) or []]
    cfg.download.enabled |= bool(getattr(args, "fetch_images", False))
    cfg.download.allow_private_networks |= bool(getattr(args, "allow_private_networks", False))
    cfg.download.retry_failed |= bool(getattr(args, "retry_failed_images", False))
    if cfg.download.enabled:
        _check_download_extra()
    out = args.output.rstrip("/")
    options = beam_options(beam_args, args.runner, max(1, args.workers))
    from apache_beam.options.pipeline_options import TestOptions

    dry_run = str(options.view_as(TestOptions).dry_run).lower() in ("true", "1")
    mode = "overwrite" if getattr(args, "overwrite", False) else "append" if getattr(args, "append", False) else "new"
    state = output_dir.check_output(out, mode, dry_run=dry_run)
    out = state.out
    paths = _expand(args.inputs, cfg, dry_run)
    if args.runner in LOCAL_RUNNERS and not dry_run:  # on Dataflow the workers read the inputs
        output_dir.check_filesystems(paths)
    if dry_run:  # the runner translates the graph and submits nothing; OUT is not touched
        p = beam.Pipeline(options=options)
        build_pipeline(p, paths, out, cfg, None)
        p.run()
        return {"dry_run": True, "runner": args.runner, "inputs": paths, "config": cfg.to_dict()}
    earlier_rows = _read_input_rows(out) if state.previous else []
    skipped: list[str] = []
    if state.previous:
        paths, skipped = input_report.to_process(paths, earlier_rows)
        if not paths:
            raise UserError(f"nothing to append to {out}: all {len(skipped)} input(s) were read by earlier "
                            f"batches (see {out}/{output_dir.INPUTS_FILE}); failed inputs are read again")
    known_ids = _earlier_ids(out, state.previous)
    output_dir.start_run(state)
    local = args.runner in LOCAL_RUNNERS and "://" not in out
    watcher = _ProgressWatcher(out, len(paths), enabled=local and not args.quiet, downloads=cfg.download.enabled)
    start = time.monotonic()
    watcher.start()
    from mmcorpus.pipelines.options import local_interrupts

    try:
        with local_interrupts():
            p = beam.Pipeline(options=options)
            build_pipeline(p, paths, out, cfg, watcher.dir if watcher.enabled else None,
                           first_index=output_dir.next_shard_indices(state.previous), known_ids=known_ids,
                           rejected_sample=max(0, getattr(args, "rejected_sample", 0)))
            result = p.run()
            result.wait_until_finish()
    except Exception as e:  # a full disk is one line, not 200 lines of worker tracebacks
        message = output_dir.disk_full_message(_error_text(e), out)
        if message:
            raise UserError(message) from None
        raise
    finally:
        watcher.stop()
    seconds = time.monotonic() - start
    ledger = Ledger(ledger_from_result(result))
    outputs = _read_and_remove_outputs(out)
    rows = _read_and_remove_inputs(out, paths)
    batch = len(state.previous.get("batches") or [0]) if state.previous else 0
    for row in rows:
        row["batch"] = batch
    _write_text(out, output_dir.INPUTS_FILE, input_report.rows_jsonl([*earlier_rows, *rows]))
    manifest = build_manifest(cfg.to_dict(), paths, outputs, ledger, args.runner, seconds)
    manifest["input_files"] = {**input_report.summarize(rows), "skipped_read_before": len(skipped)}
    manifest = output_dir.merge_manifests(state.previous, manifest)
    from mmcorpus.cli.summary import brace_pattern

    for entry in manifest["outputs"].values():  # what webdataset / open_clip read, e.g. pairs-{000000..000003}.tar
        entry["pattern"] = brace_pattern([s["name"] for s in entry["shards"]])
    _write_text(out, ".manifest.json.tmp", json.dumps(manifest, indent=2, sort_keys=False))
    import fsspec

    fs, root = fsspec.core.url_to_fs(out)
    fs.mv(f"{root}/.manifest.json.tmp", f"{root}/manifest.json")
    prev = f"{root}/{output_dir.PREVIOUS_MANIFEST}"
    if fs.exists(prev):
        fs.rm(prev)
    return manifest


def _check_download_extra() -> None:
    """--fetch-images needs img2dataset (the ``download`` extra): say so before any work."""
    import importlib.util

    if importlib.util.find_spec("img2dataset") is None:
        from mmcorpus.errors import UserError

        raise UserError("--fetch-images needs img2dataset: pip install 'mmcorpus[download]' (docs/images.md)")


def _own_flags() -> list[str]:
    parser = argparse.ArgumentParser(add_help=False)
    add_arguments(parser)
    return [f for a in parser._actions for f in a.option_strings]  # noqa: SLF001


def _expand(inputs: list[str], cfg: Config, dry_run: bool) -> list[str]:
    """Input paths; in a dry run remote globs and lists stay as typed (expanding them needs the network)."""
    from mmcorpus.io.inputs import expand_inputs, is_url

    if not dry_run:
        try:
            return expand_inputs(inputs, cfg.warc.common_crawl_base_url)
        except ImportError as e:  # a glob or list on a filesystem that is not installed (gs:// without gcsfs)
            from mmcorpus.errors import UserError

            raise UserError(f"cannot expand the inputs: {e}") from None
    local = [i for i in inputs if not is_url(i)]
    expanded = expand_inputs(local, cfg.warc.common_crawl_base_url) if local else []
    return [*expanded, *(i for i in inputs if is_url(i))]


def _error_text(e: BaseException) -> str:
    parts, seen = [], set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        parts.append(f"{type(e).__name__}: {e}")
        e = e.__cause__ or e.__context__
    return "\n".join(parts)


def _earlier_ids(out: str, previous: dict | None) -> list[str]:
    if not previous:
        return []
    from mmcorpus.pipelines.batches import earlier_document_ids

    return earlier_document_ids(out, previous)


def _write_text(out: str, name: str, text: str) -> None:
    import fsspec

    with fsspec.open(f"{out}/{name}", "w", encoding="utf-8") as f:
        f.write(text)


def _read_input_rows(out: str) -> list[dict]:
    import fsspec

    from mmcorpus.io.input_report import read_rows
    from mmcorpus.io.output_dir import INPUTS_FILE

    try:
        with fsspec.open(f"{out}/{INPUTS_FILE}", "r", encoding="utf-8") as f:
            return read_rows(f.read())
    except FileNotFoundError:
        return []


# --- local progress ---------------------------------------------------------------------------
# Workers of the local runner are separate processes; each WARC reader drops a small JSON file
# per finished WARC into OUT/_progress/, and a thread in the launcher sums them once a second.

class _ProgressWatcher:
    """One progress line per stage: files read, documents kept, documents joined with their
    images, shard sets written. On a terminal each line is rewritten in place and ended by a
    newline when the next stage starts; the last one ends before the summary."""

    STAGES = (("read", "pages"), ("documents", "documents"), ("downloads", "images"),
              ("images", "documents joined with images"),
              ("shards", "sets written"))

    def __init__(self, out: str, total_files: int, enabled: bool, downloads: bool = False) -> None:
        self.stages = tuple(s for s in self.STAGES if downloads or s[0] != "downloads")  # --fetch-images only
        self.dir = os.path.join(out, "_progress")
        self.total_files = total_files
        self.enabled = enabled
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stage = -1
        self.progress = None

    def start(self) -> None:
        if not self.enabled:
            return
        import shutil

        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir, exist_ok=True)
        self._advance(0)
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _advance(self, stage: int) -> None:
        from mmcorpus.cli.progress import Progress

        if self.progress is not None:
            self.progress.close()
        self._stage = stage
        name, what = self.stages[stage]
        self.progress = Progress(what, total_files=self.total_files if name == "read" else None, interval=0)

    def _snapshot(self) -> tuple[int, dict[str, dict[str, int]]]:
        stages: dict[str, dict[str, int]] = {}
        files = 0
        for name in os.listdir(self.dir):
            if not name.endswith(".json"):
                continue
            try:
                with open(os.path.join(self.dir, name)) as f:
                    counts = json.load(f)
            except (OSError, ValueError):
                continue
            stage = counts.pop("stage", "read")
            files += stage == "read"
            totals = stages.setdefault(stage, {})
            for k, v in counts.items():
                totals[k] = totals.get(k, 0) + v
        return files, stages

    def _show(self, files: int, stages: dict[str, dict[str, int]]) -> None:
        latest = max((i for i, (name, _) in enumerate(self.stages) if name in stages), default=0)
        while True:
            name, what = self.stages[self._stage]
            totals = stages.get(name, {})
            if name == "read":
                self.progress.files_done = files
                counts = {"records": totals.get("records_read", 0), "pages": totals.get("pages", 0),
                          "images": totals.get("images", 0)}
            elif name == "downloads":  # images/s, success rate, MB/s (DownloadImagesFn's files)
                tried, ok = totals.get("images", 0), totals.get("downloaded", 0)
                secs = time.monotonic() - self.progress.start
                counts = {what: tried, "downloaded": ok, "success %": round(100 * ok / tried) if tried else 0,
                          "MB/s": round(totals.get("bytes", 0) / 1e6 / secs) if secs >= 1 else 0}
            elif name == "shards":  # keys are "set:shards", one per finished set
                counts = {what: len(totals), **{f"{k.split(':')[0]} shards": int(k.split(":")[1])
                                                for k in sorted(totals)}}
            else:
                counts = {what: totals.get("n", 0)}
            if self._stage >= latest:
                self.progress.update(force=True, **counts)
                return
            self.progress.counts.update(counts)
            self._advance(self._stage + 1)  # prints the finished stage's last line

    def _loop(self) -> None:
        last = None
        while not self._stop.wait(1.0):
            files, stages = self._snapshot()
            state = (files, json.dumps(stages, sort_keys=True))
            if state != last:
                last = state
                self._show(files, stages)

    def stop(self) -> None:
        if not self.enabled:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        files, stages = self._snapshot()
        self.progress.enabled = False  # the final state is printed once, by close()
        self._show(files, stages)
        self.progress.enabled = True
        self.progress.close()  # the last line, ended by a newline before the summary
        import shutil

        shutil.rmtree(self.dir, ignore_errors=True)
