"""mmcorpus.extract.block_labels and mmcorpus.extract.class_rules: the per-block and per-class-name tests."""

from __future__ import annotations

import pytest

from mmcorpus.extract.block_labels import (
    BAD,
    GOOD,
    LOW,
    NEAR,
    SHORT,
    is_boilerplate_line,
    is_metadata_line,
    prose_density,
    text_labels,
)
from mmcorpus.extract.class_rules import class_info, class_weight

EN = ("The committee said on Tuesday that the new rules would apply from next year, and that it "
      "had been asked by the ministers to review them again in the spring.")
DE = ("Die Bundesregierung hat am Mittwoch beschlossen, dass die neuen Regeln für den Ausbau der "
      "erneuerbaren Energien ab dem kommenden Jahr gelten sollen, wie ein Sprecher mitteilte.")


def test_prose_density_tells_prose_from_furniture():
    assert prose_density(EN) > 0.3 and prose_density(DE) > 0.3
    assert prose_density("Home News Sport Weather Business Technology Science Health") < 0.1
    assert prose_density("法律では虐待をした親に専門家が子どもの育て方を教えたり、子どもを守る仕事をする。") > 0.22
    assert prose_density("") == 0.0


@pytest.mark.parametrize("line", [
    "Share", "Read more »", "Weiterlesen", "Advertisement", "3 Comments", "Tagged:", "Seite teilen",
    "Möchten Sie den Artikel teilen?", "Bisher keine Kommentare", "Foto: dpa/Marcus Brandt",
    "Image: Getty Images", "5 min read", "Inhaltsverzeichnis",
])
def test_boilerplate_lines(line):
    assert is_boilerplate_line(line)


@pytest.mark.parametrize("line", ["Share your thoughts on the new budget with your MP.", "Photosynthesis",
                                  "Comments from the minister were sharp."])
def test_not_boilerplate_lines(line):
    assert not is_boilerplate_line(line)


@pytest.mark.parametrize("line,meta", [
    ("24. März 2004, 19:49 | Genesis", True), ("17 April 2012 • 2:54pm", True), ("11 Jan 2019", True),
    ("Posted on 3 May 2019 by Jane", True), ("Veröffentlicht am 12.05.2020", True),
    ("Einsendeschluss: 03.11.2019 (Poststempel)", False), ("Last Christmas I gave you my heart", False),
    ("The meeting on 3 May 2019 decided to close the old library for good.", False),
])
def test_metadata_lines(line, meta):
    assert is_metadata_line(line) is meta


def block(text: str, link: int = 0) -> tuple:
    return (0, text, link, 0, 0)


def test_text_labels():
    blocks = [block(EN * 2), block(EN[:120]), block("Ingredients"), block("Home About Contact Blog Shop",
              link=27), block("Share"), block("x1 = f(y) ; z2 = g(w) ; " * 6), block(EN * 2, link=len(EN) * 2)]
    assert text_labels(blocks) == [GOOD, NEAR, SHORT, BAD, BAD, LOW, BAD]


def test_text_labels_for_languages_outside_the_word_lists():
    # Lorem ipsum has no function words of ours: prose is told by length and punctuation instead.
    lorem = ("Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor incididunt "
             "ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation.")
    assert text_labels([block(lorem), block(lorem)]) == [GOOD, GOOD]


@pytest.mark.parametrize("name,unlikely", [
    ("comments\t", True), ("\tcomments", True), ("share-bar\t", True), ("sidebar\t", True),
    ("entry-content\t", False), ("sidebar-and-content-body\t", False), ("entry-content no-share\t", False),
    ("elementor-widget-container\t", False), ("widget Blog\tBlog1", False), ("related-posts\t", True),
    ("article-header\t", False), ("ez-toc-v2_0_17 counter-hierarchy\t", True),
    ("navheader\t", True), ("navfooter\t", True),  # DocBook XSL's previous/up/next bars
])
def test_class_rules_unlikely(name, unlikely):
    assert class_info(name).unlikely is unlikely


def test_class_rules_caption_and_weight():
    assert class_info("wp-caption-text\t").caption and class_info("photo-credit\t").caption
    assert not class_info("article-body\t").caption
    assert class_weight("article-body\tcontent") == 50 and class_weight("sidebar\tfooter") == -50
    assert class_weight(None) == 0


def test_table_cells_are_never_datelines():
    tags = ["body", "td", "p"]
    blocks = [(0, "1/1/2013 | +13.1%", 0, 1, 1), (1, "1/1/2013 | +13.1%", 0, 2, 2)]
    assert text_labels(blocks, tags) == [SHORT, BAD]
    assert text_labels(blocks) == [BAD, BAD]


def test_bare_web_address_is_not_text():
    blocks = [(0, "https://cdn.example.com/images/160x160/5001_STAPLE_TEE_BONE_THUMB_1.jpg", 0, 1, 1),
              (1, "See https://example.com/docs for the details.", 0, 1, 1)]
    assert text_labels(blocks) == [BAD, SHORT]


def test_editor_blocks_named_widget_are_content():
    # CKEditor 5 names an embedded block of the body "ck-widget"; a sidebar widget is still furniture
    assert not class_info("ck-widget ck-widget bs_grid\t").unlikely
    assert class_info("sidebar-widget\t").unlikely and class_info("widget\t").unlikely


def test_hubspot_layout_cells_are_content():
    # HubSpot CMS names every layout cell and module of a page "widget-span widget-type-*" and
    # "hs_cos_wrapper_widget": scaffolding, not widgets; a token that only contains the word stays
    assert not class_info("span12 widget-span widget-type-cell \t").unlikely
    assert not class_info("hs_cos_wrapper hs_cos_wrapper_widget hs_cos_wrapper_type_module\t").unlikely
    assert class_info("footer-widget-span\t").unlikely


def test_every_date_or_time_holds_what_the_cheap_hints_look_for():
    """is_metadata_line skips DATE_OR_TIME where neither DATE_DIGITS nor WEEKDAY_NAME is found: that
    must never skip a line DATE_OR_TIME matches. Random lines built from the pattern's own pieces."""
    import random

    from mmcorpus.extract.word_lists import DATE_DIGITS, DATE_OR_TIME, WEEKDAY_NAME

    pieces = ["1", "12", "2019", "03", "7", ".", "/", ":", "-", " ", ", ", "de ", "t", "am", "p.m.", "uhr", "h",
              "st", "th", "jan", "march", "mär", "sept", "décembre", "stycznia", "mon", "day", "tuesday", "sun",
              "freitag", "sábado", "posted", "by", "x", "é", "\n", "|"]
    rng = random.Random(12)
    found = 0
    for _ in range(60_000):
        line = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 9)))
        if DATE_OR_TIME.search(line):
            found += 1
            assert DATE_DIGITS.search(line) or WEEKDAY_NAME.search(line), line
    assert found > 5_000
    for line in ["3 comments", "page 2 of 10", "€ 1,99", "v1.2"]:
        assert not DATE_OR_TIME.search(line) and not is_metadata_line(line)
