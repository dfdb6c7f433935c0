"""Site-repeated paragraphs (mmcorpus.dedup.paragraphs)."""

from __future__ import annotations

from mmcorpus.data import Document, ImageRef, Provenance
from mmcorpus.dedup import paragraphs as pg


def doc(url, texts, images=None):
    images = images or [None] * len(texts)
    return Document(id=url, url=url, texts=texts, images=images, provenance=Provenance("w", 0, 1, url, None))


def test_site_and_paragraph_keys():
    assert pg.site_of("https://WWW.Example.com/a?b") == "example.com"
    assert pg.site_of("http://news.example.com/") == "news.example.com"
    d = doc("https://www.example.com/a", ["Subscribe  NOW!", "subscribe now", "Other text here.", " ... "])
    keys = pg.paragraph_keys(d)
    assert len(keys) == 2 and {k[0] for k in keys} == {"example.com"}  # case/punctuation folded, empty skipped
    assert pg.paragraph_hash("Subscribe now") == pg.paragraph_hash("SUBSCRIBE, now.") and pg.paragraph_hash("!") is None


def test_strip_keeps_image_positions_and_never_empties_a_document():
    img = ImageRef(url="http://x/i.jpg")
    d = doc("http://x/a", ["Intro text.", None, "Cookie notice.", "Body text."], [None, img, None, None])
    h = pg.paragraph_hash("Cookie notice.")
    out, removed = pg.strip_paragraphs(d, {h})
    assert removed == 1 and out.texts == ["Intro text.", None, "Body text."] and out.images == [None, img, None]
    assert d.texts[2] == "Cookie notice."  # the input is not modified
    only = doc("http://x/b", ["Cookie notice."])
    assert pg.strip_paragraphs(only, {h}) == (only, 0)
    assert pg.strip_paragraphs(d, set()) == (d, 0)
