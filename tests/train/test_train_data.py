"""The trainer's data: sequences and loss mask, full-sentence packing, token-budget mixing, workers, replay."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image
from train.train_shards import write_shards

from mmcorpus.data import Document, ImageRef, Provenance
from mmcorpus.shards.layout import encode_interleaved, encode_text
from mmcorpus.train.data import (
    SOURCES,
    MixedBatches,
    Unit,
    example_units,
    load_image,
    make_loader,
    pack_rows,
    sentences,
    set_shards,
    targets_for,
)
from mmcorpus.train.tokenizer import Tokenizer

TOK = Tokenizer()
PROV = Provenance("t.warc.gz", 0, 1, "<urn:1>", None)
K = 3


@pytest.fixture(scope="module")
def one_shard_each(tmp_path_factory):
    return write_shards(tmp_path_factory.mktemp("shards"))


def jpeg(color=(200, 30, 30), size=(80, 60)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG")
    return buf.getvalue()


def interleaved_sample(jp: bytes) -> dict:
    doc = Document("d1", "http://a.test/", ["Hi. Yo", None, "ok", "bye"],
                   [None, ImageRef("http://a.test/1.jpg", image_key="img0"), None, None], PROV)
    return encode_interleaved(doc, {"img0": jp})[0]


def ids(text: str) -> list[int]:
    return list(text.encode())


def no_count(name, n=1):
    raise AssertionError(f"unexpected count {name}")


def test_sequences_follow_kosmos_layout_and_the_loss_mask_is_exact():
    jp = jpeg()
    img = [TOK.boi] + [TOK.slot] * K + [TOK.eoi]
    inter = [u.tokens for u in example_units("interleaved", interleaved_sample(jp), TOK, K, 64, no_count)]
    # <s> paragraph <image> [K slots] </image> paragraph </s>, sentences as separate units, a blank
    # line between paragraphs that follow each other
    assert inter == [[TOK.bos] + ids("Hi. "), ids("Yo"), img, ids("ok\n\n"), ids("bye") + [TOK.eos]]
    pair = example_units("pairs", {"jpg": jp, "txt": b" a cat ", "json": b"{}"}, TOK, K, 64, no_count)
    assert [u.tokens for u in pair] == [[TOK.bos] + img + ids("a cat") + [TOK.eos]] and pair[0].jpeg == jp
    doc = Document("d2", "http://b.test/", ["One. Two."], [None], PROV)
    text = [u.tokens for u in example_units("text", encode_text(doc)[0], TOK, K, 64, no_count)]
    assert text == [[TOK.bos] + ids("One. "), ids("Two.") + [TOK.eos]]

    row = np.array([[TOK.bos, 97, 98, TOK.boi, TOK.slot, TOK.slot, TOK.eoi, 99, TOK.eos, TOK.pad, TOK.pad]])
    # loss on the text targets and </s> only: not <s>, not <image>/</image>, not the slots, not padding
    assert targets_for(row, TOK).tolist() == [[97, 98, -1, -1, -1, -1, 99, TOK.eos, -1, -1]]


def test_full_sentence_packing_keeps_sentences_whole_and_loses_nothing():
    text = "A short one. " + "Then a much longer sentence that goes on. " * 2 + "End."
    assert "".join(sentences(text)) == text
    units = [[Unit([TOK.bos] + ids(s)) if i == 0 else Unit(ids(s)) for i, s in enumerate(sentences(text))],
             [Unit([TOK.bos, TOK.boi] + [TOK.slot] * K + [TOK.eoi] + [TOK.eos], b"jpg")],
             [Unit(list(range(100)))]]  # longer than a row: the only unit ever cut
    rows = list(pack_rows(iter(units + [[Unit([1] * 60)]]), 50))
    flat = [t for r in rows for t in r.tokens]
    assert flat[:sum(len(u.tokens) for ex in units for u in ex)] == [t for ex in units for u in ex for t in u.tokens]
    assert all(len(r.tokens) <= 50 for r in rows)
    # every row boundary falls on a unit boundary except inside the 100-token unit
    bounds, pos = set(), 0
    for ex in units:
        for u in ex:
            pos += len(u.tokens)
            bounds.add(pos)
    cut = np.cumsum([len(r.tokens) for r in rows])[:-1]
    long_start = sum(len(u.tokens) for ex in units[:2] for u in ex)
    assert all(c in bounds or long_start < c < long_start + 100 for c in cut)
    assert [r.jpegs for r in rows if r.jpegs] == [[b"jpg"]]
    assert sum(r.n_examples for r in rows) == 4


def test_bad_samples_are_counted_drops():
    counts = {}

    def count(name, n=1):
        counts[name] = counts.get(name, 0) + n

    assert example_units("pairs", {"jpg": b"not a jpeg", "txt": b"cap", "json": b"{}"}, TOK, K, 64, count) is None
    assert example_units("text", {"txt": b"x", "json": b"{broken"}, TOK, K, 64, count) is None
    assert example_units("interleaved", {"json": b"{}"}, TOK, K, 64, count) is None
    units = example_units("interleaved", interleaved_sample(b"\xff\xd8broken"), TOK, K, 64, count)
    assert all(TOK.slot not in u.tokens for u in units)  # the bad image is dropped, its text kept
    assert counts == {"train/dropped:bad_image": 2, "train/dropped:bad_text_sample": 1,
                      "train/dropped:bad_interleaved_sample": 1}


def test_load_image_is_224_uint8_centre_crop():
    arr = load_image(jpeg((10, 200, 10), (640, 320)))
    assert arr.shape == (3, 224, 224) and arr.dtype == np.uint8
    assert abs(int(arr[1].mean()) - 200) < 4 and int(arr[0].mean()) < 20


def _share(ds: MixedBatches, n: int) -> np.ndarray:
    it, tot = iter(ds), np.zeros(3)
    for _ in range(n):
        tot += next(it)["tokens_per_source"].numpy()
    return tot / tot.sum()


def test_token_shares_follow_the_mix(one_shard_each):
    shards = set_shards(str(one_shard_each))
    # Tolerance: 0.02 absolute per set over 30 batches of 8 x 128 tokens (one row is 1/8 of a batch;
    # the mixer is behind by at most one row per set over the whole run).
    ds = MixedBatches(shards, TOK, seq_len=128, batch_size=8, n_slots=8)
    assert np.allclose(_share(ds, 30), [5 / 12, 5 / 12, 2 / 12], atol=0.02)
    ds = MixedBatches(shards, TOK, seq_len=128, batch_size=8, n_slots=8, mix={"text": 1, "pairs": 3})
    assert np.allclose(_share(ds, 30), [0.25, 0.75, 0.0], atol=0.02)
    with pytest.raises(ValueError, match="unknown sets"):
        MixedBatches(shards, TOK, seq_len=128, batch_size=8, n_slots=8, mix={"captions": 1})
    # a set without shards is left out and the others renormalised
    ds = MixedBatches(dict(shards, pairs=[]), TOK, seq_len=128, batch_size=8, n_slots=8)
    assert ds.share == pytest.approx({"text": 5 / 7, "interleaved": 2 / 7})


def _take(shards, n, workers, skip=0):
    ds = MixedBatches(shards, TOK, seq_len=96, batch_size=4, n_slots=8, seed=3, skip_batches=skip,
                      shuffle_buffer=20)
    it = iter(make_loader(ds, workers))
    return [next(it) for _ in range(n)]


def test_more_workers_than_shards_deterministic_and_replayable(one_shard_each):
    shards = set_shards(str(one_shard_each))
    assert all(len(shards[s]) == 1 for s in SOURCES)  # one shard per set, three workers
    a = _take(shards, 6, workers=3)
    b = _take(shards, 6, workers=3)
    assert all(torch.equal(x["tokens"], y["tokens"]) and torch.equal(x["images"], y["images"]) for x, y in zip(a, b))
    seen = torch.cat([x["source"] for x in a]).unique().tolist()
    assert seen == [0, 1, 2]
    for x in a:  # one image per K slot positions, in every batch from every worker
        assert int((x["tokens"] == TOK.slot).sum()) == 8 * x["images"].shape[0]
        t, y = x["tokens"], x["targets"]  # targets are the next tokens, -1 wherever that is not text or </s>
        keep = (t[:, 1:] < TOK.n_text) | (t[:, 1:] == TOK.eos)
        assert torch.equal(y[:, :-1], torch.where(keep, t[:, 1:], -1))
    # resume: skipping 4 batches gives batches 4 and 5 of the uninterrupted stream
    c = _take(shards, 2, workers=3, skip=4)
    assert all(torch.equal(x["tokens"], y["tokens"]) for x, y in zip(a[4:], c))


def test_broken_shard_is_counted_not_fatal(tmp_path, one_shard_each):
    bad = tmp_path / "bad-000000.tar"
    bad.write_bytes(b"this is not a tar file" * 100)
    shards = set_shards(str(one_shard_each))
    shards["text"] = shards["text"] + [str(bad)]
    ds = MixedBatches(shards, TOK, seq_len=96, batch_size=4, n_slots=8, seed=1)
    it, counts = iter(ds), {}
    for _ in range(40):
        for k, v in next(it)["counts"].items():
            counts[k] = counts.get(k, 0) + v
    assert counts.get("train/error:bad_tar", 0) >= 1

