"""Train a small KOSMOS-style model on the three shard sets of a run: one visible loop, nanoGPT style.

Run (a laptop CPU is enough for the tiny configuration)::

    mmcorpus run samples/sample.warc.gz -o out/ --runner inprocess -q
    mmcorpus train out/ --steps 200 --output ckpt/                        # tiny model, byte tokenizer
    mmcorpus train out/ --steps 400 --output ckpt/ --resume               # continue the same run to 400
    mmcorpus train-tokenizer out/ -o tok.json --vocab-size 4096           # optional byte-level BPE
    mmcorpus train out/ --steps 20000 --output ckpt/ --config base.json   # {"model": "base", "tokenizer": "tok.json"}

or the same from Python: ``python -m mmcorpus.train.train out/ --steps 200 --output ckpt/``.
Every ``log_every`` steps it prints ``step N loss L | text … pairs … interleaved … | lr | tok/s
samples/s | data X%`` (the share of wall time spent waiting for the loader), and at the end a summary.
Recipe from KOSMOS-1 (Huang et al., 2023, section 3.1): AdamW (0.9, 0.98), weight decay 0.01,
eps 1e-6, warm-up then linear decay; gradient clipping; bf16 autocast on GPU. docs/training.md
describes the data, the options and what resume restores.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import torch

from mmcorpus.errors import UserError
from mmcorpus.train.data import DEFAULT_MIX, SOURCES, MixedBatches, make_loader, set_shards
from mmcorpus.train.model import CONFIGS, KosmosLM, ModelConfig
from mmcorpus.train.tokenizer import Tokenizer


@dataclass
class TrainConfig:
    model: str = "tiny"  # preset in model.CONFIGS: tiny, small, base (~100M)
    model_args: dict = field(default_factory=dict)  # overrides of ModelConfig fields, e.g. {"xpos": false}
    tokenizer: str | None = None  # tokenizer.json from `mmcorpus train-tokenizer`; None: bytes
    batch_size: int = 8  # rows of seq_len tokens per micro-batch
    grad_accum: int = 1  # micro-batches per optimiser step
    mix: dict = field(default_factory=lambda: dict(DEFAULT_MIX))  # token shares text : pairs : interleaved
    lr: float = 1e-3  # peak learning rate
    min_lr: float = 0.0  # learning rate at the end of the linear decay
    warmup_steps: int = 20  # linear warm-up from 0
    decay_steps: int | None = None  # step at which the decay reaches min_lr; None: --steps
    weight_decay: float = 0.01  # AdamW, on matrices only (KOSMOS-1: 0.01)
    beta1: float = 0.9
    beta2: float = 0.98
    eps: float = 1e-6
    grad_clip: float = 1.0  # max global gradient norm; 0 disables
    seed: int = 0  # model init and data order
    num_workers: int = 2  # DataLoader workers (each builds whole batches); 0: in the main process
    shuffle_buffer: int = 500  # samples in each set's shuffle buffer
    resampled: bool = True  # shards drawn with replacement (open_clip's choice for mixing)
    resume_data: str = "replay"  # replay: skip the batches already seen (exact); reseed: fresh order
    log_every: int = 10  # steps between log lines
    save_every: int = 0  # steps between checkpoints (0: only at the end)
    device: str = "auto"  # auto: cuda when available, else cpu
    threads: int = 0  # CPU threads for torch; 0: the cores left after the loader workers (at least 1)
    compile: bool = False  # torch.compile the model (GPU runs)

    @classmethod
    def load(cls, path: str | None, **overrides) -> TrainConfig:
        data: dict = {}
        if path:
            p = Path(path)
            if not p.is_file():
                raise UserError(f"{path}: no such config file")
            text = p.read_text()
            if p.suffix in (".yaml", ".yml"):
                import yaml

                data = yaml.safe_load(text) or {}
            elif p.suffix == ".toml":
                import tomllib

                data = tomllib.loads(text)
            else:
                data = json.loads(text)
        data.update({k: v for k, v in overrides.items() if v is not None})
        known = {f.name for f in fields(cls)}
        if set(data) - known:
            raise UserError(f"unknown trainer config keys: {sorted(set(data) - known)} (known: {sorted(known)})")
        cfg = cls(**data)
        if cfg.model not in CONFIGS:
            raise UserError(f"unknown model {cfg.model!r} (presets: {', '.join(CONFIGS)})")
        unknown = set(cfg.model_args) - {f.name for f in fields(ModelConfig)}
        if unknown:
            raise UserError(f"unknown model_args: {sorted(unknown)}")
        if cfg.resume_data not in ("replay", "reseed"):
            raise UserError(f"resume_data must be replay or reseed, not {cfg.resume_data!r}")
        return cfg


def get_lr(step: int, cfg: TrainConfig, decay_steps: int) -> float:
    """Linear warm-up to lr, then linear decay to min_lr at decay_steps."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    frac = min(1.0, (step - cfg.warmup_steps) / max(1, decay_steps - cfg.warmup_steps))
    return cfg.lr + frac * (cfg.min_lr - cfg.lr)


def train(out_dir: str, steps: int, output: str, cfg: TrainConfig, resume: bool = False, log=print) -> dict:
    # -- setup ---------------------------------------------------------------------------------
    device = ("cuda" if torch.cuda.is_available() else "cpu") if cfg.device == "auto" else cfg.device
    cuda = device.startswith("cuda")
    ckpt_path = Path(output) / "ckpt.pt"
    if ckpt_path.exists() and not resume:
        raise UserError(f"{ckpt_path} exists: pass --resume to continue it, or choose another --output")
    if resume and not ckpt_path.exists():
        raise UserError(f"--resume: no checkpoint at {ckpt_path}")
    shards = set_shards(out_dir)
    missing = [s for s in SOURCES if not shards[s] and cfg.mix.get(s, 0) > 0]
    if all(not shards[s] for s in SOURCES):
        raise UserError(f"{out_dir}: no shards in {', '.join(SOURCES)}")
    if device == "cpu":  # oversubscribed OpenMP threads spin: on 2 busy cores, 2 threads ran 80x slower than 1
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        torch.set_num_threads(cfg.threads or max(1, cores - cfg.num_workers))
    torch.manual_seed(cfg.seed)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    tok = Tokenizer.load(cfg.tokenizer)
    margs = dict(CONFIGS[cfg.model], **cfg.model_args)
    margs.update(vocab_size=64 * math.ceil(tok.vocab_size / 64), slot_id=tok.slot)
    margs = asdict(ModelConfig(**margs))
    model = KosmosLM(ModelConfig(**margs)).to(device)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr,
                                  betas=(cfg.beta1, cfg.beta2), eps=cfg.eps, fused=cuda)
    step, history = 0, []
    if resume:
        ckpt = torch.load(ckpt_path, map_location=device, weights_only=False)
        if ckpt["model_args"] != margs or ckpt["config"]["num_workers"] != cfg.num_workers:
            raise UserError(f"{ckpt_path} was trained with another model or num_workers: resume with its config")
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        step, history = ckpt["step"], ckpt["history"]
        torch.set_rng_state(ckpt["rng"]["torch"])
        random.setstate(ckpt["rng"]["python"])
        np.random.set_state(ckpt["rng"]["numpy"])
    raw_model = model
    if cfg.compile:
        model = torch.compile(model)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if cuda else contextlib.nullcontext()
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    replay = cfg.resume_data == "replay"
    try:
        dataset = MixedBatches(shards, tok, seq_len=margs["seq_len"], batch_size=cfg.batch_size,
                               n_slots=margs["n_latents"], mix=cfg.mix, seed=cfg.seed if replay else cfg.seed + step,
                               shuffle_buffer=cfg.shuffle_buffer, resampled=cfg.resampled,
                               skip_batches=step * cfg.grad_accum if replay else 0, image_size=margs["image_size"])
    except ValueError as e:  # a mix or sequence length that cannot work
        raise UserError(str(e)) from e
    loader = iter(make_loader(dataset, cfg.num_workers))
    decay_steps = cfg.decay_steps or steps
    log(f"model {cfg.model}: {raw_model.n_params() / 1e6:.2f}M parameters (decoder "
        f"{raw_model.n_params('decoder') / 1e6:.2f}M, vision {raw_model.n_params('vision') / 1e6:.2f}M, resampler "
        f"{raw_model.n_params('resampler') / 1e6:.2f}M); tokenizer {tok.kind} ({tok.vocab_size}); device {device}; "
        f"mix " + " : ".join(f"{s} {dataset.share.get(s, 0):.3f}" for s in SOURCES)
        + (f"; no shards in {', '.join(missing)}" if missing else "") + (f"; resumed at step {step}" if step else ""))

    def save() -> None:
        Path(output).mkdir(parents=True, exist_ok=True)
        ckpt = {"model": raw_model.state_dict(), "optimizer": optimizer.state_dict(), "model_args": margs,
                "config": asdict(cfg), "step": step, "history": history, "tokenizer": tok.to_json(),
                "data": {"batches_seen": step * cfg.grad_accum, "seed": cfg.seed, "resume": cfg.resume_data},
                "rng": {"torch": torch.get_rng_state(), "python": random.getstate(), "numpy": np.random.get_state()}}
        torch.save(ckpt, str(ckpt_path) + ".tmp")
        os.replace(str(ckpt_path) + ".tmp", ckpt_path)  # never a half-written ckpt.pt
        tok.save(Path(output) / "tokenizer.json")

    # -- the loop ------------------------------------------------------------------------------
    totals = {"tokens": np.zeros(3, np.int64), "examples": np.zeros(3, np.int64), "wait": 0.0, "images": 0}
    counts: dict[str, int] = {}
    first_step = step
    t_start = t_log = time.perf_counter()
    window = {"loss": [], "src_sum": torch.zeros(3), "src_n": torch.zeros(3), "tokens": 0, "examples": 0, "wait": 0.0}
    while step < steps:
        lr = get_lr(step, cfg, decay_steps)
        for group in optimizer.param_groups:
            group["lr"] = lr
        step_loss = 0.0
        for _ in range(cfg.grad_accum):
            t0 = time.perf_counter()
            batch = next(loader)
            window["wait"] += time.perf_counter() - t0
            tokens = batch["tokens"].to(device, non_blocking=True)
            targets = batch["targets"].to(device, non_blocking=True)
            images = batch["images"].to(device, non_blocking=True)
            with autocast:
                _, token_loss = model(tokens, images, targets)
            valid = targets >= 0
            loss = token_loss.sum() / valid.sum().clamp(min=1)
            (loss / cfg.grad_accum).backward()
            step_loss += loss.item() / cfg.grad_accum
            per_row = token_loss.detach().sum(1).cpu()
            window["src_sum"].index_add_(0, batch["source"], per_row)
            window["src_n"].index_add_(0, batch["source"], valid.sum(1).cpu().float())
            totals["tokens"] += batch["tokens_per_source"].numpy()
            totals["examples"] += batch["examples_per_source"].numpy()
            totals["images"] += images.shape[0]
            window["tokens"] += int(batch["tokens_per_source"].sum())
            window["examples"] += int(batch["examples_per_source"].sum())
            for k, v in batch["counts"].items():
                counts[k] = counts.get(k, 0) + v
        if not math.isfinite(step_loss):
            raise UserError(f"loss is {step_loss} at step {step + 1}: lower lr or check the data")
        if cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        history.append(step_loss)
        window["loss"].append(step_loss)
        if step % cfg.log_every == 0 or step == steps:
            dt = time.perf_counter() - t_log
            src = window["src_sum"] / window["src_n"].clamp(min=1)
            per = " ".join(f"{s} {src[i]:.3f}" if window["src_n"][i] else f"{s} -" for i, s in enumerate(SOURCES))
            log(f"step {step} loss {np.mean(window['loss']):.4f} | {per} | lr {lr:.2e} | "
                f"{window['tokens'] / dt:,.0f} tok/s {window['examples'] / dt:.1f} samples/s | "
                f"data {100 * window['wait'] / dt:.0f}%")
            totals["wait"] += window["wait"]
            window = {"loss": [], "src_sum": torch.zeros(3), "src_n": torch.zeros(3), "tokens": 0, "examples": 0,
                      "wait": 0.0}
            t_log = time.perf_counter()
        if cfg.save_every and step % cfg.save_every == 0 and step < steps:
            save()
    totals["wait"] += window["wait"]
    wall = time.perf_counter() - t_start
    save()

    # -- summary -------------------------------------------------------------------------------
    n_steps = step - first_step
    summary = {
        "steps": step, "steps_this_run": n_steps, "first_loss": history[0] if history else None,
        "final_loss": float(np.mean(history[-min(len(history), cfg.log_every):])) if history else None,
        "tokens": {s: int(totals["tokens"][i]) for i, s in enumerate(SOURCES)},
        "token_share": {s: float(totals["tokens"][i] / max(1, totals["tokens"].sum())) for i, s in enumerate(SOURCES)},
        "examples": {s: int(totals["examples"][i]) for i, s in enumerate(SOURCES)}, "images": totals["images"],
        "wall_s": wall, "tokens_per_s": totals["tokens"].sum() / wall if wall else 0.0,
        "samples_per_s": totals["examples"].sum() / wall if wall else 0.0,
        "data_wait_share": totals["wait"] / wall if wall else 0.0, "counts": counts,
        "parameters": raw_model.n_params(), "device": device, "checkpoint": str(ckpt_path), "history": history,
    }
    if cuda and n_steps:
        flops = raw_model.flops_per_step(int(totals["tokens"].sum()), totals["images"])
        summary["model_tflops_per_s"] = flops / wall / 1e12
    log(render_summary(summary))
    return summary


def render_summary(s: dict) -> str:
    lines = [f"done: {s['steps']} steps ({s['steps_this_run']} this run) in {s['wall_s']:.1f} s on {s['device']}, "
             f"loss {s['first_loss']:.4f} -> {s['final_loss']:.4f}",
             f"{'set':<12} {'tokens':>12} {'share':>7} {'samples':>9}"]
    for src in SOURCES:
        lines.append(f"{src:<12} {s['tokens'][src]:>12,} {s['token_share'][src]:>7.3f} {s['examples'][src]:>9,}")
    lines.append(f"{s['tokens_per_s']:,.0f} tok/s, {s['samples_per_s']:.1f} samples/s, {s['images']:,} images, "
                 f"data wait {100 * s['data_wait_share']:.0f}% of wall time")
    if "model_tflops_per_s" in s:
        lines.append(f"model FLOPs: {s['model_tflops_per_s']:.1f} TFLOP/s")
    for k, v in sorted(s["counts"].items()):
        lines.append(f"{k}: {v}")
    lines.append(f"checkpoint: {s['checkpoint']}")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    from mmcorpus.cli.main import main

    sys.exit(main(["train", *sys.argv[1:]]))
