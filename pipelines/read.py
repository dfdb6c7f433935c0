"""Stage 1: WARC paths to pages and image records (one WARC file per unit of parallel work)."""

from __future__ import annotations

import logging
import os

import apache_beam as beam
from apache_beam import pvalue

from mmcorpus.config import Config
from mmcorpus.data import HtmlRecord, ImageRecord, stable_key
from mmcorpus.pipelines.metrics import BeamCounter
from mmcorpus.pipelines.progress import write_progress

log = logging.getLogger(__name__)

PAGES, IMAGES, INPUTS = "pages", "images", "inputs"


class ReadWarcFn(beam.DoFn):
    """One WARC path in: its pages (main output), image records (``images``) and the file's outcome
    row (``inputs``, see :mod:`mmcorpus.io.input_report`) out."""

    def __init__(self, cfg: Config, progress_dir: str | None = None) -> None:
        self.cfg = cfg
        self.progress_dir = progress_dir
        self.count = BeamCounter()

    def process(self, path: str):
        import time

        from mmcorpus.io.input_report import file_outcome
        from mmcorpus.io.warc import iter_warc
        from mmcorpus.ledger import Ledger

        file_ledger = Ledger()

        def count(name: str, n: int = 1) -> None:
            self.count(name, n)
            file_ledger.count(name, n)

        start = time.monotonic()
        n_bytes, open_error = open_with_retry(path, self.cfg.warc.read_retries, self.cfg.warc.retry_delay)
        with _CaptureWarnings(path) as messages:
            # after a failed probe iter_warc tries once more and counts the file as unreadable
            for item in iter_warc(path, self.cfg.warc, count):
                if isinstance(item, HtmlRecord):
                    yield item
                elif isinstance(item, ImageRecord):
                    yield pvalue.TaggedOutput(IMAGES, item)
        counts = file_ledger.stage("warc")
        yield pvalue.TaggedOutput(INPUTS, file_outcome(path, counts, n_bytes, time.monotonic() - start,
                                                       [open_error or "", *messages]))
        if self.progress_dir:  # a finished WARC's counts, for the local launcher's progress line
            write_progress(self.progress_dir, stable_key(path), counts)


def open_with_retry(path: str, retries: int, delay: float, sleep=None) -> tuple[int | None, str | None]:
    """(size in bytes or None, None) once ``path`` opens and yields its first byte, else (None, error text).

    Remote reads fail transiently (HTTP 503/429/5xx, connection resets): they are tried ``retries``
    more times with exponential backoff (``delay``, 2*delay, ...), as img2dataset retries
    downloads. A local file, and an HTTP answer that will not change (404, 403), are not retried.
    HTTP(S) is probed with a one-byte range request so the error names the status (fsspec turns
    every failed HEAD into a bare FileNotFoundError).
    """
    import time

    from mmcorpus.io.inputs import is_url

    sleep = sleep or time.sleep
    error = None
    for attempt in range(max(0, retries) + 1):
        try:
            return _probe(path), None
        except Exception as e:  # noqa: BLE001 - every failure becomes the file's recorded message
            error = f"{type(e).__name__}: {e}".strip()
            code = getattr(e, "code", None)
            if not is_url(path) or (isinstance(code, int) and 400 <= code < 500 and code not in (408, 429)):
                break
            if attempt < retries:
                sleep(delay * (2 ** attempt))
    return None, error


def _probe(path: str) -> int | None:
    from mmcorpus.io.inputs import is_url, open_input

    if path.startswith(("http://", "https://")):
        import urllib.request

        req = urllib.request.Request(path, headers={"Range": "bytes=0-0", "User-Agent": "mmcorpus"})
        with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310 - http(s) only, checked above
            r.read(1)
            # 206: "bytes 0-0/TOTAL"; a server that ignores Range answers 200 with the whole length
            total = (r.headers.get("Content-Range") or "").rpartition("/")[2] if r.status == 206 \
                else (r.headers.get("Content-Length") or "")
            return int(total) if total.isdigit() else None
    with open_input(path) as f:
        f.read(1)
        size = getattr(f, "size", None)
    if size is None and not is_url(path):
        size = os.path.getsize(path[len("file://"):] if path.startswith("file://") else path)
    return int(size) if isinstance(size, int) else None


class _CaptureWarnings(logging.Handler):
    """Collect the warnings the WARC reader logs about ``path`` (they name the file and offset),
    so the outcome row carries them; in the local runner's workers log lines are otherwise lost."""

    def __init__(self, path: str) -> None:
        super().__init__(logging.WARNING)
        self.path = path
        self.messages: list[str] = []
        self._logger = logging.getLogger("mmcorpus.io.warc")

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad log call must not end the read
            return
        if self.path in text and len(self.messages) < 20:
            self.messages.append(text)

    def __enter__(self) -> list[str]:
        self._logger.addHandler(self)
        return self.messages

    def __exit__(self, *exc) -> None:
        self._logger.removeHandler(self)


class ReadWarcs(beam.PTransform):
    """WARC paths -> pages and image records.

    A WARC file is not splittable, so the paths are reshuffled first: that breaks fusion with the
    Create step, and each file becomes its own unit of parallel work on any runner.
    """

    def __init__(self, paths: list[str], cfg: Config, progress_dir: str | None = None) -> None:
        super().__init__()
        self.paths, self.cfg, self.progress_dir = paths, cfg, progress_dir

    def expand(self, pbegin):
        return (
            pbegin
            | "CreatePaths" >> beam.Create(self.paths)
            | "ReshufflePaths" >> beam.Reshuffle()
            | "ReadRecords" >> beam.ParDo(ReadWarcFn(self.cfg, self.progress_dir))
            .with_outputs(IMAGES, INPUTS, main=PAGES)
        )
