"""``mmcorpus extract INPUT... -o docs.jsonl.gz``: interleaved documents from WARC files.

The per-page part of the recipe without Beam: read, extract, language ID, text-quality rules.
Each kept page becomes one Document (``schemas/document.v1.json``). With ``--workers N`` the
input files are spread over N processes. Ends with a summary: records read, pages parsed,
documents kept, drops and errors by reason, docs/s, and the ledger check. ``--no-filters`` stops
after extraction (no language, text-quality or document rules): a document for every page that
has main content, for users who filter themselves and for like-for-like extractor benchmarks.
"""

from __future__ import annotations

import argparse
import os
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    from mmcorpus.cli.main import add_config_arguments

    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="WARC/ARC files, directories, globs, fsspec URLs or warc.paths(.gz) lists")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="output file: .jsonl, .jsonl.gz or .parquet")
    p.add_argument("--workers", type=int, default=1, help="processes, one input file at a time each (default 1)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    p.add_argument("--no-filters", action="store_true",
                   help="extraction only: no language, text-quality or document rules (every page with main "
                        "content becomes a document; set extract.min_doc_chars=0 to keep near-empty pages too)")
    add_config_arguments(p)


def _process_file(job):
    """One WARC file -> (documents, counters). Runs in a worker process."""
    path, cfg, no_filters = job
    from mmcorpus.data import HtmlRecord
    from mmcorpus.extract.document import extract_document
    from mmcorpus.io.warc import iter_warc
    from mmcorpus.ledger import Ledger
    from mmcorpus.page_chain import PageProcessor

    processor = None
    if not no_filters:
        processor = _PROCESSORS.get(id(cfg)) or PageProcessor(cfg).setup()
        _PROCESSORS[id(cfg)] = processor
    ledger = Ledger()
    docs = []
    for item in iter_warc(path, cfg.warc, ledger):
        if isinstance(item, HtmlRecord):
            if processor is None:
                doc, _ = extract_document(item, cfg.extract, ledger)
            else:
                doc = processor.process(item, ledger)
            if doc is not None:
                docs.append(doc)
    return docs, ledger.to_dict()


_PROCESSORS: dict = {}


def _pages_unit(no_filters: bool):
    """Where a page ends: after the text rules, or (``--no-filters``) at extraction."""
    from mmcorpus.ledger import EXTRACT_PAGES, Unit

    if no_filters:
        return Unit("pages", entered="warc/pages", ended=("extract/kept",), stages=("extract",))
    return EXTRACT_PAGES


def extract_balance(ledger, no_filters: bool = False) -> dict:
    """The ledger's balance for this command: WARC records, and pages kept or dropped once each."""
    from mmcorpus.ledger import balance, unit

    return balance(ledger, (unit("records"), _pages_unit(no_filters)))


def render(ledger, n_docs: int, seconds: float, output: str, no_filters: bool = False) -> str:
    from mmcorpus.cli.progress import format_table

    EXTRACT_PAGES = _pages_unit(no_filters)
    s = ledger.stage("warc")
    rows = [("records read", s.get("records_read", 0)), ("pages parsed", s.get("pages", 0)),
            ("image records (unused by extract)", s.get("images", 0)), ("documents kept", n_docs)]
    for stage in ("warc", *EXTRACT_PAGES.stages):
        for kind in ("skipped", "dropped", "error"):
            for reason, n in sorted(ledger.by_prefix(stage, kind).items()):
                rows.append((f"{stage} {kind}: {reason}", n))
    out = [format_table(rows, ["", "n"]), ""]
    b = extract_balance(ledger, no_filters)
    read, pages, ok = b["records_read"], b["pages"]["read"], b["balanced"]
    rate = s.get("pages", 0) / seconds if seconds else 0.0
    out.append(f"ledger {'adds up' if ok else 'DOES NOT add up'}: {read:,} records, {pages:,} pages -> "
               f"{n_docs:,} documents in {output} ({seconds:,.1f} s, {rate:,.1f} pages/s)")
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    from mmcorpus.cli.main import load_config
    from mmcorpus.cli.progress import Progress
    from mmcorpus.io.documents import DocumentWriter, output_format
    from mmcorpus.io.inputs import expand_inputs
    from mmcorpus.ledger import Ledger

    cfg = load_config(args)
    output_format(args.output)  # fail early on a bad extension
    paths = expand_inputs(args.inputs, cfg.warc.common_crawl_base_url)
    if os.path.dirname(args.output):
        os.makedirs(os.path.dirname(args.output), exist_ok=True)
    ledger = Ledger()
    progress = Progress("pages", total_files=len(paths), enabled=not args.quiet)
    jobs = [(p, cfg, args.no_filters) for p in paths]
    if args.workers > 1 and len(paths) > 1:
        import multiprocessing as mp

        pool = mp.get_context("spawn").Pool(min(args.workers, len(paths)))
        results = pool.imap(_process_file, jobs)
    else:
        pool, results = None, map(_process_file, jobs)
    try:
        with DocumentWriter(args.output) as writer:
            for docs, counts in results:
                for d in docs:
                    writer.write(d)
                ledger.merge(counts)
                progress.update(records=ledger.get("warc/records_read"), pages=ledger.get("warc/pages"),
                                documents=writer.n)
                progress.file_done()
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    seconds = progress.close()
    if not args.quiet:
        print(render(ledger, writer.n, seconds, args.output, args.no_filters))
    if not extract_balance(ledger, args.no_filters)["balanced"]:
        print("mmcorpus extract: the ledger does not add up; this is a bug, please report it", file=sys.stderr)
        return 1
    return 0
