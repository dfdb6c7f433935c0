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


def test_later_copies_of_a_block_are_removed_within_one_document():
    img = ImageRef(url="http://x/i.jpg")
    post = "I bought the blue one last week and it has worked well since."
    texts = ["Thread title here", post, "Reply", None, "Reply", f" {post}\n", "A new answer to the question above.",
             post.replace("blue", "red")]
    d = doc("http://x/t", texts, [None, None, None, img, None, None, None, None])
    assert pg.repeated_block_indices(d.texts, 30) == [5]  # "Reply" is too short to count, a near copy is not one
    out, removed = pg.strip_repeated_blocks(d, 30)
    assert removed == 1 and out.texts == texts[:5] + texts[6:] and out.images[3] is img
    assert d.texts == texts  # the input is not modified
    assert pg.strip_repeated_blocks(d, 0) == (d, 0)
    assert pg.repeated_block_indices(d.texts, 3) == [4, 5]
    answer = "A new answer to the question above."
    assert pg.drop_repeated_paragraphs(f"{post}\n\nReply\n\n{post}\n\n{answer}", 30) == f"{post}\n\nReply\n\n{answer}"
    assert pg.drop_repeated_paragraphs("a\n\nb", 30) == "a\n\nb"


def test_later_copies_of_a_line_are_removed_within_one_document():
    img = ImageRef(url="http://x/i.jpg")
    terms = "Minimum 5-night stay required for this offer."
    texts = ["Offers", f"Punta Cana, seven nights by the sea\n{terms}\nFrom $899", None,
             f"Cancun, five nights in the old town\n{terms}\nFrom $899", f"  {terms} ", "Reply\nReply"]
    d = doc("http://x/o", texts, [None, None, img, None, None, None])
    out, removed = pg.strip_repeated_lines(d, 30)
    # the second and third copies of the terms line go; short lines ("From $899", "Reply") stay,
    # and the block left without text is removed with its slot
    assert removed == 2
    assert out.texts == ["Offers", texts[1], None, "Cancun, five nights in the old town\nFrom $899", "Reply\nReply"]
    assert out.images == [None, None, img, None, None]
    assert d.texts == texts  # the input is not modified
    assert pg.strip_repeated_lines(d, 0) == (d, 0)
    assert pg.strip_repeated_lines(doc("http://x/u", ["a\nb", "c"]), 30)[1] == 0
    plain = "\n\n".join(t for t in texts if t is not None)
    assert pg.drop_repeated_paragraphs(plain, 30) == plain  # blocks only, as before
    assert pg.drop_repeated_paragraphs(plain, 30, 30) == "\n\n".join(t for t in out.texts if t is not None)


def test_a_code_block_keeps_its_lines():
    # two snippets that start with the same import: each sample stays whole (code repeats by
    # design); a repeated prose line still goes, even one with parentheses
    note = "Run the following in a terminal (a Python shell works too)."
    snippet = "import numpy as np  # the usual alias\nvalues = np.zeros(3)"
    texts = [note, snippet, note + "\nIt fails the same way.", snippet.replace("zeros", "ones")]
    out, removed = pg.strip_repeated_lines(doc("http://x/c", texts), 30)
    assert removed == 1 and out.texts == [note, snippet, "It fails the same way.", texts[3]]
    assert pg.is_code_block(snippet.split("\n")) and pg.is_code_block(["a = 1;", "b = 2;", "return a"])
    assert not pg.is_code_block(["x = 1"]) and not pg.is_code_block([note, "It fails (again)."])
