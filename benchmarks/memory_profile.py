"""Peak memory: of one hostile image, and of the local runner as the input grows (issue 14).

Usage::

    python benchmarks/memory_profile.py images            # per-image peak RSS, before/after the fix
    python benchmarks/memory_profile.py pages             # time of hostile pages, with the pre-scan
    python benchmarks/memory_profile.py pipeline [--copies 1 4 8] [--workers 2] [--set KEY=VALUE]

``images`` builds the amplifiers the issue names (a 16-bit PNG and an RGBA PNG of 9400x9400 px
that compress to a few hundred KB, an 80 Mpx JPEG) plus two corrupt PNGs from Pillow's test set,
and runs ``process_image`` on each in a fresh process, once with the code at git ``HEAD~0`` of
``mmcorpus/images/process.py`` as committed (``--before``: the file from ``git show``) and once
with the working tree. Peak RSS is the child's ``VmHWM`` (its own high-water mark; ``ru_maxrss``
would inherit the parent's across fork and exec); the import floor (Python + PIL + numpy +
imagehash) is printed so the per-image cost can be read off.

``pipeline`` runs ``mmcorpus run`` on 1, 2, 4, ... copies of the trafilatura eval WARC (368 real
pages each) with the local runner and samples, every 0.2 s, the summed RSS of the whole process
tree (the launcher and its worker processes); it prints the peak and the growth per 1,000 pages.
It also prints what a run holds at once, per 1,000 pages, from the data itself: documents
(pickled, as Beam moves them), image record bytes (held for the join), and the pages' raw bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
EVAL_WARC = SHARED / "warc-pages-from-eval" / "trafilatura-eval-sample.warc.gz"

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[3]) if len(sys.argv) > 3 else None
if sys.argv[1] == "floor":
    import imagehash, numpy, PIL.Image  # noqa: F401
    from mmcorpus.config import ImageConfig  # noqa: F401
    reason, dt = "-", 0.0
else:
    from mmcorpus.config import ImageConfig
    if len(sys.argv) > 3:
        from before_process import process_image
    else:
        from mmcorpus.images.process import process_image
    data = open(sys.argv[2], "rb").read()
    t0 = time.perf_counter()
    img, reason = process_image(data, ImageConfig())
    dt = time.perf_counter() - t0
    reason = reason or f"kept {img.width}x{img.height}"
hwm = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps({"reason": reason, "seconds": round(dt, 2), "peak_mb": round(hwm)}))
"""


def _child(mode: str, path: str = "", before_dir: str | None = None) -> dict:
    argv = [sys.executable, "-c", CHILD, mode, path] + ([before_dir] if before_dir else [])
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        return {"reason": f"crashed rc={p.returncode}", "seconds": 0, "peak_mb": 0}
    return json.loads(p.stdout.strip().splitlines()[-1])


def make_images(folder: Path) -> dict[str, Path]:
    import numpy as np
    from PIL import Image

    out = {}
    p = folder / "png16_9400.png"
    Image.new("I;16", (9400, 9400)).save(p, format="PNG")
    out["16-bit PNG 9400x9400"] = p
    p = folder / "rgba_9400.png"
    Image.new("RGBA", (9400, 9400), (10, 20, 30, 128)).save(p, format="PNG")
    out["RGBA PNG 9400x9400"] = p
    rng = np.random.default_rng(0)
    tile = Image.fromarray(rng.integers(0, 255, (200, 250, 3), dtype=np.uint8))
    p = folder / "jpeg_80mpx.jpg"
    tile.resize((10000, 8000), Image.Resampling.NEAREST).save(p, quality=85)
    out["JPEG 10000x8000 (80 Mpx)"] = p
    p = folder / "png_rgb_5000.png"
    Image.fromarray(rng.integers(0, 255, (100, 100, 3), dtype=np.uint8)).resize(
        (5000, 5000), Image.Resampling.NEAREST).save(p, format="PNG")
    out["RGB PNG 5000x5000 (accepted)"] = p
    pil = SHARED / "images-pillow-testimages"
    for name in ("broken_data_stream.png", "truncated_end_chunk.png"):
        hit = next(pil.rglob(name), None) if pil.is_dir() else None
        if hit is not None:
            out[name] = hit
    return out


def images(args) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="mmcorpus-mem-"))
    try:
        before_dir = tmp / "before"
        before_dir.mkdir()
        src = subprocess.run(["git", "show", f"{args.before}:mmcorpus/images/process.py"], cwd=REPO,
                             capture_output=True, text=True, check=True).stdout
        (before_dir / "before_process.py").write_text(src)
        cases = make_images(tmp)
        floor = _child("floor")
        print(f"import floor: {floor['peak_mb']} MB peak RSS\n")
        print("| image | bytes | before: outcome | peak MB | s | after: outcome | peak MB | s |")
        print("|---|---:|---|---:|---:|---|---:|---:|")
        for name, path in cases.items():
            b = _child("run", str(path), str(before_dir))
            a = _child("run", str(path))
            print(f"| {name} | {path.stat().st_size:,} | {b['reason']} | {b['peak_mb']} | {b['seconds']} "
                  f"| {a['reason']} | {a['peak_mb']} | {a['seconds']} |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _tree_rss_mb(pid: int) -> tuple[float, float, float]:
    """RSS in MB of ``pid`` with all its descendants, of ``pid`` alone (the launcher, which runs the
    local runner's in-memory shuffle) and of its largest descendant (one worker), from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(d))
            rss[int(d)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, largest, todo = 0, 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        if p != pid:
            largest = max(largest, rss.get(p, 0))
        todo.extend(children.get(p, []))
    return total / 2**20, rss.get(pid, 0) / 2**20, largest / 2**20


def held_per_1000_pages(warc: Path, overrides: list[str]) -> dict[str, float]:
    """MB per 1,000 pages of what a run can hold at once: raw pages, documents, image bytes."""
    from mmcorpus.config import Config
    from mmcorpus.data import HtmlRecord, ImageRecord
    from mmcorpus.io.warc import iter_warc
    from mmcorpus.page_chain import PageProcessor

    cfg = Config.load(None, overrides)
    proc = PageProcessor(cfg)
    pages = raw = docs = imgs = 0
    for item in iter_warc(str(warc), cfg.warc):
        if isinstance(item, ImageRecord):
            imgs += len(item.body)
        elif isinstance(item, HtmlRecord):
            pages += 1
            raw += len(item.body)
            doc = proc.process(item)
            if doc is not None:
                docs += len(pickle.dumps(doc))
    k = 1000 / max(1, pages) / 2**20
    return {"pages": pages, "raw_html_mb": raw * k, "documents_mb": docs * k, "image_records_mb": imgs * k}


def pipeline(args) -> None:
    warc = Path(args.warc)
    try:
        held = held_per_1000_pages(warc, args.set)
        print("held per 1,000 pages (MB):", json.dumps({k: round(v, 1) for k, v in held.items()}))
    except Exception as e:  # noqa: BLE001 - a breakdown is a bonus; the measurement below is the point
        print("breakdown unavailable:", e)
    rows = []
    for copies in args.copies:
        tmp = Path(tempfile.mkdtemp(prefix="mmcorpus-mem-"))
        try:
            inputs = []
            for i in range(copies):
                dst = tmp / f"copy{i:03d}.warc.gz"
                os.link(warc, dst) if hasattr(os, "link") else shutil.copy(warc, dst)
                inputs.append(str(dst))
            cmd = [sys.executable, "-m", "mmcorpus", "run", *inputs, "-o", str(tmp / "out"), "-q",
                   "--workers", str(args.workers), *(x for kv in args.set for x in ("--set", kv))]
            t0 = time.monotonic()
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            peak = launcher = worker = 0.0
            while proc.poll() is None:
                tree, own, largest = _tree_rss_mb(proc.pid)
                peak, launcher, worker = max(peak, tree), max(launcher, own), max(worker, largest)
                time.sleep(0.2)
            err = proc.stderr.read()
            seconds = time.monotonic() - t0
            if proc.returncode != 0:
                print(f"copies={copies}: rc={proc.returncode}: {err[-500:]}")
                continue
            pages = json.loads((tmp / "out" / "manifest.json").read_text())["ledger"].get("warc/pages", 0)
            rows.append((copies, pages, peak, seconds))
            print(f"copies={copies} pages={pages} peak_tree_rss_mb={peak:.0f} (launcher {launcher:.0f}, "
                  f"largest worker {worker:.0f}) seconds={seconds:.0f}", flush=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if len(rows) >= 2:
        (_, p0, m0, _), (_, p1, m1, _) = rows[0], rows[-1]
        print(f"growth: {(m1 - m0) / max(1, p1 - p0) * 1000:.0f} MB per 1,000 pages "
              f"(from {p0} to {p1} pages, {args.workers} workers)")


def pages(args) -> None:
    """Time of hostile pages: the pre-scan, then the parse when the scan lets the page through;
    the unguarded parse is timed only on the smaller bombs (the 200,000-attribute one takes minutes)."""
    from selectolax.lexbor import LexborHTMLParser

    from mmcorpus.config import ExtractConfig
    from mmcorpus.extract.prescan import prescan

    cfg = ExtractConfig()
    n = 5_000_000 // (256 * 6)
    cases = [
        ("one <div>, 40,000 attributes", b"<div " + b" ".join(b"a%d=x" % i for i in range(40_000)) + b">x</div>", True),
        ("one <div>, 200,000 attributes", b"<div " + b" ".join(b"a%d=x" % i for i in range(200_000)) + b">x</div>",
         False),
        ("20,000 <option> in one <select>", b"<select>" + b"<option>x</option>" * 20_000 + b"</select>", True),
        ("300,000 <option> in one <select>", b"<select>" + b"<option>x" * 300_000 + b"</select>", False),
        (f"worst accepted: {n} <div>s x 256 attributes",
         b"".join(b"<div " + b" ".join(b"a%d" % i for i in range(256)) + b">x</div>" for _ in range(n)), True),
    ]
    print("| page | MB | unguarded parse s | scan s | outcome | parse after scan s |")
    print("|---|---:|---:|---:|---|---:|")
    for name, inner, unguarded in cases:
        body = b"<html><body>" + inner + b"</body></html>"
        before = "-"
        if unguarded:
            t0 = time.process_time()
            LexborHTMLParser(body)
            before = f"{time.process_time() - t0:.2f}"
        t0 = time.process_time()
        reason = prescan(body, cfg)
        scan = time.process_time() - t0
        after = "-"
        if reason is None:
            t0 = time.process_time()
            LexborHTMLParser(body)
            after = f"{time.process_time() - t0:.2f}"
        print(f"| {name} | {len(body) / 1e6:.2f} | {before} | {scan:.2f} | {reason or 'parsed'} | {after} |")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("images")
    p.add_argument("--before", default="HEAD", help="git revision of process.py to compare with")
    sub.add_parser("pages")
    p = sub.add_parser("pipeline")
    p.add_argument("--copies", type=int, nargs="+", default=[1, 2, 4, 8])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--warc", default=str(EVAL_WARC))
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="config override passed to mmcorpus run (language.languages=[] keeps every page)")
    args = parser.parse_args(argv)
    {"images": images, "pages": pages, "pipeline": pipeline}[args.what](args)


if __name__ == "__main__":
    main()
