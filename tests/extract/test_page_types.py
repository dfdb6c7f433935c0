"""Main content beyond articles (issue 12), on small synthetic pages: forum threads kept as their
posts, content spread over several sections, tables as rows, listings of cards, structured-data
fallback, script-hidden content; and ``mmcorpus extract --no-filters``."""

from __future__ import annotations

import json

from conftest import SAMPLE_WARC

from mmcorpus.cli.main import main
from mmcorpus.config import ExtractConfig
from mmcorpus.data import HtmlRecord, Provenance
from mmcorpus.extract.document import extract_document
from mmcorpus.extract.page_tree import CELL_SEPARATOR
from mmcorpus.extract.structured_data import json_ld_texts
from mmcorpus.io.documents import read_documents

URL = "https://example.com/page"
NAV = "<nav><a href='/'>Home</a> <a href='/a'>About</a> <a href='/b'>Blog</a></nav>"
FOOT = "<footer><a href='/p'>Privacy</a> <a href='/t'>Terms</a></footer>"


def prose(topic: str, n: int = 2) -> str:
    return " ".join(
        f"The {topic} is something that we have been thinking about for a long time, and it is clear "
        f"that there are many ways in which it can be done well, which is why we wrote this part {i}."
        for i in range(n))


def paragraphs(topic: str, n: int) -> str:
    return "".join(f"<p>{prose(f'{topic} {i}')}</p>" for i in range(n))


def extract(body: str, head: str = "", url: str = URL) -> str:
    html = f"<html lang='en'><head><title>t</title>{head}</head><body>{NAV}{body}{FOOT}</body></html>"
    raw = html.encode()
    rec = HtmlRecord(url=url, body=raw, status=200, content_type="text/html", http_headers={},
                     provenance=Provenance("t.warc.gz", 0, len(raw), "<urn:1>", None))
    cfg = ExtractConfig()
    cfg.min_doc_chars = 0
    doc, reason = extract_document(rec, cfg)
    assert doc is not None, reason
    return "\n".join(doc.text_blocks)


def test_forum_thread_is_kept_as_its_sequence_of_posts():
    # posts in comment-named containers (forum software's naming) outweigh the rest of the page
    posts = "".join(
        f"<div class='comment' id='comment-{i}'><div class='author'>user{i}</div>"
        f"<div class='comment-body'><p>{prose(f'question number {i}', 3)}</p></div></div>" for i in range(4))
    rules = f"<div class='intro'><p>{prose('forum rules', 3)}</p></div>"
    text = extract(f"<main><h1>How do I start?</h1>{rules}{posts}</main>")
    for i in range(4):
        assert f"question number {i}" in text
    assert text.index("question number 0") < text.index("question number 3")  # in page order


def test_comments_under_an_article_stay_out():
    article = "<article><h1>Story</h1>" + paragraphs("main point", 6) + "</article>"
    comments = f"<div class='comments'><div class='comment'><p>{prose('reader view')}</p></div></div>"
    text = extract(article + comments)
    assert "main point 5" in text and "reader view" not in text


def test_content_spread_over_several_sections_is_kept_whole():
    # each section deep in its own wrappers, each named differently: no single element scores them all
    def section(i: int, n: int) -> str:
        return (f"<section class='s{i}'><div class='row{i}'><div class='col{i}'><div class='text{i}'>"
                f"<h2>Service {i}</h2><p>{prose(f'service offer {i}', n)}</p></div></div></div></section>")

    text = extract("<div id='page'>" + "".join(section(i, 4 if i == 1 else 2) for i in range(5)) + "</div>")
    for i in range(5):
        assert f"service offer {i}" in text and f"Service {i}" in text


def test_table_rows_are_one_line_each_with_cells_separated():
    rows = "".join(f"<tr><td>Item {i}</td><td>{i}.5 kg</td><td>{10 * i} EUR</td></tr>" for i in range(6))
    text = extract(f"<article><p>{prose('product range', 3)}</p><table><tr><th>Name</th><th>Weight</th>"
                   f"<th>Price</th></tr>{rows}</table></article>")
    assert f"Name{CELL_SEPARATOR}Weight{CELL_SEPARATOR}Price" in text.splitlines()
    assert f"Item 3{CELL_SEPARATOR}3.5 kg{CELL_SEPARATOR}30 EUR" in text.splitlines()


def test_layout_table_cells_with_paragraphs_stay_blocks():
    text = extract(f"<table><tr><td><p>{prose('left column')}</p></td><td><p>{prose('right column')}</p></td>"
                   f"</tr></table>")
    assert CELL_SEPARATOR not in text and "left column" in text and "right column" in text


def test_listing_keeps_its_cards():
    cards = "".join(
        f"<div class='card'><a href='/story-{i}'><h3>Headline number {i} about the markets today</h3>"
        f"<p>A teaser sentence for story {i} that says what it is about</p></a></div>" for i in range(8))
    text = extract(f"<main><h1>Business</h1><div class='grid'>{cards}</div></main>")
    for i in range(8):
        assert f"Headline number {i}" in text


def test_teaser_list_after_an_article_stays_out():
    article = "<article>" + paragraphs("main point", 5) + "</article>"
    teasers = "".join(f"<li><a href='/s{i}'>Another headline number {i} you may want to read</a></li>"
                      for i in range(8))
    text = extract(article + f"<div class='more'><ul>{teasers}</ul></div>")
    assert "main point 4" in text and "Another headline" not in text


def test_json_ld_description_stands_in_for_a_script_rendered_page():
    desc = "<p>Hand-roasted dark coffee with notes of cocoa and cherry, sourced from farms we visit every year.</p>"
    ld = json.dumps({"@context": "https://schema.org", "@type": "Product", "name": "Dark Roast",
                     "description": desc, "offers": {"price": "12.00"}})
    text = extract("<div id='app'><h1>Dark Roast</h1></div>",
                   head=f"<script type='application/ld+json'>{ld}</script>")
    assert "Hand-roasted dark coffee with notes of cocoa" in text and "<p>" not in text


def test_json_ld_is_not_added_where_the_page_has_text():
    ld = json.dumps({"@type": "Article", "description": "A summary written for search engines only, " * 3})
    text = extract(f"<article><p>{prose('real text', 3)}</p></article>",
                   head=f"<script type='application/ld+json'>{ld}</script>")
    assert "search engines" not in text


def test_json_ld_texts_is_bounded_and_skips_bad_json():
    nested = {"description": "deep"}
    for _ in range(50):
        nested = {"child": nested}
    assert json_ld_texts(["{not json", json.dumps(nested), json.dumps([{"text": "ab"}, {"description": "abc"}])]) \
        == ["abc", "ab"]


def test_content_hidden_until_a_script_shows_it_is_kept():
    body = (f"<div style='display:none'><p>Cookie settings and a tiny popup</p></div>"
            f"<div class='lockdown' style='display: none;'><article><p>{prose('hidden article', 3)}</p>"
            f"</article></div>")
    text = extract(body)
    assert "hidden article" in text and "popup" not in text


def test_extract_no_filters_keeps_pages_the_rules_drop(tmp_path, capsys):
    out = tmp_path / "all.jsonl"
    assert main(["extract", "--no-filters", str(SAMPLE_WARC), "-o", str(out)]) == 0
    docs = list(read_documents(str(out)))
    assert "ledger adds up: 22 records, 9 pages" in capsys.readouterr().out
    urls = {d.url for d in docs}
    assert "http://sample.mmcorpus.test/de/stadtpark" in urls  # the filters drop it by language
    assert all(d.language is None for d in docs)  # no language identification ran


def test_closed_tabs_are_content():
    tabs = "".join(
        f"<div role='tabpanel' id='tab-{lang}' {'hidden' if i else ''}><p>{prose(f'example in {lang}', 2)}</p></div>"
        for i, lang in enumerate(["python", "java", "ruby"]))
    text = extract(f"<main><h1>Quickstart</h1><p>{prose('the setup')}</p><div class='tabs'>{tabs}</div></main>")
    assert "example in java" in text and "example in ruby" in text


def test_aria_hidden_image_is_still_shown():
    html = (f"<article><p>{prose('the formula', 3)}</p><p>The identity "
            "<img src='https://example.com/formula.png' aria-hidden='true' alt='A = A^H' width='240' height='80'> "
            f"holds.</p><div aria-hidden='true'><p>{prose('a hidden duplicate')}</p></div></article>")
    raw = f"<html><body>{html}</body></html>".encode()
    rec = HtmlRecord(url=URL, body=raw, status=200, content_type="text/html", http_headers={},
                     provenance=Provenance("t.warc.gz", 0, len(raw), "<urn:1>", None))
    doc, _ = extract_document(rec, ExtractConfig())
    assert [i.url for i in doc.image_refs] == ["https://example.com/formula.png"]
    assert "hidden duplicate" not in "\n".join(doc.text_blocks)


def test_page_hidden_by_visibility_until_hydration_is_kept():
    # a framework hides the whole page (visibility:hidden) until its script runs; a small hidden tooltip goes
    body = (f"<div style='visibility:hidden;min-height:100vh'><main><h1>Tutorial</h1>"
            f"<p>{prose('the tutorial', 3)}</p><span style='visibility: hidden'>Copied to clipboard</span>"
            f"</main></div>")
    text = extract(body)
    assert "the tutorial" in text and "Copied to clipboard" not in text


def test_share_prompt_that_is_not_a_heading_does_not_cut_the_article():
    # "Share This:" in a plain div before the article's first paragraph opens no furniture section
    text = extract(f"<div class='post'><h1>Smart homes</h1><div class='share-box'>Share This:</div>"
                   f"{paragraphs('smart home', 4)}</div>")
    assert "smart home 0" in text and "smart home 3" in text and "Share This" not in text


def test_related_box_inside_the_article_ends_with_the_box():
    # a "Read next" box holding its own title and links, embedded in the article body
    box = ("<div class='more-like-this'>Read Next"
           + "".join(f"<div class='title'><a href='/r{i}'>Another story number {i} to read</a></div>" for i in range(3))
           + "</div>")
    text = extract(f"<article><div class='body'>{paragraphs('first half', 2)}{box}"
                   f"{paragraphs('second half', 4)}</div></article>")
    assert "first half 1" in text and "second half 3" in text and "Another story" not in text


def test_content_named_like_furniture_is_kept_when_it_holds_the_prose():
    # a page builder's article body with id="share-btn": its class says content, its id furniture
    body = (f"<div class='intro'><p>{prose('short intro')}</p></div>"
            f"<div class='post-content widget' id='share-btn'>{paragraphs('the body', 6)}</div>"
            f"<div class='share-bar' id='share'><p>{prose('sharing options')}</p></div>")
    text = extract(body)
    assert "the body 5" in text and "sharing options" not in text


def test_a_tab_widget_named_menu_is_content_but_a_menu_is_not():
    # a landing page's tab widget names itself for its row of tab titles ("faq_tabs-menu"): its
    # panels are prose with few links; a mega-menu (many links beside a promo blurb) stays out
    tabs = (f"<div class='faq_tabs-menu'><div class='tab'><h3>Consulting</h3><p>{prose('consulting tab', 2)}</p>"
            f"</div><div class='tab'><h3>Support</h3><p>{prose('support tab', 2)}</p></div></div>")
    links = "".join(f"<li><a href='/m{i}'>Menu entry number {i}</a></li>" for i in range(30))
    mega = f"<div class='mega-menu'><ul>{links}</ul><p>{prose('promo blurb', 2)}</p></div>"
    text = extract(f"{mega}<div class='intro'>{paragraphs('our services', 2)}</div>{tabs}"
                   f"<div class='more'>{paragraphs('why us', 2)}</div>")
    assert "consulting tab" in text and "support tab" in text and "why us 1" in text
    assert "promo blurb" not in text and "Menu entry" not in text


def test_table_rows_of_dates_are_data_not_datelines():
    rows = "".join(f"<tr><td>{m}/1/2013</td><td>+{m}.1%</td></tr>" for m in range(1, 13))
    text = extract(f"<article><h1>Prices</h1><p>{prose('home prices', 3)}</p><table><tr><th>Date</th>"
                   f"<th>Change</th></tr>{rows}</table><p>{prose('the outlook', 2)}</p></article>")
    assert f"5/1/2013{CELL_SEPARATOR}+5.1%" in text and "12/1/2013" in text


def test_custom_element_with_href_is_a_link():
    # a web component's mega menu: <dropdown-item href> entries are links, so the menu is navigation
    menu = "".join("<div class='col'>" + " ".join(
        f"<dropdown-item href='/c{i}{j}'>Category {i} item {j} guitars</dropdown-item>" for j in range(8))
        + "</div>" for i in range(6))
    text = extract(f"<div class='mega'>{menu}</div><main><h1>Microphone</h1>{paragraphs('the microphone', 3)}</main>")
    assert "the microphone 2" in text and "Category 3 item" not in text


def test_listing_cards_partly_linked_and_their_short_titles_are_kept():
    # event cards: a short linked title (h2) and a subtitle whose link is a part of it
    cards = "".join(
        f"<div class='event'><div class='date'>Mar {i} 26</div><h2><a href='/e{i}'>Con{i}</a></h2>"
        f"<h3><a href='/c{i}'>Tech conference</a> in City number {i}, Country</h3></div>" for i in range(8))
    text = extract(f"<main><h1>Tech conferences</h1><div class='events'>{cards}</div></main>")
    for i in range(8):
        assert f"Con{i}" in text and f"City number {i}" in text


def test_a_front_page_is_widened_to_its_sections_where_one_holds_most_of_the_prose():
    # a landing page: a long FAQ beside short feature sections, each in its own wrappers. The FAQ
    # holds ~80% of the prose, enough to stand alone on an inner page, not on the site's front page
    def section(i: int, n: int) -> str:
        return (f"<section class='s{i}'><div class='row{i}'><div class='col{i}'><div class='text{i}'>"
                f"<h2>Feature {i}</h2><p>{prose(f'feature offer {i}', n)}</p></div></div></div></section>")

    body = "<div id='page'>" + "".join(section(i, 12 if i == 0 else 1) for i in range(4)) + "</div>"
    inner = extract(body, url="https://example.com/faq/questions")
    assert "feature offer 0" in inner and "feature offer 2" not in inner
    for url in ("https://example.com/", "https://example.com", "https://example.com/index.html?ref=ad"):
        front = extract(body, url=url)
        assert all(f"feature offer {i}" in front for i in range(4)), url


def test_an_inner_page_with_prose_under_its_title_is_widened_to_its_sections():
    # an inner landing page: its <h1>, an intro paragraph in a hero with call-to-action links (not
    # joined to the core), then a long FAQ (~3/4 of the prose) and short feature sections. The prose
    # between the title and the FAQ says the FAQ is one section of many; with the title as an <h2>
    # (no page title above the intro) the FAQ stands alone as before
    def section(i: int, n: int) -> str:
        return (f"<section class='s{i}'><div class='row{i}'><div class='col{i}'><div class='text{i}'>"
                f"<h2>Feature {i}</h2><p>{prose(f'feature offer {i}', n)}</p></div></div></div></section>")

    links = "".join(f"<li><a href='/c{k}'>Book a free consultation {k}</a></li>" for k in range(5))
    for title, widened in (("h1", True), ("h2", False)):
        body = (f"<div id='page'><header class='hero'><{title}>Our consulting offer</{title}></header>"
                "<div class='lead'><div class='box'><div class='w'><div class='x'><div class='y'><div class='z'>"
                f"<p>{prose('intro offer', 2)}</p><ul>{links}</ul></div></div></div></div></div></div>"
                + "".join(section(i, 16 if i == 0 else 1) for i in range(4)) + "</div>")
        text = extract(body, url="https://example.com/services/consulting")
        assert "feature offer 0" in text
        assert all((f"feature offer {i}" in text) == widened for i in (1, 2, 3)), title
        assert ("intro offer" in text) == widened, title


def test_a_headings_own_anchor_or_accordion_toggle_is_not_link_text():
    from selectolax.lexbor import LexborHTMLParser

    from mmcorpus.extract.page_tree import build_page_tree, remove_junk

    def heading_link_chars(h: str) -> int:
        root = LexborHTMLParser(f"<html><body><main>{h}<p>{prose('x')}</p></main></body></html>").body
        remove_junk(root)
        tree = build_page_tree(root, 200, 100)
        return next(b[2] for b in tree.blocks if tree.tags[b[3]] == "h2")

    assert heading_link_chars("<h2 id='usage'><a href='#usage'>Usage</a></h2>") == 0  # its permalink
    assert heading_link_chars("<h2><a href='#faq-1' role='button'>Can I cancel?</a></h2>") == 0
    assert heading_link_chars("<h2><a href='#c1' aria-controls='c1'>Can I pay later?</a></h2>") == 0
    assert heading_link_chars("<h2 id='usage'><a href='#p123'>Re: Usage</a></h2>") > 0  # a post's link
    assert heading_link_chars("<h2><a href='/news/1'>Other story</a></h2>") > 0


def test_front_page_is_the_sites_root():
    from mmcorpus.urls import is_front_page

    assert is_front_page("https://example.com/") and is_front_page("https://example.com/?srsltid=x")
    assert is_front_page("http://example.com") and is_front_page("https://example.com/index.php")
    assert not is_front_page("https://example.com/blog/") and not is_front_page("https://example.com/a?b=1")
    assert not is_front_page("http://[bad") and not is_front_page("")


def test_customer_reviews_section_of_a_product_page_stays_out():
    reviews = "".join(f"<div class='r'><p>{prose(f'happy customer {i}')}</p></div>" for i in range(3))
    text = extract(f"<main><h1>Dark Roast</h1><div class='desc'>{paragraphs('the coffee', 3)}</div>"
                   f"<h2>Customer Reviews (3)</h2>{reviews}</main>")
    assert "the coffee 2" in text and "happy customer" not in text


def test_retry_without_class_rules_does_not_return_the_page_footer():
    # an emptied page (the app never rendered): the retry view must not pass the site footer off as content
    footer = ("<div class='site-footer'><h5>Help</h5><dl><dd>Help Center, Disputes and Reports, Return and refund "
              "policy, Report infringement, Privacy, Accessibility</dd></dl><h5>International sites</h5><dl><dd>"
              "Russian, Portuguese, Spanish, French, German, Italian, Dutch, Turkish, Japanese, Korean, Thai, "
              "Arabic, Hebrew, Polish</dd></dl></div>")
    raw = f"<html><body><div id='app'></div>{footer}</body></html>".encode()
    rec = HtmlRecord(url=URL, body=raw, status=200, content_type="text/html", http_headers={},
                     provenance=Provenance("t.warc.gz", 0, len(raw), "<urn:1>", None))
    cfg = ExtractConfig()
    cfg.min_doc_chars = 0
    doc, _ = extract_document(rec, cfg)
    assert doc is None or "Portuguese" not in "\n".join(doc.text_blocks)


def test_retry_still_recovers_an_article_hidden_by_its_class_name():
    text = extract(f"<div class='sidebar'><h1>Story</h1>{paragraphs('hidden story', 4)}</div>"
                   f"<div class='footer-links'><p>{prose('legal notes')}</p></div>")
    assert "hidden story 3" in text and "legal notes" not in text


def test_declared_discussion_keeps_its_replies_however_few():
    # one reply in a comment container: too little to outweigh the opening post, but the page says it is a thread
    ld = json.dumps({"@context": "https://schema.org", "@type": "DiscussionForumPosting", "headline": "Broken update"})
    body = (f"<main><h1>Broken update</h1><div class='post'><p>{prose('the opening post', 3)}</p></div>"
            f"<div class='comment' id='post_2'><p>{prose('the only reply', 3)}</p></div></main>")
    assert "the only reply" in extract(body, head=f"<script type='application/ld+json'>{ld}</script>")
    assert "the only reply" not in extract(body)


def test_unlinked_cards_beside_a_prose_block_are_kept():
    # a collection: one prose intro in its own wrappers, then a grid of cards that are not links (a
    # title, a price, a date each): short lines outweighing the prose
    intro = (f"<section class='hero'><div class='row'><div class='col'><div class='text'>"
             f"<p>{prose('spring collection', 4)}</p></div></div></div></section>")
    cards = "".join(
        f"<div class='tile'><div class='tile-body'><h3>Linen shirt model {i}</h3><span>{20 + i}.90 EUR</span>"
        f"<span>Ships in {i + 2} days</span></div></div>" for i in range(24))
    text = extract(f"<div id='page'>{intro}<section class='grid'><div class='row'>{cards}</div></section></div>")
    assert "spring collection" in text
    for i in range(24):
        assert f"Linen shirt model {i}" in text


def test_short_lines_beside_an_article_stay_out():
    # an article outweighs the short lines around it (a date, sidebar headings): no widening
    article = "<article><h1>Story</h1>" + paragraphs("main point", 5) + "</article>"
    side = "<aside><h3>Popular this week</h3><h3>Our newsletter</h3><p>Sign up today</p></aside>"
    text = extract(f"<div class='wrap'>{article}{side}</div>")
    assert "main point 4" in text and "Popular this week" not in text


def test_linked_items_inside_the_article_are_kept():
    # a course page's schedule: linked notes with text of their own, between two parts of its prose
    items = "".join(f"<li><a href='/notes-{i}'>Lecture notes {i}</a> on tensor methods, week {i}</li>"
                    for i in range(6))
    body = (f"<article><h1>Course</h1>{paragraphs('setup step', 3)}<ul>{items}</ul>"
            f"{paragraphs('usage note', 3)}</article>")
    text = extract(body)
    for i in range(6):
        assert f"Lecture notes {i} on tensor methods" in text


def test_linked_terms_of_a_definition_list_inside_the_article_are_kept():
    # an API reference: each property's linked name (a <dt>) above its description (a <dd>)
    terms = "".join(f"<dt><a href='/api/prop{i}'><code>Socket.prop{i}</code></a> Read only</dt>"
                    f"<dd><p>{prose(f'property {i}', 1)}</p></dd>" for i in range(4))
    body = (f"<article><h1>Socket</h1>{paragraphs('the socket', 2)}<dl>{terms}</dl>"
            f"{paragraphs('an example', 2)}</article>")
    text = extract(body)
    for i in range(4):
        assert f"Socket.prop{i} Read only" in text


def test_wholly_linked_list_inside_the_article_stays_out():
    # a related-stories list with no heading, mid-article: each item is nothing but its link
    related = "".join(f"<li><a href='/s{i}'>Another story number {i} to read</a></li>" for i in range(6))
    body = (f"<article><h1>Story</h1>{paragraphs('main point', 3)}<ul>{related}</ul>"
            f"{paragraphs('second point', 3)}</article>")
    text = extract(body)
    assert "second point 2" in text and "Another story" not in text


def test_a_see_also_list_closing_the_page_is_kept():
    # a documentation page's closing cross-references: a few wholly linked items after the last
    # prose, under "See also"; the same links under any other heading stay out, and so do bare
    # web addresses under "References"
    links = "".join(f"<li><a href='/guide-{i}'>Writing socket clients part {i}</a></li>" for i in range(3))
    urls = "".join(f"<li><a href='https://x.org/{i}'>https://x.org/{i}</a></li>" for i in range(2))
    body = (f"<main><h1>WebSocket</h1>{paragraphs('the socket', 3)}<h2>See also</h2><ul>{links}</ul>"
            f"<h2>References</h2><ul>{urls}</ul></main>")
    text = extract(body)
    for i in range(3):
        assert f"Writing socket clients part {i}" in text
    assert "https://x.org/1" not in text
    text = extract(body.replace("See also", "Our other pages"))
    assert "Writing socket clients" not in text


def test_a_syllabus_of_linked_items_and_linked_headings_inside_the_article_is_kept():
    # a tutorial index: a long list of wholly linked lessons between two parts of its prose, and a
    # reference page's linked signature headings; a line repeated on every post ("Re: ...") stays out
    lessons = "".join(f"<li><a href='/lesson-{i}'>Lesson {i}: tensor methods</a></li>" for i in range(12))
    body = (f"<article><h1>Course</h1>{paragraphs('setup step', 3)}<ul>{lessons}</ul>"
            f"{paragraphs('usage note', 3)}</article>")
    text = extract(body)
    for i in range(12):
        assert f"Lesson {i}: tensor methods" in text
    methods = "".join(f"<h4><a href='#m{i}'>fn method_{i}</a>(<a href='/t'>Self</a>)</h4>"
                      f"<p>{prose(f'method {i}', 1)}</p><h5><a href='/re'>Re: the methods</a></h5>"
                      for i in range(10))
    text = extract(f"<main><h1>Struct</h1>{paragraphs('the struct', 2)}{methods}{paragraphs('the end', 2)}</main>")
    for i in range(10):
        assert f"fn method_{i}(Self)" in text
    assert "Re: the methods" not in text


def test_linked_cross_reference_sentences_of_a_documentation_page_are_kept():
    # short sentences whose link makes them link-dense: kept where the article holds several,
    # a lone one (a paywall prompt, "read also") stays out
    steps = "".join(f"<p><a href='/step-{i}'>Install the tool number {i}</a> first.</p>" for i in range(3))
    body = f"<main><h1>Quickstart</h1>{paragraphs('the setup', 2)}{steps}{paragraphs('the usage', 2)}</main>"
    text = extract(body)
    for i in range(3):
        assert f"Install the tool number {i} first." in text
    lone = "<p>To read on, <a href='/subscribe'>subscribe to The Daily Paper</a>.</p>"
    text = extract(f"<article><h1>Story</h1>{paragraphs('main point', 2)}{lone}"
                   f"{paragraphs('second point', 2)}</article>")
    assert "second point" in text and "subscribe to" not in text


def test_see_also_section_of_a_documentation_page_is_kept():
    # a wiki's "See also": linked entries with their descriptions, the page's own cross-references
    entries = "".join(f"<li><a href='/tool-{i}'>tool-{i}</a> — the configuration tool number {i}</li>"
                      for i in range(4))
    body = (f"<main><h1>Package manager</h1>{paragraphs('the package manager', 3)}<h2>See also</h2>"
            f"<ul>{entries}</ul><h2>Troubleshooting</h2>{paragraphs('a broken mirror', 2)}</main>")
    text = extract(body)
    for i in range(4):
        assert f"the configuration tool number {i}" in text


def test_linked_list_in_a_furniture_section_inside_the_article_stays_out():
    related = "".join(f"<li><a href='/s{i}'>Another story number {i}</a> from our desk</li>" for i in range(6))
    body = (f"<article><h1>Story</h1>{paragraphs('main point', 3)}"
            f"<section><h2>Related articles</h2><ul>{related}</ul></section><h2>Analysis</h2>"
            f"{paragraphs('second point', 3)}</article>")
    text = extract(body)
    assert "main point 2" in text and "second point 2" in text and "Another story" not in text


def _book_cards(n: int, button: str = "") -> str:
    # a best-seller grid: linked title and author (short: not of card length), unlinked rank and format
    return "".join(
        f"<div class='book'><div class='rank'>#{i}</div><div class='t'><a href='/b{i}'>Book title {i}</a></div>"
        f"<div class='a'><a href='/a{i}'>Author{i} Name</a></div><div class='f'>Hardcover</div>"
        f"<div class='f'>{i + 2} formats available</div>{button}</div>" for i in range(n))


def test_linked_lines_of_content_cards_are_kept():
    text = extract(f"<main><h1>Best sellers</h1><div class='grid'>{_book_cards(12)}</div></main>")
    for i in range(12):
        assert f"Book title {i}" in text and f"Author{i} Name" in text


def test_a_card_button_repeated_on_every_card_stays_out():
    button = "<div class='b'><a href='/cart'>Add to cart</a></div>"
    text = extract(f"<main><h1>Best sellers</h1><div class='grid'>{_book_cards(12, button)}</div></main>")
    assert "Book title 3" in text and "Add to cart" not in text


def test_linked_cards_beside_an_article_stay_out():
    # the related-products strip of an article: cards with output text, but a small part of the page
    article = "<article><h1>Story</h1>" + paragraphs("main point", 5) + "</article>"
    text = extract(f"<div class='wrap'>{article}<div class='grid'>{_book_cards(6)}</div></div>")
    assert "main point 4" in text and "Book title 2" not in text


def test_short_linked_titles_of_a_listing_whose_long_titles_are_content_are_kept():
    # a shop grid: most tiles' linked titles are of card length (the listing rule keeps them), a few
    # are short ("Headphone Stand"); those tiles gain their titles even though the tiles that gain
    # lines hold little of the output: the page was taken for a listing, it is made of cards
    long = "".join(f"<div class='tile'><div class='n'><a href='/p{i}'>Three drawer narrow file cabinet model {i}</a>"
                   f"</div><p class='price'>${100 + i}+</p></div>" for i in range(8))
    short = "".join(f"<div class='tile'><div class='n'><a href='/s{i}'>Stand {i}</a></div>"
                    f"<p class='price'>${20 + i}+</p></div>" for i in range(4))
    body = (f"<main><h1>Accessories for desks</h1><p>Choose from hundreds of accessories for your desk.</p>"
            f"<div class='grid'>{long}{short}</div></main>")
    text = extract(body)
    for i in range(4):
        assert f"Stand {i}" in text
    assert "Three drawer narrow file cabinet model 7" in text


def test_card_titles_do_not_stand_in_for_an_article_hidden_by_its_class_name():
    # the class rules hide the article; the linked card lines must not stop Readability's retry
    article = "<div class='sidebar'>" + paragraphs("hidden article", 8) + "</div>"
    text = extract(f"<main>{article}<div class='grid'>{_book_cards(12)}</div></main>")
    assert "hidden article 7" in text


def _card_roots_one_pass(t) -> list[int]:
    """CardFinder's definition computed over every element in one pass: the reference it must agree with."""
    from collections import Counter

    from mmcorpus.extract.main_content import CARD_MAX_CHARS, CARD_NEAR_LEVELS, CARD_REPEATS

    shape = [tag + (" " + t.names[i].split("\t", 1)[0].split()[0] if t.names.get(i, "").split("\t", 1)[0].split()
                    else "") for i, tag in enumerate(t.tags)]
    count = Counter(zip(t.parent, shape))
    rep = [count[key] for key in zip(t.parent, shape)]
    best, near = [-1] * len(t.tags), [-1] * len(t.tags)
    for i in range(1, len(t.tags)):
        p = t.parent[i]
        near[i] = i if rep[i] >= CARD_REPEATS else near[p]
        if t.chars[i] <= CARD_MAX_CHARS:
            up = best[p]
            best[i] = i if rep[i] >= CARD_REPEATS and (up < 0 or rep[i] >= rep[up]) else up
    out = []
    for b in t.blocks:
        o = b[3]
        c = best[o] if o > 0 else -1
        if c < 0 and o > 0 and near[o] >= 0:
            a, up = o, 0
            while a != near[o] and up < CARD_NEAR_LEVELS:
                a, up = t.parent[a], up + 1
            c = near[o] if up < CARD_NEAR_LEVELS else -1
        out.append(c)
    return out


def _tree(html: str):
    from selectolax.lexbor import LexborHTMLParser

    from mmcorpus.extract.page_tree import build_page_tree

    return build_page_tree(LexborHTMLParser(html).body, 512, 100)


def test_a_card_is_the_repeated_tile_not_the_rows_inside_it():
    from mmcorpus.extract.main_content import CardFinder

    tiles = "".join(f"<li class='tile'><div class='row'>Name {i}</div><div class='row'>${i}.00</div>"
                    f"<div class='row'>In stock</div></li>" for i in range(5))
    t = _tree(f"<html><body><ul class='grid'>{tiles}</ul><p>alone</p></body></html>")
    finder = CardFinder(t.tags, t.names, t.parent, t.end, t.chars)
    by_text = {b[1]: finder.card(b[3]) for b in t.blocks}
    assert t.tags[by_text["Name 0"]] == "li" and by_text["Name 0"] == by_text["$0.00"] != by_text["Name 1"]
    assert by_text["alone"] == -1


def test_cards_found_on_demand_are_those_of_the_one_pass_definition():
    from mmcorpus.extract.main_content import CardFinder

    long_text = " ".join(["word"] * 100)  # a teaser too long for a small card: the nearest repeated ancestor
    teasers = "".join(f"<div class='teaser'><h3><a href='/{i}'>Story {i}</a></h3><p>{long_text}</p></div>"
                      for i in range(4))
    deep = "<div>" * 8 + "".join(f"<section><p>{long_text} {i}</p></section>" for i in range(3)) + "</div>" * 8
    tiles = "".join(f"<li class='tile x'><div class='a'>A {i}</div><div class='a'>B</div><div class='a'>C</div>"
                    f"<p>D {i}</p></li>" for i in range(3))  # as repeated as the rows inside: the nearer wins
    far = "".join(f"<section>{'<div>' * (4 + i)}<p>{long_text}</p>{'</div>' * (4 + i)}</section>" for i in range(3))
    pairs = "".join(f"<li><p>only two {i}</p></li>" for i in range(2))
    t = _tree(f"<html><body><main>{teasers}</main>{deep}<ul>{tiles}</ul><ol>{pairs}</ol>{far}text</body></html>")
    finder = CardFinder(t.tags, t.names, t.parent, t.end, t.chars)
    reference = _card_roots_one_pass(t)
    assert [finder.card(b[3]) for b in reversed(t.blocks)] == reference[::-1]
    assert len(set(reference)) > 5  # the fixture has cards of each kind


def _toc(n: int) -> str:
    return ("<div class='toc'><p>Table of Contents</p><dl>"
            + "".join(f"<dt><a href='/c{i}'>11.{i}. Index topic {i}</a></dt>" for i in range(n)) + "</dl></div>")


def test_a_chapter_page_whose_content_is_its_table_of_contents_keeps_it():
    # a manual's chapter page: a title, the chapter's table of contents, one introductory paragraph
    text = extract(f"<div id='docContent'><h2>Chapter 11. Indexes</h2>{_toc(8)}"
                   f"<p>{prose('index chapter')}</p></div>")
    assert "Table of Contents" in text and "11.7. Index topic 7" in text and "index chapter" in text


def test_a_table_of_contents_beside_long_prose_stays_out():
    text = extract(f"<article><h1>Guide</h1>{_toc(8)}{paragraphs('the long guide', 6)}</article>")
    assert "the long guide 5" in text and "Index topic" not in text


def test_a_more_about_heading_over_prose_opens_the_pages_own_section():
    # a manual's "More about ..." section is its text; the same heading over links is furniture
    doc = (f"<main><h1>Working with forms</h1>{paragraphs('form basics', 3)}"
           f"<h2>More about form classes</h2>{paragraphs('form classes', 2)}"
           f"<h2>Templates</h2>{paragraphs('form templates', 2)}</main>")
    assert "form classes 1" in extract(doc) and "form templates 1" in extract(doc)
    links = "".join(f"<li><a href='/s{i}'>Another story about the harbour number {i}</a></li>" for i in range(4))
    text = extract(f"<article><h1>Harbour</h1>{paragraphs('the harbour', 3)}"
                   f"<h2>More about the harbour</h2><ul>{links}</ul></article>")
    assert "the harbour 2" in text and "Another story" not in text


def test_a_list_entry_reading_like_a_furniture_heading_does_not_cut_the_list():
    items = ["Tuning your server by Greg", "More on query performance by Craig", "Faster counting by Joe",
             "Row count estimates by David"]
    lst = "".join(f"<li><a href='/r{i}'>{t.rsplit(' by ', 1)[0]}</a> by {t.rsplit(' by ', 1)[1]}</li>"
                  for i, t in enumerate(items))
    text = extract(f"<main><h1>Performance</h1>{paragraphs('tuning advice', 2)}<h2>Reading</h2><ul>{lst}</ul>"
                   f"{paragraphs('more tuning advice', 2)}</main>")
    assert "Faster counting by Joe" in text and "Row count estimates by David" in text


def test_a_documentation_section_whose_id_is_its_headings_anchor_is_content():
    # docutils/Sphinx name each section after its heading: id="cookies" is a topic, not a banner
    body = (f"<main><h1>Quickstart</h1>{paragraphs('the quickstart', 2)}"
            f"<section id='cookies'><h3>Cookies</h3><p>{prose('reading cookies')}</p></section>"
            f"<section id='sessions'><h3>Sessions</h3><p>{prose('the session object')}</p></section></main>")
    assert "reading cookies" in extract(body)
    banner = (f"<main><h1>Quickstart</h1>{paragraphs('the quickstart', 2)}</main>"
              f"<div id='cookies'><h3>We use cookies</h3><p>{prose('our cookie policy')}</p></div>")
    assert "our cookie policy" not in extract(banner)


def test_related_posts_with_prose_excerpts_stay_out():
    teasers = "".join(f"<h3><a href='/p{i}'>Summer story {i}</a></h3><p>{prose(f'teaser excerpt {i}')}</p>"
                      for i in range(3))
    text = extract(f"<article><h1>Earrings</h1>{paragraphs('the earrings', 4)}"
                   f"<h2>Related Posts</h2>{teasers}</article>")
    assert "the earrings 3" in text and "teaser excerpt" not in text


def test_a_linked_definition_term_is_kept_with_its_description():
    # an API reference's few linked member names, each with its description in a <dd>
    dl = ("<dl><dt><a href='/close'>WebSocket.close()</a></dt><dd><p>Closes the connection.</p></dd>"
          "<dt><a href='/send'>WebSocket.send()</a></dt><dd><p>Enqueues data to be transmitted.</p></dd></dl>")
    text = extract(f"<main><h1>WebSocket</h1>{paragraphs('the socket', 2)}<h2>Instance methods</h2>{dl}"
                   f"<h2>Examples</h2>{paragraphs('socket examples', 2)}</main>")
    assert "WebSocket.close()" in text and "WebSocket.send()" in text


def test_a_related_section_of_prose_without_links_is_the_pages_own():
    text = extract(f"<main><h1>Product feed spec</h1>{paragraphs('the feed fields', 3)}"
                   f"<h2>Related Products</h2><p>{prose('the related product identifiers', 3)}</p>"
                   f"<h2>Geo Tagging</h2>{paragraphs('regional prices', 2)}</main>")
    assert "the related product identifiers" in text and "regional prices 1" in text


def _author_card(i: int) -> str:
    return (f"<div class='userinfo'><div class='avatar'>{'KLMN'[i]}</div>"
            f"<h4>user{i}</h4><h5>Senior Member</h5><dl><dt>Joined</dt><dd>Mar {i + 1}, 2015</dd>"
            f"<dt>Messages</dt><dd>{120 * i + 7}</dd></dl><p>{40 * i + 2} posts · Joined {2010 + i}</p></div>")


def test_author_cards_of_a_thread_stay_out_and_a_reply_s_own_short_line_stays():
    # a thread in comment containers: every post's author card repeats its labels; a vote count has no letter
    posts = [f"<div class='comment' id='post_{i}'>{_author_card(i)}<div class='votes'>{i + 3}</div>"
             f"<div class='text'><p>{prose(f'reply number {i}', 2)}</p></div></div>" for i in range(4)]
    posts[2] = posts[2].replace("<div class='text'>", "<div class='text'><p>Thanks, that fixed it!</p>")
    text = extract(f"<main><h1>Broken update</h1><div class='comments'>{''.join(posts)}</div></main>")
    for i in range(4):
        assert f"reply number {i}" in text
    assert "Thanks, that fixed it!" in text
    assert "Senior Member" not in text and "Joined" not in text and "Messages" not in text
    assert "\n5\n" not in f"\n{text}\n" and "posts · Joined" not in text and "\nL\n" not in f"\n{text}\n"


def test_author_cards_of_posts_not_named_comments_stay_out():
    # XenForo-like: posts are article.message (not comment-named, so the page is not read as a
    # thread); their cards are found by structure: repeated post-named siblings holding prose
    posts = "".join(
        f"<article class='message message--post'><div class='message-cell'>{_author_card(i)}</div>"
        f"<div class='message-cell message-cell--main'><div class='bbWrapper'>{prose(f'post body {i}', 2)}"
        f"</div><div class='message-signature'><p>{prose(f'my shop {i}', 1)}</p></div>"
        f"<ul><li>#{i + 1}</li></ul></div></article>" for i in range(4))
    text = extract(f"<main><h1>Which lens to buy?</h1><div class='block-body'>{posts}</div></main>")
    for i in range(4):
        assert f"post body {i}" in text
    assert "Senior Member" not in text and "Joined" not in text and "Messages" not in text
    assert "#2" not in text and "my shop" not in text and "\nL\n" not in f"\n{text}\n"


def test_repeated_labels_of_a_listicle_s_sections_are_kept():
    # an article's sections repeat their short labels ("Pros", "Weight") beside prose: not posts
    items = "".join(
        f"<section class='item'><h2>Mouse model {i}</h2><p>{prose(f'mouse {i}', 2)}</p>"
        f"<dl><dt>Weight</dt><dd>{50 + i}g</dd></dl><h3>Pros</h3><p>Light and fast</p></section>" for i in range(4))
    text = extract(f"<article><h1>Best mice</h1>{items}</article>")
    assert text.count("Weight") == 4 and text.count("Pros") == 4


def test_repeated_lines_of_a_wordpress_shop_grid_are_kept():
    # WooCommerce: every product tile carries WordPress's post-<id> and has-post-thumbnail classes
    tiles = "".join(
        f"<li class='product type-product post-{551 + i} status-publish has-post-thumbnail'>"
        f"<h2>Glass tumbler model {i}</h2><p>{prose(f'tumbler {i}', 1)}</p><div>In stock</div>"
        f"<div>Qty:</div></li>" for i in range(4))
    text = extract(f"<main><h1>Glassware</h1><ul class='products'>{tiles}</ul></main>")
    assert text.count("In stock") == 4
