"""pHash near-duplicates: distance, band keys (pigeonhole), smallest key wins; measured threshold."""

from __future__ import annotations

import io
import itertools
import random

import pytest
from conftest import shared
from PIL import Image

from mmcorpus.config import ImageConfig
from mmcorpus.dedup.image_hash import DEFAULT_DISTANCE, band_keys, distance, dropped_by_smaller, near_duplicate
from mmcorpus.images.process import process_image


def test_distance_and_near_duplicate():
    assert distance("ff00", "ff01") == 1 and distance("0" * 16, "f" * 16) == 64
    assert near_duplicate("0" * 16, "0" * 15 + "3", 2) and not near_duplicate("0" * 16, "0" * 15 + "7", 2)
    assert not near_duplicate(None, "0" * 16) and not near_duplicate("0" * 16, "0" * 16, -1)
    with pytest.raises(ValueError):
        distance("ff", "fff")


def test_band_keys_meet_for_every_pair_within_the_distance():
    rnd = random.Random(1)
    for _ in range(300):
        a = rnd.getrandbits(64)
        flips = rnd.sample(range(64), rnd.randint(0, DEFAULT_DISTANCE))
        b = a
        for bit in flips:
            b ^= 1 << bit
        ha, hb = f"{a:016x}", f"{b:016x}"
        assert set(band_keys(ha)) & set(band_keys(hb))
    assert len(band_keys("0" * 16)) == DEFAULT_DISTANCE + 1


def test_smallest_key_of_each_group_is_kept():
    items = [("k3", "0" * 16), ("k1", "0" * 15 + "1"), ("k2", "f" * 16), ("k4", "f" * 15 + "e")]
    assert dropped_by_smaller(items) == {"k3", "k4"}


def _processed(raw: bytes) -> str:
    return process_image(raw, ImageConfig())[0].phash


def _copy(raw: bytes, how: str) -> bytes:
    im = Image.open(io.BytesIO(raw)).convert("RGB")
    w, h = im.size
    if how == "resize":
        im = im.resize((w // 2, h // 2), Image.Resampling.BICUBIC)
    elif how == "crop":
        im = im.crop((2, 2, w - 2, h - 2))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=60 if how == "jpeg" else 90)
    return buf.getvalue()


@pytest.mark.realdata
def test_threshold_on_kodak_copies_match_distinct_photos_do_not():
    kodak = sorted(shared("images-kodak24").glob("*.png"))
    raws = [p.read_bytes() for p in kodak]
    hashes = [_processed(r) for r in raws]
    for raw, h in zip(raws, hashes):
        for how in ("resize", "jpeg", "crop"):
            assert near_duplicate(h, _processed(_copy(raw, how))), how
    assert not any(near_duplicate(a, b) for a, b in itertools.combinations(hashes, 2))


def test_exact_copies_are_left_to_the_exact_dedup():
    items = [("a", "0" * 16, "sha1"), ("b", "0" * 16, "sha1"), ("c", "0" * 15 + "1", "sha2")]
    assert dropped_by_smaller(items) == {"c"}


def test_near_duplicate_pairs_stage_keeps_the_smallest_key_of_each_group():
    from types import SimpleNamespace

    import apache_beam as beam
    from apache_beam.testing.test_pipeline import TestPipeline
    from apache_beam.testing.util import assert_that, equal_to

    from mmcorpus.pipelines.images import NearDuplicatePairs

    def cand(key, phash, sha):
        return SimpleNamespace(key=key, sha256=sha, ref=SimpleNamespace(phash=phash))

    cands = [cand("p2", "00000000000000ff", "s2"), cand("p1", "00000000000000fe", "s1"),
             cand("p3", "ffffffffffff0000", "s3"), cand("p4", "00000000000000ff", "s2"), cand("p5", None, "s5")]
    with TestPipeline("FnApiRunner") as p:
        out = (p | beam.Create(cands) | NearDuplicatePairs(10) | beam.Map(lambda c: c.key))
        assert_that(out, equal_to(["p1", "p3", "p5"]))
