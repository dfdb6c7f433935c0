"""Trainer loader speed: samples/s of mmcorpus.train.data next to a plain webdataset loop.

Both read the same shards, one process, one core's worth of work: the plain loop is
``wds.WebDataset(resampled) -> shuffle -> decode`` where decode is UTF-8 text plus every JPEG
decoded and resized to 224x224 (the same ``load_image``); the trainer's loader adds parsing through
the shard layout, sentence splitting, tokenizing, full-sentence packing and token-budget mixing.
The plain loop reads exactly as many samples of each set as the trainer's loader consumed, so the
ratio is per sample of the same mix. Both in-process rows are timed in CPU time of this process
(steadier than wall time on a shared machine); the row with DataLoader workers in wall time.
Target: >= 0.9x.

    python benchmarks/train_loader.py                       # shards of samples/sample.warc.gz
    python benchmarks/train_loader.py --out /tmp/x --batches 200 --workers 2
"""

from __future__ import annotations

import argparse
import itertools
import time

from sample_run import output_folder  # this folder is on sys.path when the script runs


def plain_loop(shards: dict[str, list[str]], n_per_set: dict[str, int]) -> float:
    import webdataset as wds

    from mmcorpus.train.data import load_image

    t0 = time.process_time()
    for set_name, n in n_per_set.items():
        if not n:
            continue
        ds = wds.WebDataset(shards[set_name], resampled=True, shardshuffle=False, empty_check=False).shuffle(500)
        for sample in itertools.islice(ds, n):
            if "txt" in sample:
                sample["txt"].decode("utf-8")
            if "jpg" in sample:
                load_image(sample["jpg"])
            if "images.npy" in sample:  # every image of the document, found through its JSON offsets
                import io
                import json

                import numpy as np

                body = json.loads(sample["json"])
                blob = np.lib.format.read_array(io.BytesIO(sample["images.npy"]), allow_pickle=False).tobytes()
                for ref in body["images"]:
                    if ref is not None:
                        load_image(blob[ref["offset"]:ref["offset"] + ref["length"]])
                for t in body["texts"]:
                    if t is not None:
                        t.encode("utf-8")
    return time.process_time() - t0


def trainer_loop(shards, batches: int, workers: int, batch_size: int, seq_len: int, n_slots: int):
    from mmcorpus.train.data import SOURCES, MixedBatches, make_loader
    from mmcorpus.train.tokenizer import Tokenizer

    ds = MixedBatches(shards, Tokenizer(), seq_len=seq_len, batch_size=batch_size, n_slots=n_slots)
    it = iter(make_loader(ds, workers))
    next(it)  # start-up (worker processes, first shuffle buffer) is not steady-state speed
    counts = dict.fromkeys(SOURCES, 0)
    images = 0
    clock = time.process_time if workers == 0 else time.perf_counter  # CPU time: robust on a busy machine
    t0 = clock()
    for _ in range(batches):
        b = next(it)
        for i, s in enumerate(SOURCES):
            counts[s] += int(b["examples_per_source"][i])
        images += b["images"].shape[0]
    return clock() - t0, counts, images


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="a run's output folder (default: run the bundled sample first)")
    ap.add_argument("--batches", type=int, default=150)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--seq-len", type=int, default=512)
    ap.add_argument("--slots", type=int, default=64)
    ap.add_argument("--workers", type=int, default=0, help="DataLoader workers for a second trainer row")
    ap.add_argument("--repeat", type=int, default=3, help="alternate the two loops this many times; best of each")
    args = ap.parse_args()
    out = output_folder(args.out, "mmcorpus-loader-bench-")
    from mmcorpus.train.data import set_shards

    shards = set_shards(out)
    import torch

    torch.set_num_threads(1)
    best_t = best_p = float("inf")
    for _ in range(args.repeat):
        t, counts, images = trainer_loop(shards, args.batches, 0, args.batch_size, args.seq_len, args.slots)
        best_t = min(best_t, t)
        best_p = min(best_p, plain_loop(shards, counts))
    n = sum(counts.values())
    print(f"shards: {out}; per run {n} samples ({counts}), {images} images; batch {args.batch_size} x "
          f"{args.seq_len}, K={args.slots}; best of {args.repeat}")
    print(f"plain webdataset loop + JPEG decode : {n / best_p:8.1f} samples/s (CPU time)")
    print(f"mmcorpus.train loader, 0 workers     : {n / best_t:8.1f} samples/s (CPU time, {best_p / best_t:.2f}x)")
    if args.workers:
        t, counts, _ = trainer_loop(shards, args.batches, args.workers, args.batch_size, args.seq_len, args.slots)
        print(f"mmcorpus.train loader, {args.workers} workers     : {sum(counts.values()) / t:8.1f} samples/s (wall)")


if __name__ == "__main__":
    main()
