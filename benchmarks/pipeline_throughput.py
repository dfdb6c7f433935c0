"""End-to-end throughput of ``mmcorpus run`` (the Beam pipeline) with 1 and 2 local workers.

Usage::

    python benchmarks/pipeline_throughput.py [--copies 8] [--warc PATH] [--workers 1 2]

The input is the trafilatura evaluation sample WARC (368 real pages), copied ``--copies`` times
under different names so that start-up (about 5 s for the portable runner) does not dominate;
the copies' pages are identical, so URL dedup drops all but one of each, after extraction and the
text rules have run on every copy (the per-page cost we want). Each configuration runs in a fresh
process; CPU time and peak RSS are taken from ``getrusage`` of that process tree.

It prints pages/s (wall), pages per CPU-second (= per core), the peak RSS of the largest process
(one worker), and the cost of a Common Crawl crawl at the measured per-core rate.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_WARC = REPO.parent / "shared" / "data" / "warc-pages-from-eval" / "trafilatura-eval-sample.warc.gz"
CRAWL_PAGES = 3_000_000_000  # one Common Crawl crawl, ~90k WARC files
PRICE_PER_VCPU_HOUR = 0.056  # Dataflow batch vCPU, us-central1 list price (2025), memory/disk extra


def run_once(inputs: list[str], workers: int, extra: list[str]) -> dict:
    out = tempfile.mkdtemp(prefix="mmcorpus-bench-")
    cmd = [sys.executable, "-m", "mmcorpus", "run", *inputs, "-o", out, "-q", "--workers", str(workers), *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    manifest = json.loads(Path(out, "manifest.json").read_text())
    shutil.rmtree(out, ignore_errors=True)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    pages = manifest["balance"]["warc"]["pages"]
    return {
        "workers": workers, "pages": pages, "wall_s": wall, "cpu_s": cpu,
        "pages_per_s": pages / wall, "pages_per_cpu_s": pages / cpu,
        "peak_rss_mb": after.ru_maxrss / 1024, "balanced": manifest["balance"]["balanced"],
        "written": {k: v["samples"] for k, v in manifest["outputs"].items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--warc", default=str(DEFAULT_WARC))
    ap.add_argument("--copies", type=int, default=8)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    args = ap.parse_args()
    if not Path(args.warc).is_file():
        sys.exit(f"input not found: {args.warc} (the benchmark needs ../shared/data)")
    tmp = tempfile.mkdtemp(prefix="mmcorpus-bench-in-")
    inputs = []
    for i in range(args.copies):
        dst = os.path.join(tmp, f"copy-{i:03d}.warc.gz")
        shutil.copyfile(args.warc, dst)
        inputs.append(dst)
    extra = [x for o in args.overrides for x in ("--set", o)]
    rows = [run_once(inputs, w, extra) for w in args.workers]
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"input: {args.copies} x {Path(args.warc).name}; cpu count {os.cpu_count()}; python {sys.version.split()[0]}")
    header = ("workers", "pages", "wall s", "cpu s", "pages/s", "pages/cpu-s", "peak RSS MB")
    print("{:>7} {:>6} {:>7} {:>7} {:>8} {:>11} {:>11}".format(*header))
    for r in rows:
        print(f"{r['workers']:>7} {r['pages']:>6} {r['wall_s']:>7.1f} {r['cpu_s']:>7.1f} {r['pages_per_s']:>8.1f} "
              f"{r['pages_per_cpu_s']:>11.1f} {r['peak_rss_mb']:>11.0f}")
    best = max(r["pages_per_cpu_s"] for r in rows)
    core_hours = CRAWL_PAGES / best / 3600
    print(f"one crawl ({CRAWL_PAGES / 1e9:.0f} B pages) at {best:.0f} pages per CPU-second: "
          f"{core_hours:,.0f} core-hours, ~${core_hours * PRICE_PER_VCPU_HOUR:,.0f} of Dataflow vCPU time "
          f"at ${PRICE_PER_VCPU_HOUR}/vCPU-hour (memory, disk and shuffle extra)")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
