"""The WARC join on any candidate URL, slot outcomes, and attaching images to a document."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from mmcorpus.config import Config
from mmcorpus.data import Document, ImageRecord, ImageRef, Provenance
from mmcorpus.images.join import (
    FoundImage,
    SlotRef,
    attach_images,
    document_slots,
    downloaded_outcome,
    resolve_record,
    resolve_slot,
    slot_id,
    validate_download,
)
from mmcorpus.images.process import process_image
from mmcorpus.ledger import Ledger, balance, unit

PROV = Provenance("f.warc.gz", 0, 1, "<urn:uuid:1>", "2024-01-01T00:00:00Z")


def photo(w: int = 200, h: int = 150, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    im = Image.fromarray(rng.integers(0, 256, (h // 10, w // 10, 3), dtype=np.uint8)).resize((w, h))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def record(url: str, body: bytes, date: str = "2024-01-01T00:00:00Z", rid: str = "<urn:uuid:r>") -> ImageRecord:
    return ImageRecord(url, body, "image/jpeg", Provenance("f.warc.gz", 0, 1, rid, date))


def ref(*urls: str, w: int | None = None) -> ImageRef:
    return ImageRef(url=urls[0], candidates=list(urls), alt="a picture of a thing", declared_width=w)


def test_slot_id_and_document_slots_are_per_distinct_candidate_list():
    a, b = ref("https://x.org/440px-a.jpg", "https://x.org/220px-a.jpg"), ref("https://X.org/440px-a.jpg#f",
                                                                              "https://x.org/220px-a.jpg")
    assert slot_id(a) == slot_id(b)  # normalised
    doc = Document("d1", "https://x.org/", ["t", None, None, None], [None, a, b, ref("https://x.org/c.jpg", w=20)],
                   PROV)
    slots = document_slots(doc, 64)
    assert [s for s, _ in slots] == [slot_id(a), "https://x.org/c.jpg"]
    assert slots[0][1] == SlotRef("d1", False) and slots[1][1] == SlotRef("d1", True)


def test_resolve_record_counts_each_record_once():
    cfg = Config()
    ledger = Ledger()
    recs = [record("https://x.org/a.jpg", photo(), "2024-01-02", "<b>"),
            record("https://x.org/a.jpg", photo(), "2024-01-01")]
    found = resolve_record("https://x.org/a.jpg", 2, recs, cfg, ledger)
    assert found.image is not None and found.reason is None
    assert resolve_record("https://x.org/b.jpg", 0, [record("https://x.org/b.jpg", photo())], cfg, ledger) is None
    too_many = cfg.dedup.max_image_url_pages + 1
    logo = resolve_record("https://x.org/logo.jpg", too_many, [record("u", photo())], cfg, ledger)
    assert logo.reason == "frequent_url"
    assert resolve_record("https://x.org/none.jpg", 3, [], cfg, ledger) is None
    ledger.count("warc/images", 4)
    assert ledger.to_dict() == {"image/kept": 1, "image_join/dropped:duplicate_record": 1,
                                "image_join/dropped:unreferenced": 1, "image_join/dropped:frequent_url": 1,
                                "warc/images": 4}
    assert balance(ledger, (unit("images"),))["images"]["balanced"]


def test_best_available_candidate_wins_and_is_recorded():
    """The page prefers 440px; the archive holds 220px (broken) and 330px: 330px wins."""
    cfg = Config()
    slot = "https://x.org/440px-a.jpg\x1fhttps://x.org/330px-a.jpg\x1fhttps://x.org/220px-a.jpg"
    broken = FoundImage("https://x.org/220px-a.jpg", None, "undecodable")
    good = FoundImage("https://x.org/330px-a.jpg", process_image(photo(), cfg.image)[0], None)
    ledger = Ledger()
    out = resolve_slot(slot, [SlotRef("d1", False)], [broken, good], cfg, ledger)
    assert out.image is good.image and out.source_url == "https://x.org/330px-a.jpg" and out.source == "warc"
    assert ledger.to_dict() == {"image_fetch/wanted": 1, "image_fetch/found_in_warc": 1}


def test_slot_outcomes_without_warc_bytes():
    cfg = Config()
    ledger = Ledger()
    many = [SlotRef(f"d{i}", False) for i in range(cfg.dedup.max_image_url_pages + 1)]
    assert resolve_slot("https://x.org/logo.jpg", many, [], cfg, ledger).reason == "frequent_url"
    assert resolve_slot("https://x.org/a.jpg", [SlotRef("d", False)],
                        [FoundImage("https://x.org/a.jpg", None, "frequent_url")], cfg, ledger).reason == "frequent_url"
    assert resolve_slot("https://x.org/s.jpg", [SlotRef("d", True)], [], cfg, ledger).reason == "declared_small"
    assert resolve_slot("https://x.org/n.jpg", [SlotRef("d", False)], [], cfg, ledger).reason == "not_fetched"
    cfg.download.enabled = True
    assert resolve_slot("https://x.org/n.jpg", [SlotRef("d", False)], [], cfg, ledger) is None  # to the downloader
    value, failure = validate_download(photo(), cfg)
    assert failure is None
    downloaded_outcome("https://x.org/n.jpg", "downloaded", "https://x.org/n.jpg", value, ledger)
    assert ledger.to_dict() == {
        "image_fetch/wanted": 5, "image_fetch/skipped:recurring": 2, "image_fetch/skipped:declared_small": 1,
        "image_fetch/skipped:download_off": 1, "image_fetch/downloaded": 1, "image_download/kept": 1}
    b = balance(ledger, (unit("image_urls"), unit("downloads")))
    assert b["image_urls"]["balanced"] and b["downloads"]["balanced"]
    assert b["image_urls"]["read"] == 5 and b["downloads"]["read"] == 1
    other = Ledger()
    small, failure = validate_download(photo(40, 40), cfg)
    assert failure is None and small == (None, "too_small")
    tiny = downloaded_outcome("https://x.org/t.jpg", "downloaded", "https://x.org/t.jpg", small, other)
    assert tiny.reason == "too_small"
    assert validate_download(b"\xff\xd8\xff" + b"\0" * 50, cfg)[1] == "decode"
    out = downloaded_outcome("https://x.org/g.jpg", "failed:http_4xx", "https://x.org/g.jpg", None, other)
    assert out.image is None and out.reason == "failed_http_4xx"
    assert other.to_dict() == {"image_fetch/downloaded": 1, "image_download/dropped:too_small": 1,
                               "image_fetch/failed:http_4xx": 1}


def test_attach_images_keeps_one_copy_of_a_picture_shown_twice_and_records_the_source():
    cfg = Config()
    big = photo(400, 300, seed=3)
    small_copy = io.BytesIO()
    Image.open(io.BytesIO(big)).resize((200, 150)).save(small_copy, "JPEG", quality=70)
    other = photo(300, 300, seed=9)
    refs = [ref("https://x.org/440px-a.jpg", "https://x.org/220px-a.jpg"), ref("https://x.org/thumb-a.jpg"),
            ref("https://x.org/b.jpg")]
    doc = Document("d1", "https://x.org/", ["intro", None, "middle", None, None],
                   [None, refs[0], None, refs[1], refs[2]], PROV)
    found = [("https://x.org/220px-a.jpg", big), ("https://x.org/thumb-a.jpg", small_copy.getvalue()),
             ("https://x.org/b.jpg", other)]
    outcomes = [resolve_slot(slot_id(r), [SlotRef("d1", False)],
                             [FoundImage(u, process_image(data, cfg.image)[0], None)], cfg)
                for r, (u, data) in zip(refs, found)]
    ledger = Ledger()
    new, jpegs, _ = attach_images(doc, outcomes, ledger)
    assert new.texts == ["intro", None, "middle", None]
    kept = new.image_refs
    assert [r.source_url for r in kept] == ["https://x.org/220px-a.jpg", "https://x.org/b.jpg"]
    assert [r.source for r in kept] == ["warc", "warc"] and set(jpegs) == {"img0", "img1"}
    assert ledger.to_dict() == {"doc_images/kept": 2, "doc_images/dropped:duplicate_in_document": 1}
    # with near-duplicate detection off, the resized copy stays
    _, jpegs, _ = attach_images(doc, outcomes, Ledger(), phash_distance=-1)
    assert len(jpegs) == 3
