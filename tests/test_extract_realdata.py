"""Aggregate extraction quality on real pages (../shared/data); skipped when the data is absent.

Floors are the values measured when this was written (docs/extraction.md) minus a margin, so a
regression in boilerplate removal or image handling fails here. No timing assertions.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from mmcorpus.config import ExtractConfig
from mmcorpus.stats import Ledger

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
pytestmark = pytest.mark.realdata


def _bench(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real data not found at {path}")
    return path


@pytest.fixture(scope="module")
def quality():
    return _bench("extraction_quality")


def _cfg() -> ExtractConfig:
    cfg = ExtractConfig()
    cfg.min_doc_chars = 0
    return cfg


def test_trafilatura_eval_snippets(quality):
    _need(SHARED / "extraction-trafilatura-eval")
    cfg = _cfg()
    pages = quality.load_trafilatura_eval(SHARED)
    s = quality.snippet_scores(pages, lambda u, b: quality.mm_text(u, b, cfg)[0])
    # measured: P 0.875, R 0.896, F1 0.885
    assert s["f1"] >= 0.865 and s["precision"] >= 0.855 and s["recall"] >= 0.875, s


def test_readability_pages_text_and_images(quality):
    _need(SHARED / "extraction-readability-testpages")
    cfg = _cfg()
    cases = quality.load_readability(SHARED)
    s = quality.readability_scores(cases, lambda u, b: quality.mm_text(u, b, cfg), with_images=True)
    # measured: P 0.959, R 0.935, F1 0.935, image recall 0.49, extra-image share 0.19
    assert s["f1"] >= 0.915 and s["precision"] >= 0.94, s
    assert s["image_recall"] >= 0.42 and s["extra_image_share"] <= 0.25, s


def test_warc_every_page_accounted(quality):
    warc = _need(SHARED / "warc-pages-from-eval" / "trafilatura-eval-sample.warc.gz")
    from mmcorpus.extract import extract_document

    records = _bench("extraction_speed").read_warc(warc)
    led = Ledger()
    kept = 0
    for r in records:
        doc, reason = extract_document(r, ExtractConfig(), led)
        kept += doc is not None
        assert reason != "error"
    assert sum(led.stage("extract").values()) == len(records) == 368
    assert kept >= 0.9 * len(records), led.to_dict()
