"""Hostile pages: each must end in a document or a counted drop, in bounded time and memory.

    python benchmarks/extraction_bad_input.py

Prints, per case, the outcome (``kept`` or the drop reason), the CPU time of ``extract_document``
and the growth of the process's peak RSS while it ran (0 when it stayed under the earlier peak).
"""

from __future__ import annotations

import os
import resource
import time

from mmcorpus.config import ExtractConfig
from mmcorpus.data import HtmlRecord, Provenance
from mmcorpus.extract.document import extract_document

PARA = "A paragraph of ordinary article text, with commas, clauses and enough words to be prose. "


def _record(body: bytes, ct: str = "text/html") -> HtmlRecord:
    prov = Provenance(warc_file="bench", offset=0, length=len(body), record_id="r", fetch_date=None)
    return HtmlRecord(url="https://example.com/x", body=body, status=200, content_type=ct, http_headers={},
                      provenance=prov)


def cases() -> list[tuple[str, bytes]]:
    page = "<html><body>{}</body></html>"
    return [
        ("100,000 nested <div>", page.format("<div>" * 100_000 + PARA + "</div>" * 100_000).encode()),
        ("1,000 nested <div> (parsed, walk capped)",
         page.format("<div>" * 1_000 + PARA + "</div>" * 1_000 + f"<p>{PARA * 3}</p>").encode()),
        ("50 MB page", page.format(f"<p>{PARA}</p>" * 520_000).encode()),
        ("empty body", b""),
        ("binary bytes labelled text/html", os.urandom(1_000_000)),
        ("10,000 <img>", page.format(f"<p>{PARA}</p>" + "".join(f"<img src='/i{i}.jpg'>" for i in range(10_000)))
         .encode()),
        ("100,000 links in one list",
         page.format("<ul>" + "<li><a href='/x'>link</a></li>" * 100_000 + "</ul>").encode()),
        ("broken markup", ("<p>" + PARA + "<div><table><tr><td>" + PARA + "</p></div><b><i>" * 2_000).encode()),
    ]


def main() -> int:
    cfg = ExtractConfig()
    print("| input | bytes | outcome | CPU s | peak RSS growth MB |")
    print("|---|---|---|---|---|")
    for name, body in cases():
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.process_time()
        doc, reason = extract_document(_record(body), cfg)
        dt = time.process_time() - t0
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        print(f"| {name} | {len(body):,} | {'kept' if doc else reason} | {dt:.3f} | {grown:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
