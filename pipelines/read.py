"""Stage 1: WARC paths to pages and image records (one WARC file per unit of parallel work)."""

from __future__ import annotations

import logging

import apache_beam as beam
from apache_beam import pvalue

from mmcorpus.config import Config
from mmcorpus.data import HtmlRecord, ImageRecord
from mmcorpus.pipelines.metrics import BeamCounter

log = logging.getLogger(__name__)

PAGES, IMAGES = "pages", "images"


class ReadWarcFn(beam.DoFn):
    """One WARC path in, its pages (main output) and image records (``images``) out."""

    def __init__(self, cfg: Config, progress_dir: str | None = None) -> None:
        self.cfg = cfg
        self.progress_dir = progress_dir
        self.count = BeamCounter()

    def process(self, path: str):
        from mmcorpus.io.warc import iter_warc
        from mmcorpus.ledger import Ledger

        file_ledger = Ledger()

        def count(name: str, n: int = 1) -> None:
            self.count(name, n)
            file_ledger.count(name, n)

        for item in iter_warc(path, self.cfg.warc, count):
            if isinstance(item, HtmlRecord):
                yield item
            elif isinstance(item, ImageRecord):
                yield pvalue.TaggedOutput(IMAGES, item)
        if self.progress_dir:
            _report_progress(self.progress_dir, path, file_ledger.stage("warc"))


def _report_progress(directory: str, path: str, counts: dict) -> None:
    """A finished WARC's counts, for the local launcher's progress line (best effort)."""
    import json
    import os

    from mmcorpus.data import stable_key

    try:
        tmp = os.path.join(directory, f".{stable_key(path)}.tmp")
        with open(tmp, "w") as f:
            json.dump(counts, f)
        os.replace(tmp, os.path.join(directory, f"{stable_key(path)}.json"))
    except OSError:
        pass


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
            | "ReadRecords" >> beam.ParDo(ReadWarcFn(self.cfg, self.progress_dir)).with_outputs(IMAGES, main=PAGES)
        )
