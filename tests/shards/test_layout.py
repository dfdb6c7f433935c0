"""The shard format's one home: members per set, names, and encode/decode round trips."""

from __future__ import annotations

import json

import numpy as np

from mmcorpus.data import Document, ImageRef, Provenance
from mmcorpus.shards.layout import (
    KEY_RE,
    MEMBERS,
    SHARD_RE,
    PairCandidate,
    decode_interleaved,
    decode_pair,
    decode_text,
    encode_interleaved,
    encode_text,
    index_name,
    pair_key,
    set_of_members,
    shard_name,
)

PROV = Provenance("crawl.warc.gz", 10, 200, "<urn:uuid:1>", "2024-01-01T00:00:00Z")


def make_doc() -> Document:
    refs = [ImageRef("http://a.test/1.jpg", alt="one", image_key="img0", sha256="aa", width=80, height=90),
            ImageRef("http://a.test/2.jpg", caption="two", image_key="img1", sha256="bb", width=70, height=64)]
    return Document("d0c", "http://a.test/", ["intro", None, "middle", None], [None, refs[0], None, refs[1]],
                    PROV, title="T", language="en", language_score=0.9)


def members(sample: dict) -> tuple[str, ...]:
    return tuple(sorted(k for k in sample if not k.startswith("__")))


def test_interleaved_round_trips_through_the_library_types():
    doc = make_doc()
    jpegs = {"img0": b"\xff\xd8\xff" + b"1" * 10, "img1": b"\xff\xd8\xff" + b"2" * 20}
    sample, row = encode_interleaved(doc, jpegs)
    assert members(sample) == MEMBERS["interleaved"] and set_of_members(set(members(sample))) == "interleaved"
    body = json.loads(sample["json"])
    # the shard's JSON is a Document as is: from_json accepts it and to_json gives it back
    assert Document.from_json(body).to_json() == body
    decoded, slots = decode_interleaved(sample)
    assert decoded.texts == doc.texts and [r.url for r in decoded.image_refs] == [r.url for r in doc.image_refs]
    assert slots == [None, jpegs["img0"], None, jpegs["img1"]]
    assert [(r.offset, r.length) for r in decoded.image_refs] == [(0, 13), (13, 23)]
    # decoded members (as webdataset's decoders hand them over) work too
    arr = np.frombuffer(b"".join(jpegs.values()), dtype=np.uint8)
    assert decode_interleaved({"json": body, "images.npy": arr})[1] == slots
    assert row == {"url": doc.url, "n_images": 2, "n_texts": 2, "n_chars": 11, "language": "en"}


def test_text_and_pair_round_trip():
    doc = make_doc()
    sample, _ = encode_text(doc)
    assert members(sample) == MEMBERS["text"]
    text, meta = decode_text(sample)
    assert text == "intro\n\nmiddle" and meta["id"] == doc.id and meta["n_chars"] == len(text)

    ref = doc.image_refs[0]
    cand = PairCandidate(pair_key(doc.id, ref.url), ref.sha256, doc, ref, b"\xff\xd8\xffjpeg", "one", "alt",
                         (800, 900), "en")
    sample, row = cand.encode()
    assert members(sample) == MEMBERS["pairs"] and sample["__key__"] == cand.key and KEY_RE.match(cand.key)
    jpeg, caption, meta = decode_pair(sample)
    assert (jpeg, caption) == (b"\xff\xd8\xffjpeg", "one")
    assert meta["sha256"] == "aa" and meta["original_width"] == 800 and meta["document_id"] == doc.id


def test_names():
    assert shard_name("pairs", 3) == "pairs-000003.tar" and SHARD_RE.match(shard_name("pairs", 3))
    assert index_name(shard_name("text", 12)) == "text-000012.parquet" == shard_name("text", 12, "parquet")
    assert not SHARD_RE.match("pairs-3.tar") and not KEY_RE.match("a.b")
