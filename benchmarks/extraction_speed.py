"""Extraction speed: docs/s on one core, single process, over a real WARC.

    python benchmarks/extraction_speed.py [--warc PATH] [--repeat 3] [--no-trafilatura]

Reads ``warc-pages-from-eval/trafilatura-eval-sample.warc.gz`` (368 real pages) and times (CPU
time of this process, best of ``--repeat``): the **end-to-end** path the pipeline runs,
``mmcorpus.warc.iter_warc`` + ``PageProcessor.process`` (read + decode + extract + language ID +
text filters); warcio read + decode + ``extract_document``; ``extract_document`` alone on records
already in memory; ``trafilatura.extract``; and a plain ``BeautifulSoup(html, "lxml").get_text()``.
Peak RSS comes from ``resource.getrusage``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

from mmcorpus.config import Config, ExtractConfig
from mmcorpus.data import HtmlRecord, Provenance
from mmcorpus.extract import extract_document
from mmcorpus.html_decode import decode_html

DEFAULT_WARC = (Path(__file__).resolve().parents[2] / "shared" / "data" / "warc-pages-from-eval"
                / "trafilatura-eval-sample.warc.gz")


def read_warc(path: Path) -> list[HtmlRecord]:
    from warcio.archiveiterator import ArchiveIterator

    out = []
    with open(path, "rb") as f:
        it = ArchiveIterator(f)
        for rec in it:
            if rec.rec_type != "response" or rec.http_headers is None:
                continue
            body = rec.content_stream().read()
            headers = {k.lower(): v for k, v in rec.http_headers.headers}
            prov = Provenance(warc_file=path.name, offset=it.get_record_offset(),
                              length=it.get_record_length() or 0,
                              record_id=rec.rec_headers.get_header("WARC-Record-ID") or "",
                              fetch_date=rec.rec_headers.get_header("WARC-Date"))
            out.append(HtmlRecord(url=rec.rec_headers.get_header("WARC-Target-URI") or "", body=body,
                                  status=int(rec.http_headers.get_statuscode() or 0),
                                  content_type=headers.get("content-type", ""), http_headers=headers,
                                  provenance=prov))
    return out


def _timed(fn, n_docs: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return n_docs / best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warc", type=Path, default=DEFAULT_WARC)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-trafilatura", action="store_true")
    args = ap.parse_args(argv)
    if not args.warc.exists():
        print(f"no WARC at {args.warc}", file=sys.stderr)
        return 2
    t0 = time.process_time()
    records = read_warc(args.warc)
    read_s = time.process_time() - t0
    n = len(records)
    cfg = ExtractConfig()
    rows = []

    def mm_only():
        for r in records:
            extract_document(r, cfg)

    read_rate = n / read_s
    mm = _timed(mm_only, n, args.repeat)
    rows.append(("warcio read + decode + mmcorpus extract", 1 / (1 / read_rate + 1 / mm)))
    rows.append(("mmcorpus extract (decode + parse + extract)", mm))
    from mmcorpus.data import HtmlRecord as _Html
    from mmcorpus.page_processing import PageProcessor
    from mmcorpus.warc import iter_warc

    full_cfg = Config()
    proc = PageProcessor(full_cfg).setup()
    kept = []

    def end_to_end():
        kept.clear()
        for r in iter_warc(str(args.warc), full_cfg.warc):
            if isinstance(r, _Html) and proc.process(r) is not None:
                kept.append(r.url)

    e2e = _timed(end_to_end, n, args.repeat)
    rows.insert(0, ("END TO END: iter_warc + PageProcessor.process (extract + langid + text filters)", e2e))
    if not args.no_trafilatura:
        import trafilatura

        def traf():
            for r in records:
                trafilatura.extract(decode_html(r.body, r.content_type)[0], url=r.url)

        rows.append(("trafilatura.extract (decode + extract)", _timed(traf, n, 1)))

    import warnings

    from bs4 import BeautifulSoup

    warnings.filterwarnings("ignore")

    def bs4_text():
        for r in records:
            BeautifulSoup(decode_html(r.body, r.content_type)[0], "lxml").get_text(" ")

    rows.append(("BeautifulSoup(lxml).get_text", _timed(bs4_text, n, 1)))
    mb = sum(len(r.body) for r in records) / 1e6
    print(f"{n} pages, {mb:.1f} MB of HTML ({mb * 1000 / n:.0f} KB avg); warcio read {read_rate:.0f} docs/s;"
          f" gzipped WARC {args.warc.stat().st_size / 1e6:.1f} MB\n")
    print("| pipeline | docs/s per core | ms/page |")
    print("|---|---|---|")
    for name, rate in rows:
        print(f"| {name} | {rate:.0f} | {1000 / rate:.2f} |")
    print(f"\nend to end: {len(kept)} of {n} pages kept (English, text filters passed)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {rss:.0f} MB (whole process, all rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
