"""Training speed of the reference trainer: tokens/s, and on a GPU model FLOPs utilisation (MFU).

Runs ``mmcorpus.train.train.train`` for ``--steps`` steps and reports the steady-state rate of the
last logging window (start-up, first batches and warm-up of the loader excluded). Tokens are the
rows' real (non-padding) positions, image slots included, as in the trainer's log. MFU is the
model's training FLOPs (``KosmosLM.flops_per_step``: 6 x parameters x tokens plus attention, for
decoder, ViT and resampler) per second over the GPU's dense bf16 peak (``--peak-tflops``, 989 for
an H100/H200 SXM).

    python benchmarks/train_speed.py                                   # tiny config, CPU, sample shards
    python benchmarks/train_speed.py --out OUT --model base --device cuda --batch-size 16 --steps 60
"""

from __future__ import annotations

import argparse
import re
import tempfile

from sample_run import output_folder  # this folder is on sys.path when the script runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="a run's output folder (default: run the bundled sample first)")
    ap.add_argument("--model", default="tiny")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--peak-tflops", type=float, default=989.0, help="GPU dense bf16 peak, TFLOP/s")
    args = ap.parse_args()
    out = output_folder(args.out, "mmcorpus-train-bench-")

    from mmcorpus.train.model import CONFIGS
    from mmcorpus.train.train import TrainConfig, train

    lines: list[str] = []
    window = max(1, args.steps // 3)
    cfg = TrainConfig(model=args.model, device=args.device, batch_size=args.batch_size, num_workers=args.workers,
                      log_every=window, compile=args.compile)
    summary = train(out, args.steps, tempfile.mkdtemp(prefix="mmcorpus-train-bench-ckpt-"), cfg, log=lines.append)
    last = [ln for ln in lines if ln.startswith("step ")][-1]
    tok_s = float(re.search(r"\| ([\d,]+) tok/s", last).group(1).replace(",", ""))
    data = re.search(r"data (\d+)%", last).group(1)
    print(lines[0])
    print(f"{args.model} on {summary['device']}: {tok_s:,.0f} tok/s steady state (last {window} steps; data wait "
          f"{data}%), {summary['tokens_per_s']:,.0f} tok/s over the whole run incl. start-up; "
          f"batch {args.batch_size} x {CONFIGS[args.model]['seq_len']}")
    if summary["device"].startswith("cuda"):
        import torch

        from mmcorpus.train.model import KosmosLM, ModelConfig

        ck = torch.load(summary["checkpoint"], map_location="cpu", weights_only=False)
        with torch.device("meta"):
            model = KosmosLM(ModelConfig(**ck["model_args"]))
        n_tok = sum(summary["tokens"].values())
        flops_per_token = model.flops_per_step(n_tok, summary["images"]) / n_tok
        tflops = flops_per_token * tok_s / 1e12
        mfu = 100 * tflops / args.peak_tflops
        print(f"GPU {torch.cuda.get_device_name()}: {tflops:.1f} model TFLOP/s, MFU {mfu:.1f}% "
              f"of {args.peak_tflops:.0f}")


if __name__ == "__main__":
    main()
