"""Choosing the pHash Hamming threshold for near-duplicate images, on real images.

    python benchmarks/image_phash_threshold.py [--data ../shared/data]

Positives: each real image (the 24 Kodak photos, scikit-image's photos, the real web images
kept by the KOSMOS-1 filters) against copies a crawl really produces: resized to 50% and 25%,
recompressed as JPEG at quality 60 and 30, cropped by 2 and 4 px on each side, and resized +
recompressed. Negatives: every pair of distinct originals (Kodak + web + scikit-image), which
must not match. The hash is the one the pipeline stores: ``imagehash.phash`` of the processed
image (``mmcorpus.images.process.process_image``), compared by Hamming distance.
"""

from __future__ import annotations

import argparse
import io
import itertools
import sys
import time
from pathlib import Path

from PIL import Image

from mmcorpus.config import ImageConfig
from mmcorpus.images.process import phash_distance, process_image

VARIANTS = ("resize50", "resize25", "jpeg60", "jpeg30", "crop2", "crop4", "resize50_jpeg60")


def load_originals(data: Path) -> dict[str, bytes]:
    """Real, distinct images that pass the KOSMOS-1 filters: name -> bytes."""
    out: dict[str, bytes] = {}
    cfg = ImageConfig()
    files = sorted((data / "images-kodak24").glob("*.png"))
    files += [p for p in sorted((data / "images-web-from-warcs").iterdir()) if p.suffix.lower() in (".jpg", ".jpeg",
                                                                                                   ".png", ".gif")]
    files += [p for p in sorted((data / "images-scikit-image").iterdir()) if p.suffix.lower() in (".jpg", ".png")]
    seen_sha = set()
    for p in files:
        raw = p.read_bytes()
        img, _ = process_image(raw, cfg)
        if img is None or img.sha256 in seen_sha:
            continue
        seen_sha.add(img.sha256)
        out[f"{p.parent.name}/{p.name}"] = raw
    return out


def variant(raw: bytes, how: str) -> bytes:
    im = Image.open(io.BytesIO(raw)).convert("RGB")
    w, h = im.size
    if how.startswith("resize"):
        f = 0.5 if "50" in how else 0.25
        im = im.resize((max(1, round(w * f)), max(1, round(h * f))), Image.Resampling.BICUBIC)
    if how.startswith("crop"):
        c = int(how[-1])
        im = im.crop((c, c, w - c, h - c))
    q = 60 if "jpeg60" in how else 30 if "jpeg30" in how else 90
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=q)
    return buf.getvalue()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "data"))
    args = ap.parse_args(argv)
    data = Path(args.data)
    if not (data / "images-kodak24").exists():
        print(f"no data at {data}", file=sys.stderr)
        return 1
    cfg = ImageConfig()
    originals = load_originals(data)
    hashes = {k: process_image(v, cfg)[0].phash for k, v in originals.items()}
    pos: dict[str, list[int]] = {v: [] for v in VARIANTS}
    for name, raw in originals.items():
        for how in VARIANTS:
            img, _ = process_image(variant(raw, how), cfg)
            if img is not None:  # a 25% copy of a small web image may fall under 64 px
                pos[how].append(phash_distance(hashes[name], img.phash))
    neg = [(phash_distance(hashes[a], hashes[b]), a, b) for a, b in itertools.combinations(hashes, 2)]
    neg.sort()
    all_pos = sorted(d for v in pos.values() for d in v)
    print(f"{len(originals)} distinct real images ({sum(k.startswith('images-kodak24') for k in originals)} Kodak), "
          f"{len(all_pos)} modified copies, {len(neg)} pairs of distinct images")
    print("positives (copy vs original), Hamming distance: max / 99th pct / median")
    for how, ds in pos.items():
        ds = sorted(ds)
        print(f"  {how:17s} n={len(ds):3d} max {ds[-1]:2d}  p99 {ds[int(0.99 * (len(ds) - 1))]:2d}  "
              f"median {ds[len(ds) // 2]:2d}")
    print("negatives (distinct images): smallest distances")
    for d, a, b in neg[:8]:
        print(f"  {d:2d}  {a}  {b}")
    print("threshold  copies matched  distinct pairs matched (false)")
    for t in (4, 6, 8, 10, 12, 14, 16):
        tp = sum(d <= t for d in all_pos)
        fp = sum(d <= t for d, _, _ in neg)
        print(f"  <= {t:2d}    {tp}/{len(all_pos)} ({tp / len(all_pos):.3f})   {fp}/{len(neg)}")
    t0, n = time.perf_counter(), 0
    import imagehash

    ims = [Image.open(io.BytesIO(process_image(v, cfg)[0].jpeg)).convert("RGB") for v in list(originals.values())[:60]]
    t0 = time.perf_counter()
    for im in ims * 5:
        imagehash.phash(im)
        n += 1
    print(f"imagehash.phash alone on decoded processed images: {n / (time.perf_counter() - t0):.0f} images/s (1 core)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
