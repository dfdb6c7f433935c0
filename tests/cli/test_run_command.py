"""`mmcorpus run` as a user meets it: failed inputs are named and fail the run, flags are checked,
an existing corpus is never replaced silently, problems known up front are one line in seconds."""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
import time
from pathlib import Path

import pytest
from conftest import SAMPLE_WARC

from mmcorpus.cli.main import main

FAST = ["--runner", "inprocess", "-q", "--set", "warc.retry_delay=0.01"]


@pytest.fixture
def flaky_server(tmp_path):
    """127.0.0.1 only: /ok.warc.gz is the sample, /busy.warc.gz answers 503 until ``state['busy']`` is False."""
    root = tmp_path / "www"
    root.mkdir()
    (root / "ok.warc.gz").write_bytes(SAMPLE_WARC.read_bytes())
    (root / "busy.warc.gz").write_bytes(SAMPLE_WARC.read_bytes())
    (root / "warc.paths").write_text("ok.warc.gz\nbusy.warc.gz\n")  # a Common Crawl style list
    state = {"busy": True, "hits": 0}

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a, **k):
            pass

        def _busy(self):
            if self.path.startswith("/busy") and state["busy"]:
                state["hits"] += 1
                self.send_error(503, "Slow Down")
                return True
            return False

        def do_HEAD(self):
            if not self._busy():
                super().do_HEAD()

        def do_GET(self):
            if not self._busy():
                super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", state
    server.shutdown()
    server.server_close()


def rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "inputs.jsonl").read_text().splitlines()]


def test_a_503_input_is_named_retried_fails_the_run_and_a_rerun_reads_only_it(flaky_server, tmp_path, capsys):
    base, state = flaky_server
    out = tmp_path / "out"
    rc = main(["run", f"{base}/warc.paths", "-o", str(out), *FAST, "--set", f"warc.common_crawl_base_url={base}"])
    captured = capsys.readouterr()
    assert rc == 1
    assert state["hits"] >= 4  # the first try and three retries (warc.read_retries) before giving up
    by_path = {r["path"]: r for r in rows(out)}
    bad = by_path[f"{base}/busy.warc.gz"]
    assert bad["status"] == "failed" and bad["errors"] == {"unreadable_file": 1} and "503" in bad["message"]
    assert by_path[f"{base}/ok.warc.gz"]["status"] == "ok" and by_path[f"{base}/ok.warc.gz"]["pages"] == 9
    assert f"FAILED {base}/busy.warc.gz" in captured.out and "unreadable_file" in captured.out
    assert "1 of 2 input file(s) failed" in captured.err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["input_files"]["failed"] == 1 and manifest["balance"]["balanced"]

    # the server recovers: an appended rerun reads the failed file only, and keys stay unique
    state["busy"] = False
    assert main(["run", f"{base}/ok.warc.gz", f"{base}/busy.warc.gz", "-o", str(out), "--append", *FAST]) == 0
    second = json.loads((out / "manifest.json").read_text())
    assert second["input_files"]["files"] == 1 and second["input_files"]["skipped_read_before"] == 1
    assert [r["status"] for r in rows(out)] == ["ok", "failed", "ok"] and rows(out)[-1]["batch"] == 1
    assert len(second["batches"]) == 2
    # busy.warc.gz holds the same records as ok.warc.gz: their documents are already in batch 0
    assert second["ledger"]["dedup/dropped:earlier_batch"] >= 1
    import webdataset as wds

    for name, entry in second["outputs"].items():
        urls = [str(out / name / s["name"]) for s in entry["shards"]]
        keys = [s["__key__"] for s in wds.WebDataset(urls, shardshuffle=False, empty_check=False)]
        assert len(keys) == len(set(keys)) == entry["samples"], name
        sizes = json.loads((out / name / "sizes.json").read_text())
        assert sorted(sizes) == [s["name"] for s in entry["shards"]]
    assert second["balance"]["balanced"]
    assert second["ledger"]["warc/pages"] == 18


def test_tolerated_share_of_failed_inputs_and_progress_per_stage(flaky_server, tmp_path, capsys):
    base, state = flaky_server
    argv = ["run", f"{base}/ok.warc.gz", f"{base}/busy.warc.gz", "--runner", "inprocess", "--set",
            "warc.read_retries=0"]
    assert main([*argv, "-o", str(tmp_path / "a"), "--max-failed-inputs", "0.5"]) == 0
    captured = capsys.readouterr()
    assert f"FAILED {base}/busy.warc.gz" in captured.out  # tolerated, still listed
    # without -q: one progress line per stage on stderr, the last ones with the final counts
    last = {line.split(" ")[0]: line for line in captured.err.splitlines() if " - " in line}
    assert "files 2/2" in last["records"] and "pages 9" in last["records"]
    assert {"documents", "sets"} <= set(last) and "pairs shards" in last["sets"]
    assert captured.out.startswith("\n")  # the summary starts on a line of its own


def test_retry_backoff_and_permanent_errors(flaky_server):
    from mmcorpus.pipelines.read import open_with_retry

    base, state = flaky_server
    sleeps: list[float] = []
    size, error = open_with_retry(f"{base}/busy.warc.gz", 3, 0.5, sleep=sleeps.append)
    assert size is None and "503" in error and sleeps == [0.5, 1.0, 2.0]
    sleeps.clear()
    size, error = open_with_retry(f"{base}/absent.warc.gz", 3, 0.5, sleep=sleeps.append)
    assert "404" in error and sleeps == []  # not retried: it will not change
    size, error = open_with_retry(f"{base}/ok.warc.gz", 3, 0.5, sleep=sleeps.append)
    assert error is None and size == SAMPLE_WARC.stat().st_size


def test_mistyped_flags_are_an_error_before_anything_runs(tmp_path, capsys):
    start = time.monotonic()
    rc = main(["run", str(SAMPLE_WARC), "-o", str(tmp_path / "o"), "--wokers", "3", "--fetch-imagse"])
    err = capsys.readouterr().err
    assert rc == 2 and time.monotonic() - start < 20
    assert "--wokers (did you mean --workers?)" in err
    assert not (tmp_path / "o").exists()


def test_known_beam_flags_pass_through():
    from mmcorpus.pipelines.options import BeamFlagError, check_beam_args

    check_beam_args(["--project", "p", "--region", "r", "--temp_location", "gs://b/t", "--num_workers=4",
                     "--dry_run=True", "--sdk_location=container", "--setup_file", "./setup.py"])
    with pytest.raises(BeamFlagError, match="invalid int value"):
        check_beam_args(["--num_workers", "many"])


def test_run_help_explains_beam_flags(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    assert "--dry_run=True" in out and "--overwrite" in out and "--append" in out


def test_a_non_empty_output_is_refused_unless_overwrite(tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["run", str(SAMPLE_WARC), "-o", str(out), *FAST]) == 2
    assert "not empty (notes.txt): pass --overwrite" in capsys.readouterr().err
    assert main(["run", str(SAMPLE_WARC), "-o", str(out), *FAST, "--append"]) == 2
    assert "holds no manifest.json" in capsys.readouterr().err
    readme = Path(__file__).resolve().parents[2] / "README.md"  # not a WARC: a failed input, exit 1
    assert main(["run", str(SAMPLE_WARC), str(readme), "-o", str(out), *FAST, "--overwrite"]) == 1
    assert f"FAILED {readme}: not_a_warc 1" in capsys.readouterr().out
    assert (out / "notes.txt").read_text() == "mine"  # files mmcorpus did not write stay
    # a killed run's leftovers and a stale shard are removed by --overwrite
    (out / "text" / "_staging").mkdir()
    (out / "text" / ".text-000000.tar.tmp-123").write_bytes(b"x")
    (out / "text" / "text-000099.tar").write_bytes(b"x")
    assert main(["run", str(SAMPLE_WARC), "-o", str(out), *FAST, "--overwrite"]) == 0
    names = set(os.listdir(out / "text"))
    assert "_staging" not in names and "text-000099.tar" not in names and not any(".tmp" in n for n in names)


@pytest.mark.parametrize("case", ["file", "config", "config_negative", "disk_full"])
def test_up_front_errors_are_one_line_and_fast(case, tmp_path, capsys, monkeypatch):
    out = tmp_path / "o"
    extra: list[str] = []
    expect = ""
    if case == "file":
        out.write_text("x")
        expect = "is a file"
    elif case in ("config", "config_negative"):
        extra = ["--set", f"shards.max_shard_samples={0 if case == 'config' else -5}"]
        expect = "'shards.max_shard_samples' is"
    else:
        import shutil

        monkeypatch.setattr(shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(10**9, 10**9 - 5000, 5000))
        expect = "No space left on device"
    start = time.monotonic()
    rc = main(["run", str(SAMPLE_WARC), "-o", str(out), *FAST, *extra])
    err = capsys.readouterr().err
    assert rc == 2 and time.monotonic() - start < 20
    assert expect in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_disk_full_during_the_run_is_one_line():
    from mmcorpus.io.output_dir import disk_full_message

    text = "RuntimeError: Pipeline failed\nOSError: [Errno 28] No space left on device: '/o/text/.x.tmp'"
    assert disk_full_message(text, "/tmp").startswith("disk full while writing /tmp")
    assert disk_full_message("ValueError: other", "/tmp") is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_unwritable_output_is_refused(tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        assert main(["run", str(SAMPLE_WARC), "-o", str(ro / "o"), *FAST]) == 2
        assert "cannot create output folder" in capsys.readouterr().err
    finally:
        ro.chmod(0o700)


def test_missing_filesystem_is_refused_before_the_run(tmp_path, capsys):
    import fsspec

    try:
        fsspec.get_filesystem_class("gs")
        pytest.skip("gcsfs is installed here")
    except ImportError:
        pass
    start = time.monotonic()
    assert main(["run", str(SAMPLE_WARC), "-o", "gs://bucket/out", *FAST]) == 2
    err = capsys.readouterr().err
    assert "gs:// filesystem is not installed (pip install gcsfs)" in err and time.monotonic() - start < 20
    assert main(["run", "gs://bucket/crawl/*.warc.gz", "-o", str(tmp_path / "o"), *FAST]) == 2
    assert "gcsfs" in capsys.readouterr().err


def test_dataflow_dry_run_with_a_remote_glob_needs_no_network(tmp_path):
    pytest.importorskip("apache_beam.runners.dataflow.dataflow_runner")
    from mmcorpus.pipelines.crawl_to_shards import run

    start = time.monotonic()
    result = run(["gs://bucket/crawl/*.warc.gz", "-o", "gs://bucket/out", "--runner", "DataflowRunner",
                  "--project", "my-project", "--region", "us-central1", "--temp_location", "gs://bucket/tmp",
                  "--dry_run=True", "--sdk_location=container"])
    assert result["dry_run"] and result["inputs"] == ["gs://bucket/crawl/*.warc.gz"]
    assert time.monotonic() - start < 30


def test_a_killed_run_leaves_nothing_a_rerun_misses(tmp_path):
    """kill -9 in the middle of writing, then: a plain rerun is refused, --overwrite gives a clean,
    valid folder with no temporary, staging or progress files and a fresh manifest."""
    import signal
    import subprocess
    import sys

    out = tmp_path / "o"
    cmd = [sys.executable, "-m", "mmcorpus", "run", str(SAMPLE_WARC), "-o", str(out), "--runner", "inprocess"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.suffix == ".tar" or "rejected" in p.parts for p in out.rglob("*")):  # mid-run, before the manifest
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert out.exists() and not (out / "manifest.json").exists()
    assert main(["run", str(SAMPLE_WARC), "-o", str(out), *FAST]) == 2  # not silently mixed with the leftovers
    assert main(["run", str(SAMPLE_WARC), "-o", str(out), *FAST, "--overwrite"]) == 0
    names = [p.name for p in out.rglob("*")]
    assert not [n for n in names if ".tmp" in n or n in ("_staging", "_progress", "_outputs.json", "_inputs.json")]
    assert main(["validate", str(out)]) == 0


def test_an_interrupted_run_silences_beams_shutdown_logs():
    """After a Ctrl-C Beam logs, at ERROR with a gRPC traceback, each worker handler it could not
    close (seen once on CI's 2-core machine): that is the interrupt, so it must not print."""
    import logging

    from mmcorpus.pipelines.options import local_interrupts

    handlers_log = logging.getLogger("apache_beam.runners.portability.fn_api_runner.worker_handlers")
    saved = {name: logging.getLogger(name).level for name in ("apache_beam", "grpc")}
    excepthook = threading.excepthook  # an interrupted run keeps its hook: restored below
    root_level = logging.getLogger().level
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("apache_beam").setLevel(logging.ERROR)  # as `mmcorpus run` sets it
    try:
        assert handlers_log.isEnabledFor(logging.ERROR)
        with pytest.raises(KeyboardInterrupt), local_interrupts():
            raise KeyboardInterrupt
        assert not handlers_log.isEnabledFor(logging.ERROR)
        assert not logging.getLogger("grpc._server").isEnabledFor(logging.ERROR)
    finally:
        threading.excepthook = excepthook
        logging.getLogger().setLevel(root_level)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def test_ctrl_c_is_one_line_and_leaves_no_workers(tmp_path):
    """Ctrl-C on a terminal during a local multi-process run: exit 130, "interrupted", no traceback."""
    import pty
    import select
    import sys

    warcs = []
    for i in range(3):
        warcs.append(str(tmp_path / f"w{i}.warc.gz"))
        Path(warcs[-1]).write_bytes(SAMPLE_WARC.read_bytes())
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command as a user types it
        os.execv(sys.executable, [sys.executable, "-m", "mmcorpus", "run", *warcs, "-o", str(tmp_path / "o"),
                                  "--workers", "2"])
    buf = b""

    def pump(seconds):
        nonlocal buf
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                ready, _, _ = select.select([fd], [], [], 0.1)
                if ready:
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        return
                    buf += chunk
            except OSError:
                return

    pump(6)
    os.write(fd, b"\x03")
    interrupted = time.monotonic()
    pump(30)  # returns early once the terminal closes, which can come just before the exit
    done, status = os.waitpid(pid, os.WNOHANG)
    while not done and time.monotonic() < interrupted + 30:
        time.sleep(0.1)
        done, status = os.waitpid(pid, os.WNOHANG)
    if not done:  # still running 30 s after the interrupt: a hang, not a slow machine
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the run did not end within 30 s of Ctrl-C:\n" + buf.decode(errors="replace")[-2000:])
    text = buf.decode(errors="replace")
    if os.waitstatus_to_exitcode(status) == 0:
        pytest.skip("the run ended before the interrupt on this machine")
    assert os.waitstatus_to_exitcode(status) == 130 and "mmcorpus run: interrupted" in text
    assert "Traceback" not in text
