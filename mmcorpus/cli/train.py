"""``mmcorpus train OUT/ --steps N --output CKPT/``: train the reference KOSMOS-style model on a run's shards.

The loop and its options are in :mod:`mmcorpus.train.train` (docs/training.md); torch is imported
only when the command runs.
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", metavar="OUT", help="a run's output folder (with interleaved/, pairs/, text/)")
    p.add_argument("--steps", type=int, required=True, metavar="N", help="train until optimiser step N")
    p.add_argument("--output", required=True, metavar="CKPT", help="checkpoint folder (ckpt.pt, tokenizer.json)")
    p.add_argument("--config", metavar="FILE", help="trainer config, JSON, YAML or TOML (keys: docs/training.md)")
    p.add_argument("--resume", action="store_true", help="continue from CKPT/ckpt.pt")
    p.add_argument("--model", help="model preset: tiny, small, base (overrides the config file)")
    p.add_argument("--batch-size", type=int, help="rows per micro-batch (overrides the config file)")
    p.add_argument("--num-workers", type=int, help="DataLoader workers (overrides the config file)")
    p.add_argument("--tokenizer", metavar="JSON", help="tokenizer from train-tokenizer (default: bytes)")
    p.add_argument("--seed", type=int, help="seed of model init and data order (default 0)")
    p.add_argument("--device", help="cpu, cuda, cuda:1 ... (default: cuda when available)")
    p.add_argument("--log-every", type=int, help="steps between log lines (default 10)")
    p.add_argument("--json", metavar="FILE", help="also write the closing summary as JSON to FILE")


def run(args: argparse.Namespace) -> int:
    import json

    from mmcorpus.errors import UserError
    from mmcorpus.train.train import TrainConfig, train

    if args.steps < 1:
        raise UserError("--steps must be at least 1")
    cfg = TrainConfig.load(args.config, model=args.model, batch_size=args.batch_size, num_workers=args.num_workers,
                           tokenizer=args.tokenizer, seed=args.seed, device=args.device, log_every=args.log_every)
    summary = train(args.out, args.steps, args.output, cfg, resume=args.resume)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1, default=float)
    return 0
