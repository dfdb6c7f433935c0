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
        doc = self.processor.process(record, self.count)
        if doc is not None:
            yield doc


class ExtractAndFilter(beam.PTransform):
    """Pages -> documents that pass extraction, language ID and the text-quality rules."""

    def __init__(self, cfg: Config) -> None:
        super().__init__()
        self.cfg = cfg

    def expand(self, pages):
        return pages | "ExtractFilter" >> beam.ParDo(ProcessPageFn(self.cfg))
