"""Run a yardstick extractor over WCXB's dev pages in its own interpreter; print JSON.

    /tmp/bench312/bin/python benchmarks/wcxb_yardstick.py rs-trafilatura ../shared/data/extraction-wcxb-dev [--serve]

rs-trafilatura publishes wheels for Python >= 3.12 only, so ``extraction_quality.py --py312``
runs this file under a separate 3.12 virtual environment (``python3.12 -m venv /tmp/bench312 &&
/tmp/bench312/bin/pip install rs-trafilatura``). It imports nothing from mmcorpus (standard
library and the tool only; :class:`Served` is the other end, used by the benchmarks). The CPU
time is this process's, extraction only (pages are read and
gunzipped before the clock).

* Batch: prints ``{"preds": {id: text}, "cpu_seconds": s, "version": v}``.
* ``--serve``: prints ``{"version": v}``, then for each page id read from stdin, one line
  ``{"text": ..., "cpu_seconds": s}``. The caller sends one page at a time between its own
  extractors' turns, so every tool runs on the same page in the same few milliseconds and a
  change in the machine's load hits all of them alike.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
from pathlib import Path


def rs_trafilatura_text(html: str, url: str) -> str:
    """rs-trafilatura's main content of one page; a failure on a page is an empty output."""
    import rs_trafilatura

    try:
        res = rs_trafilatura.extract(html, url=url or None)
        return (res.main_content or "") if res is not None else ""
    except Exception:  # noqa: BLE001 - a yardstick's failure on one page scores as empty output
        return ""


class Served:
    """The caller's end of a tool served one item at a time from another interpreter (``--serve``
    here, ``extraction_speed.py --serve-rs``): the server prints ``{"version": v}`` first, then one
    JSON line (with its own ``cpu_seconds``) per line it reads, so the caller can time the tool in
    turns with its own extractors."""

    def __init__(self, argv: list[str], tool: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self.version = json.loads(self.proc.stdout.readline())["version"]
        self.name = f"{tool} {self.version}"

    def ask(self, item: str) -> dict:
        self.proc.stdin.write(item + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def main(argv: list[str]) -> int:
    tool, base = argv[0], Path(argv[1])
    pages = []
    for gt in sorted((base / "dev" / "ground-truth").glob("*.json")):
        html = base / "dev" / "html" / f"{gt.stem}.html.gz"
        if html.exists():
            pages.append((gt.stem, json.loads(gt.read_text()).get("url") or "", gzip.decompress(html.read_bytes())))
    if tool != "rs-trafilatura":
        print(f"unknown tool {tool}", file=sys.stderr)
        return 2
    import rs_trafilatura

    def extract(url: str, body: bytes) -> str:
        return rs_trafilatura_text(body.decode("utf-8", "replace"), url)

    if "--serve" in argv:
        by_id = {fid: (url, body) for fid, url, body in pages}
        print(json.dumps({"version": rs_trafilatura.__version__}), flush=True)
        for line in sys.stdin:
            url, body = by_id[line.strip()]
            t0 = time.process_time()
            text = extract(url, body)
            print(json.dumps({"text": text, "cpu_seconds": time.process_time() - t0}), flush=True)
        return 0
    preds = {}
    t0 = time.process_time()
    for fid, url, body in pages:
        preds[fid] = extract(url, body)
    cpu = time.process_time() - t0
    print(json.dumps({"preds": preds, "cpu_seconds": cpu, "version": rs_trafilatura.__version__}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
