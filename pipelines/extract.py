"""Stage 2: pages to documents that pass extraction, language ID and the text-quality rules."""

from __future__ import annotations

import logging

import apache_beam as beam

from mmcorpus.config import Config
from mmcorpus.data import HtmlRecord
from mmcorpus.pipelines.metrics import BeamCounter

log = logging.getLogger(__name__)


class ProcessPageFn(beam.DoFn):
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.count = BeamCounter()

    def setup(self):
        from mmcorpus.page_chain import PageProcessor

        self.processor = PageProcessor(self.cfg).setup()

    def process(self, record: HtmlRecord):
        ended: list[str] = []

        def count(name: str, n: int = 1) -> None:
            self.count(name, n)
            if "/dropped:" in name or "/error:" in name:
                ended.append(name)

        doc = self.processor.process(record, count)
        if doc is not None:
            yield doc
        elif ended:  # for the capped sample of rejected pages (mmcorpus/tools/rejected.py)
            yield beam.pvalue.TaggedOutput(REJECTED, (ended[-1], record))


REJECTED = "rejected"


class ExtractAndFilter(beam.PTransform):
    """Pages -> documents that pass extraction, language ID and the text-quality rules.

    With ``rejected_dir``, a capped sample of the dropped pages per reason is written there.
    """

    def __init__(self, cfg: Config, rejected_dir: str | None = None, rejected_cap: int = 0) -> None:
        super().__init__()
        self.cfg, self.rejected_dir, self.rejected_cap = cfg, rejected_dir, rejected_cap

    def expand(self, pages):
        out = pages | "ExtractFilter" >> beam.ParDo(ProcessPageFn(self.cfg)).with_outputs(REJECTED, main="docs")
        if self.rejected_dir and self.rejected_cap > 0:
            from mmcorpus.pipelines.rejected import WriteRejectedSample

            _ = out[REJECTED] | "RejectedSample" >> WriteRejectedSample(self.rejected_dir, self.cfg, self.rejected_cap)
        return out.docs
