"""mmcorpus.extract.page_tree: junk removal, the one-pass walk into arrays, blocks and flags."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from mmcorpus.extract.page_tree import BR, build_page_tree, remove_junk


def tree_of(body: str, max_depth: int = 512, max_images: int = 1000):
    root = LexborHTMLParser(f"<html><body>{body}</body></html>").body
    remove_junk(root)
    return build_page_tree(root, max_depth, max_images)


def texts(t) -> list[str]:
    return [b[1] for b in t.blocks]


def test_blocks_follow_block_elements_and_br():
    t = tree_of("<p>One <b>bold</b> line<br>second   line</p><div>tail <a href='/x'>link</a></div>")
    assert texts(t) == ["One bold line\nsecond line", "tail link"]
    pos, text, link, owner, first = t.blocks[1]
    assert t.tags[owner] == "div" and link == len("link")
    assert BR not in "".join(texts(t))


def test_subtree_ranges_and_text_counts():
    t = tree_of("<div id='a'><p>abc</p><p><a href='/'>de</a></p></div><p>xyz</p>")
    div = t.tags.index("div")
    inside = t.tags[div:t.end[div] + 1]
    assert inside == ["div", "p", "p", "a"]
    assert t.chars[div] == 5 and t.links[div] == 2 and t.chars[0] == 8
    assert t.parent[div] == 0 and t.names[div] == "\ta"


def test_inline_elements_without_class_are_folded():
    t = tree_of("<p><span>a</span> <em>b</em> <span class='note'>c</span></p>")
    assert "em" not in t.tags and t.tags.count("span") == 1  # only the classed span stays
    assert texts(t) == ["a b c"]


def test_junk_hidden_and_layout_removed():
    t = tree_of(
        "<script>var x</script><style>p{}</style><nav>menu menu menu</nav><p>Real text here.</p>"
        "<div hidden>h</div><p style='display: none'>s</p><div aria-hidden='true'>a</div>"
        "<div role='dialog'>d</div><footer>foot</footer><svg><text>t</text></svg>"
        "<header><p>An article's lead paragraph.</p></header><ruby>漢<rt>kan</rt></ruby>"
    )
    assert texts(t) == ["Real text here.", "An article's lead paragraph.", "漢"]


def test_aria_hidden_panel_named_by_a_control_is_kept():
    # an accordion's closed answer: a button names it with aria-controls, so it is content hidden
    # until the reader opens it, however it is hidden (aria-hidden, inline style, both); an
    # aria-hidden element no control names (a decorative duplicate, an unnamed slide clone) still goes
    t = tree_of(
        "<h3><button aria-controls='faq-1' aria-expanded='false'>Is it free?</button></h3>"
        "<div id='faq-1' aria-hidden='true'><p>Yes, the basic plan is free.</p></div>"
        "<div id='clone-1' aria-hidden='true'><p>A cloned slide.</p></div>"
        "<div aria-hidden='true'><p>A decorative duplicate.</p></div>"
        "<a href='#' aria-controls='faq-2 faq-3'>More</a>"
        "<div id='faq-3' aria-hidden='true' style='display:none'><p>Hidden twice.</p></div>"
    )
    assert texts(t) == ["Is it free?", "Yes, the basic plan is free.", "More", "Hidden twice."]


def test_style_hidden_panel_named_by_a_control_is_kept():
    # accordions and tabs close their panels with ``hidden`` or inline display/visibility and a
    # trigger naming the panel in aria-controls (AEM's cmp-accordion, a course list's accordion);
    # a hidden element with an id no control names, or with no id, still goes
    t = tree_of(
        "<p>Our services.</p>"
        "<button aria-controls='tab-1 tab-2'>Consulting</button>"
        "<div id='tab-1' hidden><p>We plan your migration.</p></div>"
        "<div id='tab-2' style='visibility: hidden; height: 0px'><p>We run it for you.</p></div>"
        "<div id='promo' style='display:none'><p>A hidden promo.</p></div>"
        "<div hidden><p>No id at all.</p></div>"
    )
    assert texts(t) == ["Our services.", "We plan your migration.", "We run it for you."]


def test_hidden_answer_after_a_question_is_kept():
    # a script-driven FAQ without ARIA folds each answer with an inline style right after its
    # question: the question says the hidden sibling is content; a hidden element after a
    # statement, or after a question too long to be one, still goes
    t = tree_of(
        "<div><div><span>Is it free?</span></div>"
        "<div style='visibility:hidden; height:0'><p>Yes, the basic plan is free.</p></div></div>"
        "<div><div>Pricing</div><div hidden><p>A hidden promo.</p></div></div>"
        "<div><p>" + "Why " * 60 + "?</p><div hidden><p>Not an answer.</p></div></div>"
    )
    assert texts(t)[:3] == ["Is it free?", "Yes, the basic plan is free.", "Pricing"]
    assert "A hidden promo." not in texts(t) and "Not an answer." not in texts(t)


def test_streamed_react_segments_are_kept_where_their_script_puts_them():
    # React's streamed rendering sends late content as <div hidden id="S:n"> at the end of the body;
    # $RC (a Suspense boundary) and $RS (a segment) move it into the <template> placeholder. The
    # segment is read there; one no script places is kept where it is; other hidden divs still go
    t = tree_of(
        "<h1>Chapter one</h1><!--$?--><template id='B:0'></template><!--/$-->"
        "<p>Closing words.</p><template id='P:3'></template>"
        "<div hidden id='S:0'><p>The chapter's body.</p></div>"
        "<script>$RC(\"B:0\",\"S:0\")</script>"
        "<div hidden id='S:a'><p>A late table.</p></div><script>$RS(\"S:a\",\"P:3\")</script>"
        "<div hidden id='S:2'><p>An orphan segment.</p></div>"
        "<div hidden id='T:1'><p>Not a segment.</p></div>"
    )
    assert texts(t) == ["Chapter one", "The chapter's body.", "Closing words.", "A late table.",
                        "An orphan segment."]


def test_a_button_that_is_a_section_heading_is_kept():
    # an accordion's trigger inside its heading, and a tab trigger wrapping its heading, carry the
    # section's title; other buttons are controls and go
    t = tree_of(
        "<h3><button aria-expanded='false'>Is it free?</button></h3><p>Yes, the basic plan is free.</p>"
        "<button><h4>Consulting</h4></button><p>We plan your migration.</p>"
        "<div><button>Add to cart</button><button aria-expanded='false'>Menu</button></div>"
    )
    assert texts(t) == ["Is it free?", "Yes, the basic plan is free.", "Consulting", "We plan your migration."]


def test_layout_element_holding_most_of_the_page_is_kept():
    t = tree_of("<aside><p>" + "All of the article sits in an aside. " * 20 + "</p></aside><p>x</p>")
    assert texts(t)[0].startswith("All of the article")


def test_a_figcaption_holding_a_heading_is_a_card_not_a_caption():
    # a product grid written as figures: the figcaption holds the card's title (h3) and price
    t = tree_of("<figure><img src='p.jpg'><figcaption><h3>Laser projector</h3><div>$4,899.00</div>"
                "</figcaption></figure><figure><img src='a.jpg'><figcaption>A caption</figcaption></figure>")
    flag = {b[1]: t.flags[b[4]] for b in t.blocks}
    assert flag["Laser projector"] == 0 and flag["$4,899.00"] == 0 and flag["A caption"] == 2


def test_flags_for_furniture_captions_and_the_article_exemption():
    t = tree_of(
        "<div class='comments'><p>nice post</p></div>"
        "<div class='sidebar'><article><p>The article inside a sidebar div.</p></article></div>"
        "<figure><img src='a.jpg'><figcaption>A caption</figcaption></figure>"
        "<p class='wp-caption-text'>Another caption</p><noscript><p>enable js</p></noscript>"
        "<div class='credit'>" + "not a caption, too long " * 30 + "</div>"
    )
    flag = {b[1][:12]: t.flags[b[4]] for b in t.blocks}
    assert flag["nice post"] == 1 and flag["The article "] == 0
    assert flag["A caption"] == 2 and flag["Another capt"] == 2 and flag["enable js"] == 1
    assert flag["not a captio"] == 0
    assert all(f != 1 for f in t.caption_flags)


def test_images_depth_cap_and_limits():
    t = tree_of("<p>x</p>" + "<img src='a.jpg'>" * 5, max_images=3)
    assert t.n_img == 5 and len(t.images) == 3 and t.tags[t.images[0][1]] == "img"
    deep = tree_of("<div>" * 50 + "<p>deep text</p>" + "</div>" * 50 + "<p>shallow</p>", max_depth=20)
    assert deep.depth_capped and texts(deep) == ["shallow"]


def test_svg_camel_case_names_do_not_leak_into_html_tags():
    # An SVG <clipPath> is cached under the same tag id as an HTML <clippath>; the walk must not
    # report one as the other (and SVG is junk anyway).
    t = tree_of("<svg><clipPath></clipPath></svg><clippath><p>x</p></clippath>")
    assert "clipPath" not in t.tags and texts(t) == ["x"]


def test_elements_holding_the_article_are_never_flagged():
    # itemprop="articleBody" / role="main" (values as written) keep their furniture-named ancestors;
    # a folded inline element protects the element it is folded into
    t = tree_of(
        "<div class='sidebar'><div itemprop='articleBody'><p>Body text</p></div></div>"
        "<div class='sidebar'><p>Side text</p></div>"
        "<div class='sidebar'><span role='main'>Main text</span></div>"
        "<div class='sidebar'><p role='MAIN'>Upper text</p></div>"
    )
    flag = {b[1]: t.flags[b[3]] for b in t.blocks}
    assert flag == {"Body text": 0, "Side text": 1, "Main text": 0, "Upper text": 1}


def test_inline_styles_hide_only_with_display_none_or_visibility_hidden():
    # the query fetches styles holding "none" or "hidden"; the rule itself reads the declarations
    t = tree_of(
        "<p>" + "Real text of the page. " * 10 + "</p>"
        "<p style='color:red'>Red.</p><p style='display:none'>Gone one.</p>"
        "<p style='visibility: hidden'>Gone two.</p><p style='border:none'>No border.</p>"
        "<p style='overflow:hidden'>Clipped.</p><p style='DISPLAY:NONE'>Upper case.</p>"
    )
    assert texts(t)[1:] == ["Red.", "No border.", "Clipped.", "Upper case."]
