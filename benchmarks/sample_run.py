"""Helper for the benchmarks that read a run's shards (not a benchmark itself).

``train_loader.py`` and ``train_speed.py`` take ``--out`` (a run's output folder) and, without it,
make one by running the pipeline on the bundled ``samples/sample.warc.gz``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE_WARC = REPO / "samples" / "sample.warc.gz"


def output_folder(out: str | None, prefix: str) -> str:
    """``out`` itself, or a fresh temporary folder (named ``prefix...``) holding a run of the bundled sample."""
    if out is not None:
        return out
    out = tempfile.mkdtemp(prefix=prefix)
    subprocess.run([sys.executable, "-m", "mmcorpus", "run", str(SAMPLE_WARC), "-o", out, "--runner", "inprocess",
                    "-q"], check=True)
    return out
