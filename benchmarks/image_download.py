"""Image acquisition speed and sources: downloads through img2dataset behind the guard, pHash alone,
and how many wanted images the shared web-archive WARCs hold themselves.

    python benchmarks/image_download.py [--n 2000] [--threads 32] [--data ../shared/data]

1. Download + decode + filters + pHash: a loopback HTTP server (its own process, so its CPU is
   not counted) serves real images from ../shared/data at their real sizes (the web images of
   the WARCs and the 24 Kodak photos, as files); :class:`mmcorpus.images.download.ImageFetcher`
   fetches ``--n`` distinct URLs in batches of ``download.batch_size`` and every body goes
   through :func:`mmcorpus.images.join.validate_download` (``process_image``: decode, KOSMOS-1
   filters, resize, JPEG re-encode, pHash). Reported: images/s wall, and images per CPU-second of
   this process (= per core), next to img2dataset's published ~85 images/s per core.
2. pHash alone: ``imagehash.phash`` on decoded processed images.
3. Share of wanted images found in the WARCs vs left to download, per shared web-archive WARC
   (a pipeline run without ``--fetch-images``; the image_fetch ledger).
"""

from __future__ import annotations

import argparse
import io
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

DATA_DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _serve(files: list[str], port_q) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    bodies = [Path(f).read_bytes() for f in files]

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):  # noqa: N802
            i = int(self.path.rsplit("/", 1)[-1].split(".")[0])
            body = bodies[i % len(bodies)]
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    port_q.put(srv.server_address[1])
    srv.serve_forever()


def bench_download(data: Path, n: int, threads: int, batch: int) -> dict:
    from mmcorpus.config import Config
    from mmcorpus.images.download import ImageFetcher
    from mmcorpus.images.join import validate_download

    files = sorted(str(p) for p in (data / "images-web-from-warcs").iterdir() if p.suffix != ".tsv")
    files += sorted(str(p) for p in (data / "images-kodak24").glob("*.png"))
    sizes = [os.path.getsize(f) for f in files]
    q = mp.Queue()
    server = mp.Process(target=_serve, args=(files, q), daemon=True)
    server.start()
    port = q.get(timeout=30)
    cfg = Config()
    cfg.download.allow_private_networks = True
    cfg.download.threads = threads
    t0 = time.perf_counter()
    fetcher = ImageFetcher(cfg.download)
    startup = time.perf_counter() - t0
    urls = [(str(i), [f"http://127.0.0.1:{port}/{i}.img"]) for i in range(n)]
    outcomes: dict[str, int] = {}
    kept = 0
    nbytes = 0
    cpu0, t0 = time.process_time(), time.perf_counter()
    for start in range(0, n, batch):
        res = fetcher.fetch(urls[start:start + batch], lambda b: validate_download(b, cfg))
        for r in res.values():
            outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
            if r.outcome == "downloaded":
                nbytes += len(r.data)
                kept += r.value[0] is not None
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    server.terminate()
    return {"n": n, "files": len(files), "mean_file_kb": sum(sizes) / len(sizes) / 1024, "startup_s": startup,
            "wall_s": wall, "cpu_s": cpu, "img_per_s": n / wall, "img_per_cpu_s": n / cpu,
            "mb_per_s": nbytes / wall / 1e6, "outcomes": outcomes, "kept_by_filters": kept}


def bench_phash(data: Path) -> float:
    import imagehash
    from PIL import Image

    from mmcorpus.config import ImageConfig
    from mmcorpus.images.process import process_image

    ims = []
    for p in sorted((data / "images-kodak24").glob("*.png")) + sorted((data / "images-web-from-warcs").glob("*.jpg")):
        img, _ = process_image(p.read_bytes(), ImageConfig())
        if img is not None:
            ims.append(Image.open(io.BytesIO(img.jpeg)).convert("RGB"))
    t0, k = time.perf_counter(), 0
    while time.perf_counter() - t0 < 2.0:
        for im in ims:
            imagehash.phash(im)
            k += 1
    return k / (time.perf_counter() - t0)


def bench_sources(data: Path) -> list[tuple[str, dict]]:
    import tempfile

    from mmcorpus.pipelines.crawl_to_shards import run

    sets = [("warc-aut-archiveorg-2008", ["warc-aut-archiveorg-2008/example.warc.gz"]),
            ("warc-ukwa-test-suite (Wikipedia 2012)", ["warc-ukwa-test-suite/wikipedia-sopa-blackout-2012"]),
            ("warc-ukwa-discovery (Mona Lisa)", ["warc-ukwa-discovery/wikipedia-mona-lisa"]),
            ("warc-pywb-samples (iana.org 2014)", ["warc-pywb-samples"]),
            ("cc-warc-resiliparse (Common Crawl)", ["cc-warc-resiliparse/warcfile.warc.gz"])]
    rows = []
    for name, parts in sets:
        paths = [str(data / p) for p in parts if (data / p).exists()]
        if not paths:
            continue
        with tempfile.TemporaryDirectory() as out:
            m = run(paths + ["-o", out, "--runner", "inprocess", "-q", "--overwrite"])
        led = m["ledger"]
        rows.append((name, {k.split("/", 1)[1]: v for k, v in led.items() if k.startswith("image_fetch/")}))
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(DATA_DEFAULT))
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=32)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--skip-sources", action="store_true")
    args = ap.parse_args(argv)
    data = Path(args.data)
    if not (data / "images-web-from-warcs").exists():
        print(f"no data at {data}", file=sys.stderr)
        return 1
    d = bench_download(data, args.n, args.threads, args.batch)
    print(f"download + decode + filters + pHash: {d['n']} URLs over {d['files']} real files "
          f"(mean {d['mean_file_kb']:.0f} KB), {args.threads} threads, batches of {args.batch}")
    print(f"  {d['img_per_s']:.0f} images/s wall, {d['img_per_cpu_s']:.0f} images per CPU-second of the client "
          f"(img2dataset publishes ~85 images/s per core: ratio {d['img_per_cpu_s'] / 85:.2f}), "
          f"{d['mb_per_s']:.1f} MB/s; start-up (img2dataset import) {d['startup_s']:.1f} s")
    print(f"  outcomes {d['outcomes']}; kept by the KOSMOS-1 filters {d['kept_by_filters']}")
    print(f"pHash alone: {bench_phash(data):.0f} images/s (one core)")
    if not args.skip_sources:
        print("wanted images (slots of kept documents) by where their bytes would come from:")
        for name, c in bench_sources(data):
            wanted = c.get("wanted", 0)
            found = c.get("found_in_warc", 0)
            to_dl = c.get("skipped:download_off", 0)
            other = {k: v for k, v in c.items() if k not in ("wanted", "found_in_warc", "skipped:download_off")}
            share = found / wanted if wanted else 0.0
            print(f"  {name}: wanted {wanted}, in the WARC {found} ({share:.0%}), to download {to_dl}, other {other}")
    return 0


if __name__ == "__main__":  # spawned workers need the guard (ENVIRONMENT.md)
    sys.exit(main())
