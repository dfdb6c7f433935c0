"""KOSMOS-1 document rules: image cap and deterministic single-image sampling."""

from __future__ import annotations

from mmcorpus.config import DocumentRulesConfig
from mmcorpus.data import Document, ImageRef, Provenance
from mmcorpus.filters.document_rules import apply_document_rules, cap_images, keep_single_image_document, unit_hash
from mmcorpus.ledger import Ledger

PROV = Provenance("a.warc.gz", 0, 10, "<urn:uuid:1>", "2024-01-01T00:00:00Z")


def make_doc(layout: str, doc_id: str = "d1") -> Document:
    """'titi' -> text, image, text, image; images are numbered img0, img1, ... in order."""
    texts: list[str | None] = []
    images: list[ImageRef | None] = []
    n_img = n_txt = 0
    for c in layout:
        if c == "i":
            texts.append(None)
            images.append(ImageRef(url=f"http://x/img{n_img}.jpg"))
            n_img += 1
        else:
            texts.append(f"text {n_txt}")
            images.append(None)
            n_txt += 1
    return Document(id=doc_id, url="http://x/", texts=texts, images=images, provenance=PROV)


def urls(doc: Document) -> list[str]:
    return [i.url.rsplit("/", 1)[1] for i in doc.image_refs]


def test_cap_images_keeps_first_images_and_all_texts_in_order():
    doc = make_doc("tiitiiiti")  # 6 images
    capped = cap_images(doc, 5)
    assert urls(capped) == ["img0.jpg", "img1.jpg", "img2.jpg", "img3.jpg", "img4.jpg"]
    assert capped.text_blocks == ["text 0", "text 1", "text 2"]
    assert len(capped.texts) == len(capped.images) == 8
    for t, i in zip(capped.texts, capped.images):
        assert (t is None) != (i is None)
    # the removed slot was the last image, between 'text 1' and 'text 2'
    assert capped.texts[-1] == "text 2" and capped.images[-2] is not None
    assert len(doc.image_refs) == 6  # input untouched


def test_cap_images_noop_and_zero():
    doc = make_doc("tit")
    assert cap_images(doc, 5) is doc
    none = cap_images(make_doc("itit"), 0)
    assert none.image_refs == [] and none.texts == ["text 0", "text 1"]


def test_keep_single_image_document_deterministic_and_near_half():
    ids = [f"doc-{i}" for i in range(10_000)]
    a = [keep_single_image_document(i, 0, 0.5) for i in ids]
    assert a == [keep_single_image_document(i, 0, 0.5) for i in ids]
    assert 0.47 <= sum(a) / len(a) <= 0.53
    b = [keep_single_image_document(i, 1, 0.5) for i in ids]
    assert a != b
    assert 0.47 <= sum(b) / len(b) <= 0.53
    # about half of seed 0's keepers are also seed 1's keepers: independent subsets
    both = sum(x and y for x, y in zip(a, b))
    assert 0.22 <= both / len(ids) <= 0.28
    assert all(keep_single_image_document(i, 0, 1.0) for i in ids[:100])
    assert not any(keep_single_image_document(i, 0, 0.0) for i in ids[:100])
    assert all(0.0 <= unit_hash(i, 3) < 1.0 for i in ids[:100])


def test_apply_document_rules_counts():
    cfg = DocumentRulesConfig(max_images=5, single_image_keep_rate=0.5, seed=0)
    ledger = Ledger()
    out, reason = apply_document_rules(make_doc("tiiiiiiit"), cfg, ledger)  # 7 images
    assert reason is None and out is not None and len(out.image_refs) == 5
    out, reason = apply_document_rules(make_doc("ttt"), cfg, ledger)  # text only: passed through
    assert reason is None and out is not None and out.text_blocks == ["text 0", "text 1", "text 2"]
    assert ledger.to_dict() == {"doc_rules/images_capped": 2, "doc_rules/kept": 2}


def test_apply_document_rules_single_image_sampling():
    cfg = DocumentRulesConfig(max_images=5, single_image_keep_rate=0.5, seed=7)
    ids = [f"id{i}" for i in range(200)]
    kept_ids = [i for i in ids if keep_single_image_document(i, 7, 0.5)]
    assert 0 < len(kept_ids) < len(ids)
    ledger = Ledger()
    results = {i: apply_document_rules(make_doc("tit", doc_id=i), cfg, ledger) for i in ids}
    assert [i for i, (d, _) in results.items() if d is not None] == kept_ids
    assert {r for d, r in results.values() if d is None} == {"single_image_sampled"}
    assert ledger.to_dict() == {
        "doc_rules/dropped:single_image_sampled": len(ids) - len(kept_ids),
        "doc_rules/kept": len(kept_ids),
    }


def test_capped_to_one_image_is_sampled():
    cfg = DocumentRulesConfig(max_images=1, single_image_keep_rate=0.0, seed=0)
    ledger = Ledger()
    assert apply_document_rules(make_doc("iti"), cfg, ledger) == (None, "single_image_sampled")
    assert ledger.to_dict() == {"doc_rules/dropped:single_image_sampled": 1, "doc_rules/images_capped": 1}
