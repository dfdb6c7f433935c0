"""Stage 4: joining documents to their images (CoGroupByKey on image URL, then on document id)."""

from __future__ import annotations

import logging

import apache_beam as beam

from mmcorpus.config import Config
from mmcorpus.pipelines.metrics import BeamCounter

log = logging.getLogger(__name__)


class ResolveImageFn(beam.DoFn):
    """One image URL with its referencing documents and records -> (doc id, outcome) per reference."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.count = BeamCounter()

    def process(self, element):
        from mmcorpus.images.join import resolve_image

        url, grouped = element
        doc_ids = sorted(set(grouped["refs"]))
        try:
            outcome = resolve_image(url, len(doc_ids), grouped["records"], self.cfg, self.count)
        except Exception as e:  # process_image promises not to raise; keep the ledger whole if it does
            log.warning("image %s failed: %r", url, e)
            self.count("image/dropped:exception")
            from mmcorpus.images.join import ImageOutcome

            outcome = ImageOutcome(url, None, "exception")
        for doc_id in doc_ids:
            yield doc_id, outcome


class JoinImages(beam.PTransform):
    """Documents + image records -> (doc id, {'doc': [Document], 'images': [ImageOutcome]}).

    A CoGroupByKey on the normalised image URL, then one on the document id: both scale with the
    data, unlike a side input of every image. Any image source that yields ImageRecords (WARC
    image records, a downloader's output) plugs in as ``records``.
    """

    def __init__(self, cfg: Config) -> None:
        super().__init__()
        self.cfg = cfg

    def expand(self, inputs):
        from mmcorpus.images.join import image_urls
        from mmcorpus.urls import normalise_url

        docs, records = inputs
        refs = docs | "ImageRefs" >> beam.FlatMap(lambda d: [(u, d.id) for u in image_urls(d)])
        keyed = records | "KeyImageByUrl" >> beam.Map(lambda r: (normalise_url(r.url), r))
        outcomes = (
            {"refs": refs, "records": keyed}
            | "GroupByImageUrl" >> beam.CoGroupByKey()
            | "ResolveImages" >> beam.ParDo(ResolveImageFn(self.cfg))
        )
        by_id = docs | "KeyDocById" >> beam.Map(lambda d: (d.id, d))
        return {"doc": by_id, "images": outcomes} | "GroupByDocument" >> beam.CoGroupByKey()
