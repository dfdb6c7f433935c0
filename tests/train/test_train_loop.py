"""The training loop: resume reproduces the uninterrupted run, determinism, the CLI, and real data end to end."""

from __future__ import annotations

import json
import math

import pytest
import torch
from conftest import shared
from train.train_shards import write_shards

from mmcorpus.cli.main import main
from mmcorpus.errors import UserError
from mmcorpus.train.train import TrainConfig, train

SMALL = dict(batch_size=4, num_workers=2, threads=1, log_every=1, warmup_steps=2, shuffle_buffer=20,
             model_args={"seq_len": 96, "image_size": 64})


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    return write_shards(tmp_path_factory.mktemp("loop"), n_shards=1, per_shard=8)


@pytest.fixture(autouse=True)
def restore_threads():
    n = torch.get_num_threads()  # train() sets the thread count for CPU runs
    yield
    torch.set_num_threads(n)


def quiet(*a, **k):
    pass


def test_resume_reproduces_the_uninterrupted_loss_curve(shards, tmp_path):
    full = train(str(shards), 6, str(tmp_path / "full"), TrainConfig(**SMALL), log=quiet)
    # an interrupted run: the same schedule (decay to step 6), stopped after step 3, then resumed
    part = train(str(shards), 3, str(tmp_path / "part"), TrainConfig(**SMALL, decay_steps=6), log=quiet)
    ckpt = torch.load(tmp_path / "part" / "ckpt.pt", weights_only=False)
    assert ckpt["step"] == 3 and ckpt["data"]["batches_seen"] == 3 and set(ckpt["rng"]) == {"torch", "python", "numpy"}
    resumed = train(str(shards), 6, str(tmp_path / "part"), TrainConfig(**SMALL), resume=True, log=quiet)
    assert part["history"] == full["history"][:3]
    assert resumed["history"] == pytest.approx(full["history"], rel=1e-6, abs=1e-6)
    assert resumed["steps_this_run"] == 3 and resumed["steps"] == 6


def test_same_seed_same_run_other_seed_other_run(shards, tmp_path):
    cfg = dict(SMALL, num_workers=0)
    a = train(str(shards), 3, str(tmp_path / "a"), TrainConfig(**cfg), log=quiet)["history"]
    b = train(str(shards), 3, str(tmp_path / "b"), TrainConfig(**cfg), log=quiet)["history"]
    c = train(str(shards), 3, str(tmp_path / "c"), TrainConfig(**cfg, seed=1), log=quiet)["history"]
    assert a == b and a != c


def test_cli_trains_logs_and_refuses_to_overwrite(shards, tmp_path, capsys):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps(dict(SMALL, mix={"text": 1, "pairs": 1, "interleaved": 1}, log_every=2)))
    args = ["train", str(shards), "--steps", "4", "--output", str(tmp_path / "ck"), "--config", str(cfg),
            "--json", str(tmp_path / "summary.json")]
    assert main(args) == 0
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if ln.startswith("step ")]
    assert [ln.split()[1] for ln in lines] == ["2", "4"]
    assert all(w in lines[0] for w in ("loss", "text", "pairs", "interleaved", "tok/s", "samples/s", "data"))
    assert "done: 4 steps" in out and "checkpoint:" in out
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["steps"] == 4 and all(summary["tokens"][s] > 0 for s in ("text", "pairs", "interleaved"))
    assert (tmp_path / "ck" / "ckpt.pt").exists() and (tmp_path / "ck" / "tokenizer.json").exists()
    assert main(args) == 2 and "pass --resume" in capsys.readouterr().err
    cfg.write_text(json.dumps({"lr": 1e-3, "learning_rate": 1}))
    with pytest.raises(UserError, match="learning_rate"):
        TrainConfig.load(str(cfg))


def test_bpe_tokenizer_from_train_tokenizer_trains(shards, tmp_path, capsys):
    tok = tmp_path / "tok.json"
    assert main(["train-tokenizer", str(shards), "-o", str(tok), "--vocab-size", "300"]) == 0
    assert "bytes per token" in capsys.readouterr().out
    s = train(str(shards), 2, str(tmp_path / "ck"), TrainConfig(**SMALL, tokenizer=str(tok)), log=quiet)
    assert all(math.isfinite(x) for x in s["history"])


@pytest.mark.realdata
@pytest.mark.slow
def test_end_to_end_on_real_crawls(tmp_path):
    """WARCs with pages and their image records -> `mmcorpus run` -> 30 steps: loss falls, never NaN."""
    warcs = [shared("warc-aut-archiveorg-2008", "example.warc.gz"),
             *sorted(shared("warc-ukwa-test-suite", "wikipedia-sopa-blackout-2012").glob("*/*.warc.gz"))]
    out = tmp_path / "out"
    assert main(["run", *map(str, warcs), "-o", str(out), "--runner", "inprocess", "-q"]) == 0
    sizes = {s: sum(json.loads((out / s / "sizes.json").read_text()).values())
             for s in ("interleaved", "pairs", "text")}
    assert sizes["interleaved"] >= 1 and sizes["pairs"] >= 1 and sizes["text"] >= 10, sizes
    s = train(str(out), 30, str(tmp_path / "ck"), TrainConfig(**dict(SMALL, log_every=10, warmup_steps=5, lr=2e-3)),
              log=quiet)
    h = s["history"]
    assert len(h) == 30 and all(math.isfinite(x) for x in h)
    assert sum(h[-5:]) / 5 < 0.8 * sum(h[:5]) / 5, h
    assert all(s["tokens"][k] > 0 for k in ("text", "pairs", "interleaved")) and s["images"] > 0


def test_bad_settings_are_user_errors(shards, tmp_path):
    with pytest.raises(UserError, match="unknown sets in mix"):
        train(str(shards), 1, str(tmp_path / "a"), TrainConfig(**dict(SMALL, mix={"captions": 1})), log=quiet)
    with pytest.raises(UserError, match="cannot hold one image block"):
        train(str(shards), 1, str(tmp_path / "b"), TrainConfig(**dict(SMALL, model_args={"seq_len": 8})), log=quiet)
    with pytest.raises(UserError, match="no checkpoint"):
        train(str(shards), 1, str(tmp_path / "c"), TrainConfig(**SMALL), resume=True, log=quiet)
    with pytest.raises(UserError, match="unknown model"):
        TrainConfig.load(None, model="huge")


def test_help_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys; from mmcorpus.cli.main import build_parser; build_parser(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
