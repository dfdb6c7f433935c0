"""Document assembly honours the configured perceptual-hash distance for images within a document."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pytest
from PIL import Image

from mmcorpus.config import Config
from mmcorpus.data import Document, ImageRef, Provenance
from mmcorpus.dedup.image_hash import DEFAULT_DISTANCE, distance
from mmcorpus.images.join import ImageOutcome, slot_id
from mmcorpus.images.process import process_image
from mmcorpus.shards.assemble import assemble_document


def jpeg(im: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def doc_with_a_picture_and_its_resized_copy(cfg: Config) -> tuple[Document, list[ImageOutcome]]:
    """One picture shown twice: once as taken, once cropped by 12 px and recompressed (pHash a few bits apart)."""
    rng = np.random.default_rng(3)
    big = Image.fromarray(rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)).resize((400, 300))
    images = [process_image(data, cfg.image)[0]
              for data in (jpeg(big), jpeg(big.crop((12, 0, 400, 300)), quality=60))]
    assert images[0].sha256 != images[1].sha256
    assert 0 < distance(images[0].phash, images[1].phash) <= DEFAULT_DISTANCE  # near, not identical
    refs = [ImageRef(url="https://x.org/a.jpg"), ImageRef(url="https://x.org/a-small.jpg")]
    doc = Document("d1", "https://x.org/", ["A page about a picture.", None, "More text.", None],
                   [None, refs[0], None, refs[1]], Provenance("f.warc.gz", 0, 1, "<urn:uuid:1>", None))
    outcomes = [ImageOutcome(slot_id(r), img, None, r.url, "warc") for r, img in zip(refs, images)]
    return doc, outcomes


def config(phash_distance: int | None = None) -> Config:
    cfg = Config()
    cfg.language = dataclasses.replace(cfg.language, languages=[])  # no language model needed
    cfg.doc_rules = dataclasses.replace(cfg.doc_rules, single_image_keep_rate=1.0)  # no sampling
    if phash_distance is not None:
        cfg.dedup = dataclasses.replace(cfg.dedup, image_phash_distance=phash_distance)
    return cfg


@pytest.mark.parametrize(("phash_distance", "n_images"), [(None, 1), (0, 2), (-1, 2)])
def test_assemble_document_dedupes_images_within_the_configured_distance(phash_distance, n_images):
    cfg = config(phash_distance)
    doc, outcomes = doc_with_a_picture_and_its_resized_copy(cfg)
    routed = assemble_document(doc, outcomes, pairs=cfg.pairs, language=cfg.language, doc_rules=cfg.doc_rules,
                               dedup=cfg.dedup)
    (set_name, (_, row)), = routed
    assert set_name == "interleaved" and row["n_images"] == n_images


@pytest.mark.parametrize(("phash_distance", "n_images"), [(None, 1), (0, 2)])
def test_assemble_and_route_passes_the_configured_distance(phash_distance, n_images):
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.testing.test_pipeline import TestPipeline
    from apache_beam.testing.util import assert_that, equal_to

    from mmcorpus.pipelines.assemble import INTERLEAVED, AssembleAndRoute

    cfg = config(phash_distance)
    doc, outcomes = doc_with_a_picture_and_its_resized_copy(cfg)
    with TestPipeline(options=PipelineOptions(["--runner=FnApiRunner"])) as p:
        routed = p | beam.Create([(doc.id, {"doc": [doc], "images": outcomes})]) | AssembleAndRoute(cfg)
        assert_that(routed[INTERLEAVED] | beam.Map(lambda item: item[1]["n_images"]), equal_to([n_images]))
