"""Extraction speed: docs/s on one core, one process, over a real WARC, side by side with trafilatura.

    python benchmarks/extraction_speed.py [--warc PATH] [--data ../shared/data] [--repeat 3] [--no-trafilatura]

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
* END TO END taking turns: each record is read once, then goes through our chain and then
  trafilatura's, so both run under the same load (the ratio to report on a busy machine).

Peak RSS comes from ``resource.getrusage``.
"""

from __future__ import annotations

import argparse
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

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
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


class TrafilaturaProcessor:
    """trafilatura.extract in place of our extractor, then the same language ID and text rules."""

    def __init__(self, cfg: Config) -> None:
        from mmcorpus.filters.language import LanguageIdentifier

        self.cfg = cfg
        self.ident = LanguageIdentifier.from_config(cfg.language).load()

    def process(self, record: HtmlRecord) -> str | None:
        import trafilatura

        from mmcorpus.filters.language import language_filter
        from mmcorpus.filters.text_quality import text_quality_filter

        text = trafilatura.extract(decode_html(record.body, record.content_type)[0], url=record.url)
        if not text or not language_filter(text, self.cfg.language, self.ident).keep:
            return None
        keep, _ = text_quality_filter(text, self.cfg.text, language="en")
        return text if keep else None


def _end_to_end_turns(warc: str, cfg: Config, proc, tproc) -> tuple[int, float, float, float]:
    """Both end-to-end chains on each record in turn: ``(pages, read s, ours s, trafilatura s)``.

    Rows timed one after the other drift apart when the machine's load changes between them;
    taking turns record by record puts both chains under the same load.
    """
    clock = time.process_time
    n = 0
    read = ours = traf = 0.0
    records = iter_warc(warc, cfg.warc)
    while True:
        t0 = clock()
        r = next(records, None)
        t1 = clock()
        if r is None:
            break
        read += t1 - t0
        if not isinstance(r, HtmlRecord):
            continue
        n += 1
        proc.process(r)
        t2 = clock()
        tproc.process(r)
        t3 = clock()
        ours += t2 - t1
        traf += t3 - t2
    return n, read, ours, traf


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warc", type=Path, default=DEFAULT_WARC)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-trafilatura", action="store_true")
    args = ap.parse_args(argv)
    if not args.warc.exists():
        print(f"no WARC at {args.warc}", file=sys.stderr)
        return 2
    import logging

    logging.getLogger("mmcorpus.io.warc").setLevel(logging.ERROR)
    cfg = Config()
    records = [r for r in iter_warc(str(args.warc), cfg.warc) if isinstance(r, HtmlRecord)]
    n = len(records)
    rows: list[tuple[str, int, float]] = []

    def pipeline(proc):
        kept = 0
        for r in iter_warc(str(args.warc), cfg.warc):
            if isinstance(r, HtmlRecord) and proc.process(r) is not None:
                kept += 1
        return kept

    proc = PageProcessor(cfg).setup()
    kept = {}
    rows.append(("END TO END (language-first, default): iter_warc + PageProcessor.process", n,
                 _timed(lambda: kept.__setitem__("first", pipeline(proc)), args.repeat)))
    cfg_late = Config()
    cfg_late.language.prefilter = False
    proc_late = PageProcessor(cfg_late).setup()
    rows.append(("end to end, language check after extraction only", n,
                 _timed(lambda: kept.__setitem__("late", pipeline(proc_late)), args.repeat)))
    if not args.no_trafilatura:
        tproc = TrafilaturaProcessor(cfg)
        rows.append(("trafilatura pipeline: iter_warc + trafilatura.extract + same language ID + text rules", n,
                     _timed(lambda: kept.__setitem__("traf", pipeline(tproc)), 1)))
    rows.append(("mmcorpus extract_document (decode + parse + extract), in memory", n,
                 _timed(lambda: [extract_document(r, cfg.extract) for r in records], args.repeat)))
    if not args.no_trafilatura:
        import trafilatura

        rows.append(("trafilatura.extract (decode + extract), in memory", n, _timed(
            lambda: [trafilatura.extract(decode_html(r.body, r.content_type)[0], url=r.url) for r in records], 1)))
    import warnings

    from bs4 import BeautifulSoup

    warnings.filterwarnings("ignore")
    rows.append(("BeautifulSoup(lxml).get_text, in memory", n, _timed(
        lambda: [BeautifulSoup(decode_html(r.body, r.content_type)[0], "lxml").get_text(" ") for r in records], 1)))

    readability = args.data / "extraction-readability-testpages" / "test" / "test-pages"
    english = []
    if readability.exists():
        sys.path.insert(0, str(Path(__file__).parent))
        from extraction_quality import FAKE_URL, _record, load_readability

        english = [_record(FAKE_URL, src) for _name, src, _exp in load_readability(args.data)]
        rows.append(("English pages (Readability's 130): PageProcessor.process", len(english),
                     _timed(lambda: [proc.process(r) for r in english], args.repeat)))
        if not args.no_trafilatura:
            rows.append(("English pages: trafilatura + same language ID + text rules", len(english),
                         _timed(lambda: [tproc.process(r) for r in english], 1)))

    turns = None
    if not args.no_trafilatura:
        turns = _end_to_end_turns(str(args.warc), cfg, proc, tproc)
    mb = sum(len(r.body) for r in records) / 1e6
    print(f"{_cpu()}, Python {platform.python_version()}; {n} pages, {mb:.1f} MB of HTML "
          f"({mb * 1000 / n:.0f} KB avg), gzipped WARC {args.warc.stat().st_size / 1e6:.1f} MB\n")
    print("| pipeline | pages | docs/s per core | ms/page |")
    print("|---|---|---|---|")
    for name, count, secs in rows:
        print(f"| {name} | {count} | {count / secs:.0f} | {1000 * secs / count:.2f} |")
    print(f"\nkept (English, text rules passed): language-first {kept.get('first')}, "
          f"language after extraction {kept.get('late')}, trafilatura pipeline {kept.get('traf', '-')}")
    if turns is not None:
        n_turns, read_s, ours_s, traf_s = turns
        print(f"\nEND TO END taking turns page by page (each record read once, then our chain, then "
              f"trafilatura's; the read counts for both): mmcorpus {n_turns / (read_s + ours_s):.0f} docs/s, "
              f"trafilatura pipeline {n_turns / (read_s + traf_s):.0f} docs/s, "
              f"ratio {(read_s + traf_s) / (read_s + ours_s):.2f}x")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB (whole process, all rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
