"""Which blocks of a page are its main content.

Runs on a :class:`~mmcorpus.extract.page_tree.PageTree` with the per-block text labels of
:mod:`mmcorpus.extract.block_labels`, in five steps:

1. Region labels: blocks inside elements flagged by class/id (cookie banner, share bar, comments,
   related links... :mod:`mmcorpus.extract.class_rules`) are BAD; blocks inside captions are CAPTION.
2. Furniture sections: a heading such as "Related articles", "Comments", "Share this", "Mehr zum
   Thema" makes itself and the section it opens BAD (:func:`furniture_sections`).
3. Context (jusText): near-good blocks next to a good one become good; short blocks between good
   ones, and short headings before one, become good (:func:`smooth_labels`).
4. The region: Mozilla Readability's top candidate (``_grabArticle``: paragraph scores passed up
   to five ancestors, tag priors, class weights, link density; siblings that score well join)
   computed on blocks not labelled BAD, then grown over sibling subtrees that continue the
   article: lead/intro blocks before it and repeated content containers of the same shape
   (:func:`extend_region`). Image-only subtrees between two parts of the region (an article's
   figures and galleries) lend it their images (:func:`figure_gaps`).
5. Output (:func:`keep_blocks`): inside the region, everything but BAD and CAPTION blocks, with
   short blocks kept only where they belong to the article (between its good blocks, in runs such
   as lists and tables, or in the same container as its prose).
   The region's images are those not beside text dropped as page structure
   (:func:`images_beside_dropped_text`: teaser thumbnails, previous/next links).

Beyond articles (issue 12; WCXB's README names each failure, and each rule was measured over
WCXB's 1,310 dev pages of seven page types): a discussion page is read with comment containers
unflagged (:func:`is_thread`, chosen by the caller); a listing's linked cards count as content
(:func:`listing_labels`, before step 2); a region holding too little of the page's prose is
widened to the ancestor holding most of it (:func:`widen_region`, after step 4; and
:func:`widen_over_short`, counting short lines too, at half the page's text), whose images are
taken only near kept text (:func:`_images_in_widened`); linked list items and table rows with text
of their own, inside the article's span, are kept, and wholly linked ones and linked headings where
the span holds many (:func:`keep_linked_items`, after step 5), and so are the linked lines of
repeated cards that have output text on a page of cards (:func:`keep_card_links`, after step 5); a table of
contents that is a chapter page's content is kept (:func:`keep_lone_toc`, after step 5), and so are
the linked lines of a closing "See also" or "References" section (:func:`keep_reference_sections`); an
element whose name says both furniture and content is content where it holds most of the prose
(:func:`unflag_prose_holder`, chosen by the caller), and so is a tab widget named a menu, which holds
prose with few links (:func:`prose_menus`).

If the class/id rules leave less than ``RETRY_CHARS`` of text, the caller runs the steps again
without them but for the page footer's (:func:`retry_flags`; Readability's retry with
``FLAG_STRIP_UNLIKELYS`` off): a page that wraps its article in ``div.sidebar-content`` must not
lose it, and a page with no article must not come back as its footer.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from itertools import accumulate, compress

from mmcorpus.extract.ascii_re import ascii_lower_matcher
from mmcorpus.extract.block_labels import (
    BAD,
    CAPTION,
    GOOD,
    LOW,
    MAX_SHORT_LINK_DENSITY,
    NEAR,
    SHORT,
    is_bare_url,
    is_boilerplate_line,
)
from mmcorpus.extract.class_rules import class_info, class_weight
from mmcorpus.extract.page_tree import HEADINGS
from mmcorpus.extract.word_lists import END_HEADINGS, REFERENCE_HEADINGS, SECTION_HEADINGS, TOPIC_HEADINGS

RETRY_CHARS = 500
LIST_ITEMS = frozenset(["li", "dd", "dt"])
_LEVEL = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
TAG_PRIOR = {"div": 5, "article": 10, "main": 10, "section": 2, "pre": 3, "td": 3, "blockquote": 3,
             "address": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3,
             "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5, "th": -5}
SCORED_TAGS = frozenset([
    "p", "td", "pre", "div", "section", "article", "main", "blockquote", "dd", "font", "center",
    "span", "body", "h2", "h3", "h4", "h5", "h6",
])


def main_content(tree, text_labels: list[int], flags, front_page: bool = False) -> tuple[list[bool], bytearray, int]:
    """``(keep per block, per element: 1 where its images may be taken, characters kept as the linked
    lines of cards)`` for one view of the page. The last is not counted by the caller as evidence
    that the view found the page's content (Readability's retry), for a listing's titles would
    otherwise stand in for an article its class rules hid. On a site's ``front_page``
    (:func:`mmcorpus.urls.is_front_page`) the region is widened more readily
    (``FRONT_WIDEN_SHARE``, ``FRONT_SHORT_WIDEN_SHARE``)."""
    blocks, tags, parent, end = tree.blocks, tree.tags, tree.parent, tree.end
    labels = region_labels(text_labels, blocks, flags)
    listing = listing_labels(labels, text_labels, blocks, tags)
    furniture = furniture_sections(labels, blocks, tags, parent, end)
    labels = smooth_labels(labels, blocks, tags)
    top, chosen = readability_core(tags, tree.names, parent, end, tree.chars, tree.links, blocks, labels)
    good, bad = subtree_text(labels, blocks, end)
    region = extend_region(top, chosen, tags, tree.names, parent, end, good, bad)
    sections = front_page or prose_before_region(region, labels, blocks, tags)
    wide = widen_region(region, top, parent, good, FRONT_WIDEN_SHARE if sections else WIDEN_SHARE)
    if wide is region:
        wide = widen_over_short(region, top, parent, end, labels, blocks,
                                FRONT_SHORT_WIDEN_SHARE if front_page else SHORT_WIDEN_SHARE)
    inside = bytearray(len(tags))
    for r in wide:
        inside[r:end[r] + 1] = b"\x01" * (end[r] + 1 - r)
    keep = keep_blocks(labels, blocks, tags, parent, inside)
    if wide is region:
        keep_linked_items(keep, labels, text_labels, blocks, tags, parent, flags, inside, furniture)
    card_chars = 0
    if flags is not tree.thread_flags:  # a thread's posts are cards whose linked lines are headers
        card_chars = keep_card_links(keep, text_labels, blocks, tree, flags, inside, furniture, listing)
    keep_lone_toc(keep, labels, text_labels, blocks, tree.names, end, flags, inside)
    keep_reference_sections(keep, labels, text_labels, blocks, tags, flags, inside, furniture)
    if wide is not region:
        inside = _images_in_widened(tree, region, keep, inside)
    for r in figure_gaps(region, tree.images, parent, end, bad):  # their images, not their text
        inside[r:end[r] + 1] = b"\x01" * (end[r] + 1 - r)
    images_beside_dropped_text(tree, keep, labels, flags, inside)
    return keep, inside, card_chars


IMAGE_TEXT_LEVELS = 3  # an image of a widened region needs kept text within this many ancestors


def _images_in_widened(tree, region: list[int], keep: list[bool], wide_inside: bytearray) -> bytearray:
    """Where the region was widened, the images it may take: those of the core region, and those of
    the rest whose container (``IMAGE_TEXT_LEVELS`` ancestors up) holds kept text (a section's or a
    card's picture), not image-only strips (galleries of other pages, logos, sidebars)."""
    parent, end = tree.parent, tree.end
    inside = bytearray(len(wide_inside))
    for r in region:
        inside[r:end[r] + 1] = b"\x01" * (end[r] + 1 - r)
    with_text = set()
    for b, k in zip(tree.blocks, keep):
        if k:
            i, level = b[4], 0
            while i >= 0 and level <= IMAGE_TEXT_LEVELS + 1 and i not in with_text:
                with_text.add(i)
                i, level = parent[i], level + 1
    for _pos, ei, _node in tree.images:
        if wide_inside[ei] and not inside[ei]:
            a = ei
            for _ in range(IMAGE_TEXT_LEVELS):
                if a <= 0:
                    break
                a = parent[a]
                if a in with_text:
                    inside[ei] = 1
                    break
    return inside


# "footer" as a class/id token or token part, not a BEM element of a component ("card__footer")
_FOOTER = re.compile(r"(?:^|[\s\-]|(?<!_)_)footer(?:$|[\s_\-])", re.IGNORECASE)
_footer = ascii_lower_matcher(_FOOTER, "search")  # _FOOTER.search, faster on ASCII names


def retry_flags(tree) -> bytearray:
    """The flags of Readability's retry view: captions, and elements named for the page footer.

    The retry (class rules off) recovers an article that a misleading class name flagged; a page
    with no article at all (an app shell, a blocked or emptied page) would instead come back as
    its footer's link lists and legal lines, which no page's content is. WCXB's ground truth for
    such pages is empty.
    """
    out = bytearray(tree.caption_flags)
    end, tags = tree.end, tree.tags
    for ei, nm in tree.names.items():
        if _footer(nm) and tags[ei] not in ("body", "html", "main", "article"):
            out[ei:end[ei] + 1] = b"\x01" * (end[ei] + 1 - ei)
    return out


THREAD_RATIO = 2.0  # comment prose over this many times the other prose: the page is a discussion
THREAD_MIN_LABEL = SHORT  # text counted: prose and short lines (CJK prose is often short lines)


def is_thread(tree, labels: list[int]) -> bool:
    """Whether the page is a discussion (a forum thread, a Q&A page): more than ``THREAD_RATIO``
    times as much text (blocks not labelled BAD by their own text) inside containers named for
    comments and replies as in the rest of the page outside furniture.

    On an article, reader comments are furniture (class rules flag ``div.comments``); on a forum
    thread the posts *are* the page, and forum software names them the same way (Invision's
    ``ipsComment``, ``comment-123``, Discourse's ``itemprop="comment"``). WCXB's README names this
    as the forum failure of article extractors. The caller then uses ``tree.thread_flags`` (the
    flags less the comment containers). On WCXB's forum pages: word F1 0.60 -> 0.76, no article
    page worse; counting short lines too (not only prose) keeps a CJK blog, whose prose is short
    lines, from being taken for its comment section (Readability's ``pixnet`` page).

    The caller also takes the thread view where the page's JSON-LD declares a discussion
    (``DiscussionForumPosting``, ``QAPage``: :func:`~mmcorpus.extract.structured_data.declares_discussion`),
    so a thread with one or two replies, which do not outweigh its opening post, keeps them (WCXB
    forums 0.763 -> 0.774; 43 of WCXB's 105 forum pages declare it, no page of another type does).
    """
    tf = tree.thread_flags
    if tf is None:
        return False
    flags = tree.flags
    inside = outside = 0
    for b, lab in zip(tree.blocks, labels):
        if lab >= THREAD_MIN_LABEL:
            el = b[4]
            if flags[el] != 1:
                outside += len(b[1])
            elif tf[el] != 1:
                inside += len(b[1])
    return inside > THREAD_RATIO * outside


HOLDER_SHARE = 0.5  # a furniture-flagged element holding more of the page's prose than this is content


def unflag_prose_holder(tree, labels: list[int], flags: bytearray) -> bytearray:
    """``flags`` less the furniture flag of an element that holds more than ``HOLDER_SHARE`` of the
    page's prose (blocks labelled GOOD by their own text), unless it names comments.

    Class and id names mislead: a page builder gives the article body ``id="share-btn"``, a theme
    wraps the post in ``div.post-meta-wrap``. Share bars, sidebars, newsletter boxes and related
    lists hold link lists and teasers, never most of a page's prose, so such an element is the
    content whatever its name (the same reasoning as the layout rule of
    :func:`~mmcorpus.extract.page_tree.remove_junk`, which keeps a ``<nav>`` holding 40% of the
    text, and as Readability's retry without class rules, which only fires under 500 characters).
    Comment containers are left to :func:`is_thread`. Flags nested inside the element (a share
    bar inside the article) go with it: its blocks are still judged by their labels. The same
    goes for a tab widget that names itself a menu (:func:`prose_menus`), whatever its share.
    """
    total = 0
    by_root: dict[int, int] = {}
    parent = tree.parent
    root_of: dict[int, int] = {}
    for b, lab in zip(tree.blocks, labels):
        if lab != GOOD:
            continue
        n = len(b[1])
        total += n
        el = b[4]
        if flags[el] == 1:
            r = root_of.get(el)
            if r is None:
                r = el
                while parent[r] >= 0 and flags[parent[r]] == 1:
                    r = parent[r]
                root_of[el] = r
            by_root[r] = by_root.get(r, 0) + n
    if not by_root:
        return flags
    roots = prose_menus(tree, by_root)
    r, n = max(by_root.items(), key=lambda kv: kv[1])
    tf = tree.thread_flags
    if n > HOLDER_SHARE * total and (tf is None or tf[r] == 1) and class_info(tree.names.get(r, "")).mixed:
        roots.append(r)
    if not roots:
        return flags
    out = bytearray(flags)
    for r in roots:
        for i in range(r, tree.end[r] + 1):
            if out[i] == 1:
                out[i] = 0
    return out


# "menu" or "navbar" as a class/id token or token part ("faq_tabs-menu", "filter-menu-tabs")
_MENU = re.compile(r"(?:^|(?<=[\s_\-]))(?:menu|navbar)(?=$|[\s_\-])", re.IGNORECASE)
MENU_PROSE_CHARS = 300  # a menu-named element holding this much prose...
MENU_MAX_LINK = 1 / 3  # ...and under this share of link text is a tab widget, not a menu


def prose_menus(tree, by_root: dict[int, int]) -> list[int]:
    """The flagged elements (``by_root``: topmost flagged element -> its prose characters) that
    only a "menu" name flagged and that hold ``MENU_PROSE_CHARS`` of prose with under
    ``MENU_MAX_LINK`` of their text linked: tab and accordion widgets ("faq_tabs-menu",
    "filter-menu-tabs"), which name themselves for their row of tab titles and hold each tab's
    sections. A menu, a mega-menu included (its promo blurbs beside many links), is link text:
    its items are links, not paragraphs. The name less its menu tokens must not be furniture too
    (a "sidebar-menu" stays flagged). On WCXB's dev pages: service +0.0027 (each half by id
    parity +0.003), collections +0.0026 (+0.005 / level), listings +0.0004, the other types
    unchanged; with no link test a mega-menu's promos came in (a collection page -0.19), and the
    same rule for every furniture name cost products 0.037 (review lists are prose too)."""
    out = []
    names, links, chars = tree.names, tree.links, tree.chars
    for r, n in by_root.items():
        if n < MENU_PROSE_CHARS or links[r] >= MENU_MAX_LINK * chars[r]:
            continue
        nm = names.get(r, "")
        if _MENU.search(nm) and not class_info(_MENU.sub(" ", nm)).unlikely:
            out.append(r)
    return out


def region_labels(base: list[int], blocks, flags) -> list[int]:
    """Blocks inside a flagged element: BAD (``flags[el] == 1``) or CAPTION (``== 2``)."""
    out = list(base)
    for i, b in enumerate(blocks):
        f = flags[b[4]]
        if f:
            out[i] = CAPTION if f == 2 else BAD
    return out


CARD_MIN_CHARS = 30  # a card's linked title or teaser: at least this long...
CARD_MIN_WORDS = 5  # ...and this many words (menu entries have one to three)
CARD_MIN_COUNT = 3  # a listing has at least this many cards
LISTING_MAX_PROSE = 600  # a page with more prose than this (anywhere) is not a listing
CARD_TITLES = frozenset(["h2", "h3", "h4", "h5", "h6"])  # on a listing, a linked heading is a card's title


def listing_labels(labels: list[int], base: list[int], blocks, tags) -> bool:
    """On a listing page, linked card titles and teasers are the content: relabel them, in place;
    returns whether the page was taken for a listing (:func:`keep_card_links` trusts it).

    A listing (a news section front, a category page, search results, a blog index) is a run of
    cards, each a linked title and often a linked teaser; link density makes every one of them
    BAD. A page is taken for a listing when it has at least ``CARD_MIN_COUNT`` link-dense blocks
    of card length (``CARD_MIN_CHARS`` and ``CARD_MIN_WORDS``: menus are shorter), more card text
    than prose, and little prose anywhere (``LISTING_MAX_PROSE``, counted on the text labels
    ``base`` so that an article hidden behind a class flag still counts): an article with a long
    teaser list after it stays an article. The cards become NEAR, so the region and the output
    rules treat them as content, and so do the listing's linked headings however short (a card's
    title: "AgentCon Toronto"; menus are not headings). A card counts when over a fifth of it is
    link text, the share that makes a short block BAD: a subtitle whose link is one of its words
    is a card too (WCXB listings 0.642 -> 0.654, collections 0.627 -> 0.633).
    """
    prose = 0
    cards = []
    for i, b in enumerate(blocks):
        if base[i] >= NEAR:
            prose += len(b[1])
        elif labels[i] == BAD and base[i] == BAD:
            t = b[1]
            if (len(t) >= CARD_MIN_CHARS and t.count(" ") + 1 >= CARD_MIN_WORDS
                    and b[2] / len(t) > MAX_SHORT_LINK_DENSITY):
                cards.append(i)
    if len(cards) < CARD_MIN_COUNT or prose >= LISTING_MAX_PROSE:
        return False
    if sum(len(blocks[i][1]) for i in cards) > prose:
        for i in cards:
            labels[i] = NEAR
        for i, b in enumerate(blocks):  # the cards' linked titles, however short
            if (labels[i] == BAD and base[i] == BAD and tags[b[3]] in CARD_TITLES
                    and b[2] / len(b[1]) > MAX_SHORT_LINK_DENSITY):
                labels[i] = NEAR
        return True
    return False


def smooth_labels(labels: list[int], blocks, tags) -> list[int]:
    """Context (jusText): near-good blocks next to a good one are good; then short blocks between
    good ones, and short headings followed by a good one, are good. Captions are transparent.

    A block's neighbours are the nearest blocks before and after it that are neither short nor
    captions (BAD past either end of the page): one list of those, walked once per step."""
    out = list(labels)
    solid = [i for i, lab in enumerate(labels) if lab != SHORT and lab != CAPTION]
    last = len(solid) - 1
    for k, i in enumerate(solid):
        if labels[i] == NEAR and ((k and labels[solid[k - 1]] == GOOD) or (k < last and labels[solid[k + 1]] == GOOD)):
            out[i] = GOOD
    before, lab_before = -1, BAD
    for i in solid:  # the short blocks between two solid ones, where the later one is good
        lab = out[i]
        if lab == GOOD and i > before + 1:
            for j in range(before + 1, i):
                if out[j] == SHORT and (lab_before == GOOD or tags[blocks[j][3]] in HEADINGS):
                    out[j] = GOOD
        before, lab_before = i, lab
    return out


_section_heading = ascii_lower_matcher(SECTION_HEADINGS)  # SECTION_HEADINGS.match, faster on ASCII text
LIST_ENTRY_WORDS = 5  # a list item of this many words after others is an entry ("Teilen", "Tweet": a share bar)
TOPIC_SECTION_PROSE = 300  # a "More about ..." section with this much prose is the page's own


def furniture_sections(labels: list[int], blocks, tags, parent, end) -> bytearray:
    """A heading that opens page furniture ("Related articles", "Comments", "Share this", "Tags")
    makes itself and the section it opens BAD, in place; returns per block 1 where it was so marked
    (the rules that later keep linked lines leave those out). The section ends at the next heading of
    the same or a higher level, or where the heading's container ends; comment and related
    sections run to the container's end whatever headings they hold.

    An opener that is not a heading element (a ``div`` or ``p`` reading "Share this:", "Read
    next") is often a box's title or a lone prompt, not a section heading: where its own element
    holds the blocks after it (a box with its title and its links), the section is that box; and
    a section it opens (comment and related sections aside) ends at the first prose block not in
    a list, for share bars, tag lines and author boxes hold none, while the article they sit in
    continues after them. On WCXB's dev pages: articles 0.931 -> 0.937, collections +0.005, no
    page type worse.

    A list item of ``LIST_ENTRY_WORDS`` words or more after another of the same list is one of its
    entries (a reading list's "More on Postgres Performance by Craig Kerstiens"), not a title
    opening a section; a short one still opens one (a share bar's "E-Mail | Teilen | Tweet" list,
    on trafilatura's evaluation pages). WCXB dev: documentation 0.9331 -> 0.9343 (one page), no
    other page changed.

    A heading element that names a further topic (``TOPIC_HEADINGS``: "More about Django Form
    classes", "More on fields") opens furniture only where its section is links and teasers: one
    holding ``TOPIC_SECTION_PROSE`` characters of prose (blocks labelled GOOD, which link-dense
    lines are not) is the page's own section on that topic, as in a manual. A "Related ..."
    section must also hold no link-dense line: a related-posts list's teasers have prose excerpts
    under their linked titles (two of trafilatura's evaluation pages), a spec's "Related Products"
    field group has none. Reviews, comments, share and author boxes hold prose too and stay
    furniture whatever they hold; with every furniture heading so judged, two WCXB articles lost
    0.2 and 0.7 (prose after "Share this" and "Newsletter"). WCXB documentation 0.9315 -> 0.9331
    ("More about"), +0.0009 ("Related", one page), no page worse.
    """
    nb = len(blocks)
    marked = bytearray(nb)
    i = 0
    for h in [k for k, b in enumerate(blocks) if len(b[1]) <= 60 and _section_heading(b[1])]:
        if h < i:
            continue  # inside a section already marked
        i = h
        _pos, text, _link, owner, el = blocks[i]
        tag = tags[owner]
        prev = blocks[i - 1][3] if i else owner
        if (tag in LIST_ITEMS and prev != owner and tags[prev] == tag and parent[prev] == parent[owner]
                and text.count(" ") + 1 >= LIST_ENTRY_WORDS):
            continue  # an entry after others of its list ("More on Postgres Performance"), not a title
        level = _LEVEL.get(tag, 7)
        to_end = bool(END_HEADINGS.match(text))
        scope = parent[owner] if owner > 0 else owner
        if tag not in HEADINGS and i + 1 < nb and blocks[i + 1][4] <= end[owner]:
            scope = owner  # a box holding its title text and its items: the section is the box
        stop = end[scope] if scope >= 0 else len(tags) - 1
        j = i + 1
        prose = linked = 0
        while j < nb and blocks[j][4] <= stop:
            if not to_end:
                t2 = tags[blocks[j][3]]
                if t2 in HEADINGS and _LEVEL[t2] <= level:
                    break
                if level == 7 and labels[j] == GOOD and t2 not in LIST_ITEMS:
                    break
            if labels[j] == GOOD:
                prose += len(blocks[j][1])
            elif blocks[j][2] > MAX_SHORT_LINK_DENSITY * len(blocks[j][1]):
                linked += 1
            j += 1
        topic = TOPIC_HEADINGS.match(text) if level < 7 and prose >= TOPIC_SECTION_PROSE else None
        if topic and (topic.group(1) or not linked):
            continue  # the page's own section on a further topic, not a list of links
        for k in range(i, j):
            labels[k] = BAD
        marked[i:j] = b"\x01" * (j - i)
        i = j
    return marked


_ANCESTOR_DIVISORS = (1, 2, 6, 9, 12)  # a paragraph's score in its parent, grandparent (/2), three more (/3 per level)


def readability_core(tags, names, parent, end, chars, links, blocks, labels) -> tuple[int, list[int]]:
    """Readability's top candidate (``_grabArticle``) and the siblings it joins.

    Each block of >= 25 characters not labelled BAD scores 1 + commas + len/100 (max 3) into its
    parent, grandparent (/2) and up to three more ancestors (/3 per level); ancestors get a tag
    prior and a class/id weight, and the final score is scaled by (1 - link density). The top
    climbs to a parent that scores higher; siblings scoring >= max(10, top/5), or prose-like
    ``<p>`` with few links, join it. Returns ``(top, chosen elements in order)``.
    """
    score: dict[int, float] = {}
    for (_pos, text, _lc, owner, _el), lab in zip(blocks, labels):
        n = len(text)
        if n < 25 or lab < 0 or tags[owner] not in SCORED_TAGS:
            continue
        s = 1.0 + text.count(",") + min(n // 100, 3)
        if not text.isascii():  # (an O(1) test) Arabic and CJK commas
            s += text.count("،") + text.count("，")
        anc = parent[owner]
        for div in _ANCESTOR_DIVISORS:
            if anc < 0:
                break
            v = score.get(anc)
            if v is None:  # first scored: its tag prior and class weight
                nm = names.get(anc)
                v = TAG_PRIOR.get(tags[anc], 0) + (class_info(nm).weight if nm else 0)
            score[anc] = v + s / div
            anc = parent[anc]
    if not score:
        return 0, [0]

    # the final scores, computed once in one comprehension (no Python call per scored element)
    final_score = {i: v * (1.0 - links[i] / chars[i] if chars[i] else 0.0) for i, v in score.items()}

    def final(i: int) -> float:
        return final_score.get(i, 0.0)

    top = max(final_score, key=final_score.get)  # the first of the best
    top_score = final_score[top]
    threshold, last, p = top_score / 3, top_score, parent[top]
    while p > 0:
        ps = final(p) if p in score else None
        if ps is not None:
            if ps < threshold:
                break
            if ps > last:
                top = p
                break
            last = ps
        p = parent[p]
    while parent[top] > 0 and chars[parent[top]] <= chars[top] * 1.02:
        top = parent[top]
    top_score = max(final(top), top_score)
    chosen = [top]
    pt = parent[top]
    if pt >= 0:
        sib_threshold = max(10.0, top_score * 0.2)
        i = pt + 1
        while i <= end[pt]:
            if i != top:
                ld = links[i] / chars[i] if chars[i] else 1.0
                bonus = top_score * 0.2 if tags[i] == tags[top] and class_weight(names.get(i)) > 0 else 0
                if (
                    final(i) + bonus >= sib_threshold
                    or (tags[i] == "p" and chars[i] > 80 and ld < 0.25)
                    or (tags[i] in ("p", "figure", "picture", "img") and chars[i] > 0 and ld == 0)
                ):
                    chosen.append(i)
            i = end[i] + 1
    chosen.sort()
    return top, chosen


class SubtreeSums:
    """Per element, the sum of a per-element count over its subtree ``[i, end[i]]``, read as
    ``sums[i]``: a difference of two prefix sums over the elements (taken in C), so that the few
    subtrees asked about cost no pass up the tree."""

    __slots__ = ("_upto", "_end")

    def __init__(self, own: list[int], end):
        self._upto = list(accumulate(own, initial=0))  # _upto[k]: the sum over the elements before k
        self._end = end

    def __getitem__(self, i: int) -> int:
        return self._upto[self._end[i] + 1] - self._upto[i]


def subtree_text(labels, blocks, end) -> tuple[SubtreeSums, SubtreeSums]:
    """Per element: characters of GOOD/NEAR blocks and of BAD blocks in its subtree."""
    n = len(end)
    good = [0] * n
    bad = [0] * n
    for (_pos, text, _link, _owner, el), lab in zip(blocks, labels):
        if lab >= NEAR:
            good[el] += len(text)
        elif lab == BAD:
            bad[el] += len(text)
    return SubtreeSums(good, end), SubtreeSums(bad, end)


def _shape(tags, names, i: int) -> tuple[str, str]:
    nm = names.get(i)
    first = nm.split("\t", 1)[0].split(None, 1) if nm else None
    return tags[i], first[0] if first else ""


def extend_region(top: int, chosen: list[int], tags, names, parent, end, good, bad,
                  max_levels: int = 8) -> list[int]:
    """Grow the core upwards over sibling subtrees that continue the article.

    Articles are often split over sibling containers: a lead or intro block before the body
    (``div.intro``, ``header > p.lead``), or a CMS's repeated content elements (TYPO3's
    ``div.ce-...``, Elementor sections) with one paragraph group each. At each ancestor of the
    core (up to ``max_levels``), a sibling subtree joins when its good text (>= 50 chars) is at
    least four times its bad text, its class/id is not negative, and it either comes before the
    core (at the first five ancestors) or has the same shape (tag and first class) as the core's
    own branch (forum posts, repeated content elements). Sidebars, footers and teaser lists after
    the article fail these tests. On trafilatura's evaluation pages these rules took 46 snippets
    of article text in for 13 of furniture; joining every sibling with more good than bad text
    took 54 for 43. Returns the chosen subtree roots, in document order.
    """
    region = sorted(chosen)
    cur = top
    level = 0
    while parent[cur] > 0 and level < max_levels:
        a = parent[cur]
        shape = _shape(tags, names, cur)
        i = a + 1
        while i <= end[a]:
            g = good[i]
            if (
                g >= 50 and bad[i] * 4 <= g and i != cur
                and ((i < cur and level <= 4) or _shape(tags, names, i) == shape)
                and class_weight(names.get(i)) >= 0
                and not any(r <= i <= end[r] for r in region)
            ):
                region = [r for r in region if not i < r <= end[i]]
                region.append(i)
            i = end[i] + 1
        cur = a
        level += 1
    region.sort()
    return region


WIDEN_SHARE = 0.7  # a region holding less of the page's prose than this is widened...
WIDEN_COVER = 0.8  # ...to its lowest ancestor holding this much of it
# On a site's front page (a landing page, a shop's home) the content is the page's sections: the
# region is widened unless it holds nine tenths of the prose (and, counting short lines, 70% of the
# text; SHORT_WIDEN_SHARE below). WCXB dev: service 0.812 -> 0.819 (both halves of the pages split
# by id parity up), collections +0.002, listings +0.0005, the other types unchanged (two articles
# of 696 are front pages); 0.95 or a wider cover (0.85-0.9) changed service by under 0.001.
FRONT_WIDEN_SHARE = 0.9
FRONT_SHORT_WIDEN_SHARE = 0.7


TITLE_GAP_PROSE = 300  # prose (GOOD) characters between the page's <h1> and the region: the page has sections


def prose_before_region(region: list[int], labels: list[int], blocks, tags) -> bool:
    """Whether ``TITLE_GAP_PROSE`` characters of prose (GOOD blocks) lie between the page's first
    ``<h1>`` and the region: then the region is one section of a page of sections, widened as a
    front page's is (``FRONT_WIDEN_SHARE``).

    An article's body follows its title (a byline, a date or a lead between, which
    :func:`extend_region` joins); an inner landing page (a service's insurance page, a consulting
    offer) or a forum thread put whole paragraphs under the title before the part that won the core
    (an FAQ, the last posts). Near-good lines do not count: a promo box's tooltips before an
    article are not its sections. WCXB dev: service 0.8319 -> 0.8328 (halves +0.0015 / level),
    forums +0.0030 (both halves), collections +0.0004, articles and the other types unchanged.
    Services gain the same from 200 to 400 characters; at 150 (one prose block: an article's
    standfirst) two articles lose, so the limit sits in the middle of the flat range. Counting
    near-good lines too took one article down by 0.13.
    """
    start = region[0]
    title = False
    gap = 0
    for (_pos, text, _link, owner, el), lab in zip(blocks, labels):
        if el >= start:
            break
        if not title:
            title = tags[owner] == "h1"
        elif lab >= GOOD:
            gap += len(text)
            if gap >= TITLE_GAP_PROSE:
                return True
    return False


def widen_region(region: list[int], top: int, parent, good, share: float = WIDEN_SHARE) -> list[int]:
    """Several content regions: where the chosen region holds less than ``WIDEN_SHARE`` of the
    page's good text (``share``), it becomes the lowest ancestor of the core that holds
    ``WIDEN_COVER`` of it.

    A single-node extractor keeps one part of pages whose content is spread over sibling
    containers: a service page's ``<section>``s, a product page's description and specification
    blocks, a documentation page's sections, a thread's posts (WCXB's README names these). The
    ancestor holding most of the prose holds them all; the blocks inside it are still filtered by
    their labels (menus, link lists, furniture sections and flagged furniture stay out). On
    WCXB's dev pages this took word F1 from 0.755 to 0.797 (service 0.64 -> 0.81) with no loss
    on articles.
    """
    total = good[0]
    if not total or sum(good[r] for r in region) >= share * total:
        return region
    a = top
    while a > 0 and good[a] < WIDEN_COVER * total:
        a = parent[a]
    return [a]


SHORT_WIDEN_SHARE = 0.5  # a region holding under half of the page's text (short lines counted) is widened


def widen_over_short(region: list[int], top: int, parent, end, labels: list[int], blocks,
                     share: float = SHORT_WIDEN_SHARE) -> list[int]:
    """Several regions of short lines: where the region holds less than ``share`` of the
    page's text not labelled BAD (prose *and* short lines), it becomes the lowest ancestor of the
    core holding ``WIDEN_COVER`` of that text.

    :func:`widen_region` weighs prose only, so it misses pages whose content is mostly short lines
    beside one prose region: a listing's or collection's unlinked cards (a title, a price, a
    date each), a landing page's feature lists and figures beside its FAQ. Menus and link lists
    are BAD by link density and do not count; on an article the short lines outside its body
    (dates, bylines, sidebar headings) never outweigh it. On WCXB's dev pages: all 0.8470 ->
    0.8478, listings 0.654 -> 0.666, collections 0.631 -> 0.634, products 0.636 -> 0.637,
    articles unchanged, forums 0.774 -> 0.771 (one thread); the same test at 0.7, as in
    :func:`widen_region`, took service pages up but articles down.
    """
    own = [0] * len(end)  # per element, the text of its own blocks
    total = 0
    for (_pos, text, _link, _owner, el), lab in zip(blocks, labels):
        if lab >= SHORT:
            n = len(text)
            total += n
            own[el] += n
    text_in = SubtreeSums(own, end)
    inside = sum(text_in[r] for r in region)  # region roots are disjoint subtrees
    if not total or inside >= share * total:
        return region
    a = top
    while a > 0 and text_in[a] < WIDEN_COVER * total:
        a = parent[a]
    return [a]


# list items, table rows/cells and definition terms (an API reference's linked property names,
# each with its <dd>: WCXB documentation +0.0006, listings +0.0009, no type worse, both halves)
LINKED_ITEM_TAGS = frozenset(["li", "tr", "td", "dt"])
LINKED_ITEM_MAX_LINK = 0.9  # an item with a tenth of its text unlinked says more than its link
LINKED_PAGE_MIN = 10  # this many wholly linked items or headings inside the article: links are its content
LINKED_REPEAT_MAX = 2  # a linked line repeated more often than this is a template's label
LINKED_SENTENCE_WORDS = 4  # a linked paragraph ending in "." or ":" with this many words is a sentence...
LINKED_SENTENCES_MIN = 3  # ...and where the article holds this many, its cross-references are its own


def keep_linked_items(keep: list[bool], labels: list[int], base: list[int], blocks, tags, parent, flags,
                      inside: bytearray, furniture: bytearray) -> None:
    """Keep, in place, the linked list items and table rows *inside* the article: between the
    region's first and last prose block, an item or row that only its own link density made BAD
    (not flagged by class/id, not in a furniture section) and that has text of its own besides
    its link (``LINKED_ITEM_MAX_LINK``).

    Link density is the right test for menus and teaser lists around an article, but inside the
    article's span a list of linked items is its own: a course page's schedule of linked lecture
    notes, a reference list with its authors, a documentation page's list of linked entries with
    their descriptions (WCXB's documentation ground truth keeps them). Only where the region was
    not widened: a widened region can span the page's header, whose mega-menu sits between two
    parts of its content. On WCXB's dev pages: all 0.848 -> 0.850, documentation 0.912 -> 0.918,
    listings +0.009, articles +0.002, no type worse.

    A wholly linked definition term (``dt``) whose description (the ``dd`` right after it, or a
    paragraph in it) is output is that description's term, kept however few there are: MDN's
    "WebSocket.close()" before "Closes the connection." (WCXB documentation +0.0001: one page
    +0.011, two pages -0.001).

    Items that are wholly a link, and linked headings, are kept only where the article's span
    holds at least ``LINKED_PAGE_MIN`` of them: a page whose content is made of links (a
    tutorial's linked syllabus, a reference page's linked signature headings such as rustdoc's
    ``h4.code-header``, a chapter's table of contents). One to a few (a related-stories list with
    no heading, an inline menu, a promo's linked title) stay out: keeping those on every page cost
    trafilatura's evaluation pages four snippets of furniture for one of article text, with the
    threshold one each. A line repeated more than ``LINKED_REPEAT_MAX`` times (a thread's "Re:"
    post titles) and a bare web address stay out. On WCXB's dev pages: documentation 0.919 ->
    0.923, listings +0.008, collections +0.006, forums +0.003, articles +0.001, services -0.0003
    (two pages: a landing page's linked news headlines), the same on both halves by id parity.

    A short paragraph that link density made BAD but that is a sentence (it ends in "." or ":",
    has ``LINKED_SENTENCE_WORDS`` words and some unlinked text: "See pacman/Tips and tricks for
    more examples.", "Install Python.") is kept where the span holds ``LINKED_SENTENCES_MIN`` or
    more of them: documentation cross-references and setup steps. Menus, teaser titles and tag
    lines are not sentences; a lone paywall or "read also" sentence in an article is one, hence
    the count (kept singly they cost trafilatura's evaluation pages two snippets of furniture). On
    WCXB's dev pages: documentation 0.923 -> 0.925, articles +0.0002, no type worse, on both halves.
    """
    goods = [i for i, b in enumerate(blocks) if labels[i] >= NEAR and inside[b[4]]]
    if len(goods) < 2:
        return
    first, last = goods[0], goods[-1]
    linked, sentences = [], []
    for i in range(first + 1, last):
        b = blocks[i]
        if keep[i] or labels[i] != BAD or base[i] != BAD or furniture[i] or not inside[b[4]] or flags[b[4]]:
            continue
        tag, text = tags[b[3]], b[1]
        if tag in LINKED_ITEM_TAGS and b[2] < LINKED_ITEM_MAX_LINK * len(text):
            keep[i] = True
        elif (tag == "p" and b[2] < LINKED_ITEM_MAX_LINK * len(text) and text.rstrip()[-1:] in ".:"
              and text.count(" ") + 1 >= LINKED_SENTENCE_WORDS):
            sentences.append(i)
        elif ((tag in LINKED_ITEM_TAGS or tag in HEADINGS) and b[2] > MAX_SHORT_LINK_DENSITY * len(text)
              and not (text.startswith("http") and " " not in text)):
            d = blocks[i + 1][3]
            if tag == "dt" and keep[i + 1] and "dd" in (tags[d], tags[parent[d]]):
                keep[i] = True  # the term of a definition that is output (an API's linked member name)
            else:
                linked.append(i)
    if len(sentences) >= LINKED_SENTENCES_MIN:
        for i in sentences:
            keep[i] = True
    if len(linked) >= LINKED_PAGE_MIN:
        repeats = Counter(blocks[i][1] for i in linked)
        for i in linked:
            if repeats[blocks[i][1]] <= LINKED_REPEAT_MAX:
                keep[i] = True


LONE_TOC_PROSE = 1000  # a region keeping less prose than this is a chapter or index page...
LONE_TOC_ENTRIES = 3  # ...whose table of contents (this many lines or more) is its content
_TOC = re.compile(r"(?:^|[\s_\-])toc(?:$|[\s_\-])", re.IGNORECASE)


def keep_lone_toc(keep: list[bool], labels: list[int], base: list[int], blocks, names, end, flags,
                  inside: bytearray) -> None:
    """On a chapter or index page, keep, in place, the table of contents that is the region's content.

    Class rules flag an element named ``toc`` as furniture: beside an article or a documentation
    page's sections, a table of contents repeats the headings that follow it, and WCXB's ground
    truth leaves it out. A manual's chapter page (PostgreSQL's "Chapter 11. Indexes", a Sphinx or
    DocBook index page) is instead its table of contents and an introductory paragraph; the ground
    truth keeps the contents there. So where the region keeps less than ``LONE_TOC_PROSE`` of
    prose, a ``toc`` element inside it with ``LONE_TOC_ENTRIES`` lines or more and no prose of its
    own (no block labelled GOOD by its text, ``base``: a list of entries, not a page section some
    theme named ``toc-para``) is output whole.
    On WCXB's dev pages only such a chapter page changes (PostgreSQL's, word F1 0.51 -> 0.74;
    documentation 0.928 -> 0.931): every other page with a ``toc`` element in its region keeps
    over 3,000 characters of prose beside it, or has prose inside it (two articles whose theme
    names the body's paragraphs ``toc-para``; Readability's retry recovers them).
    """
    prose = 0
    for k, lab, b in zip(keep, labels, blocks):
        if k and lab >= NEAR:
            prose += len(b[1])
            if prose >= LONE_TOC_PROSE:
                return
    for ei, nm in names.items():
        if flags[ei] != 1 or not inside[ei] or "toc" not in nm.lower() or not _TOC.search(nm):
            continue
        lo, hi = ei, end[ei]
        ids = [i for i, b in enumerate(blocks) if lo <= b[4] <= hi]
        if len(ids) >= LONE_TOC_ENTRIES and all(base[i] != GOOD for i in ids):
            for i in ids:
                keep[i] = True


REFERENCE_ITEM_TAGS = frozenset(["li", "p", "dd", "dt", "td", "tr"])


def keep_reference_sections(keep: list[bool], labels: list[int], base: list[int], blocks, tags, flags,
                            inside: bytearray, furniture: bytearray) -> None:
    """Keep, in place, the linked lines of a cross-reference section of the region: under an
    output heading that names one (``REFERENCE_HEADINGS``: "See also", "References", "External
    links", "Next steps"...), up to the next heading of its level or above, the list items and
    paragraphs that only their link density made BAD (not flagged by class/id, not in a furniture
    section, not a boilerplate line).

    A documentation or wiki page ends with its cross-references: MDN's and ArchWiki's "See also",
    a manual's "References", a guide's "Next steps", each a list of links with little or no text
    of their own. Link density rightly drops such lists around an article, and
    :func:`keep_linked_items` keeps linked lines only between the region's first and last prose
    (and wholly linked ones only where there are many), so a closing list of a few links is lost;
    WCXB's documentation ground truth keeps them (on its dev pages, 62 of 70 such lines on 12
    documentation pages are in it, and most on articles' "References").
    """
    nb = len(blocks)
    i = 0
    while i < nb:
        b = blocks[i]
        tag = tags[b[3]]
        if not (keep[i] and tag in _LEVEL and len(b[1]) < 40 and REFERENCE_HEADINGS.match(b[1].strip())):
            i += 1
            continue
        level = _LEVEL[tag]
        i += 1
        while i < nb:
            b = blocks[i]
            tag = tags[b[3]]
            if tag in _LEVEL and _LEVEL[tag] <= level:
                break
            if (not keep[i] and base[i] == BAD and labels[i] == BAD and inside[b[4]] and not flags[b[4]]
                    and not furniture[i] and tag in REFERENCE_ITEM_TAGS
                    and b[2] > MAX_SHORT_LINK_DENSITY * len(b[1]) and not is_boilerplate_line(b[1])
                    and not is_bare_url(b[1])):
                keep[i] = True
            i += 1


CARD_REPEATS = 3  # a card is one of at least this many siblings of the same shape...
CARD_MAX_CHARS = 400  # ...holding at most this much text (a few lines, not a page section)
CARD_NEAR_LEVELS = 6  # a larger card (a teaser with a long excerpt): the nearest repeated ancestor this close
CARD_PAGE_SHARE = 0.7  # cards gaining lines hold this much of the output: the page is made of cards


class CardFinder:
    """The card a block belongs to (-1: none), found on demand: a repeated item of a grid or a list.

    Among the block owner's ancestors-or-self (the root aside) that are one of at least
    ``CARD_REPEATS`` siblings of the same shape (tag and first class) and hold at most
    ``CARD_MAX_CHARS`` of text, the most repeated one (the nearest of equals): a product grid's
    tile (repeated 30 times), not the rows inside one tile (repeated three times), nor the page
    sections above the grid. Where no such ancestor is small enough (a news card with a long
    excerpt), the nearest repeated ancestor at most ``CARD_NEAR_LEVELS - 1`` levels up.

    On demand because few blocks need a card (a page's linked lines and the output text of their
    cards): a sibling group's shapes are counted when one of its members is first asked about,
    not over every element of the page (which was most of :func:`keep_card_links`'s time).
    """

    def __init__(self, tags, names, parent, end, chars):
        self.tags, self.names, self.parent, self.end, self.chars = tags, names, parent, end, chars
        self._first: dict[str, str] = {}  # class/id names -> " " + first class ("" if none)
        self._reps: dict[int, int] = {}  # element -> siblings of its shape, itself included
        self._best: dict[int, int] = {}  # element -> the most repeated small ancestor-or-self (-1: none)
        self._cards: dict[int, int] = {}  # owner -> its card

    def repeats(self, i: int) -> int:
        """How many of its siblings (itself included) have i's shape (see ``_rep``)."""
        r = self._reps.get(i)
        return r if r is not None else self._rep(i)

    def _rep(self, i: int) -> int:
        """How many of its siblings (itself included) have i's shape; 0 where its parent has fewer than
        ``CARD_REPEATS`` children (none of them is a card). Counted for all the siblings at once."""
        r = self._reps.get(i)
        if r is not None:
            return r
        end, reps = self.end, self._reps
        kids = []
        k, last = self.parent[i] + 1, end[self.parent[i]]
        while k <= last:  # the children of i's parent: each subtree is the range [k, end[k]]
            kids.append(k)
            k = end[k] + 1
        if len(kids) < CARD_REPEATS:
            for k in kids:
                reps[k] = 0
            return 0
        tags, names, first = self.tags, self.names, self._first
        shapes = []
        for k in kids:
            nm = names.get(k)
            if nm is None:
                shapes.append(tags[k])
                continue
            c = first.get(nm)
            if c is None:
                parts = nm.split("\t", 1)[0].split(None, 1)
                c = first[nm] = " " + parts[0] if parts else ""
            shapes.append(tags[k] + c)
        count = Counter(shapes)
        for k, shape in zip(kids, shapes):
            reps[k] = count[shape]
        return reps[i]

    def card(self, owner: int) -> int:
        """The card of a block whose owner element is ``owner``."""
        c = self._cards.get(owner)
        if c is not None:
            return c
        parent, chars, reps, best = self.parent, self.chars, self._reps, self._best
        chain = []  # the small ancestors-or-self not yet known, nearest first
        a = owner
        while a > 0 and chars[a] <= CARD_MAX_CHARS:
            c = best.get(a)
            if c is not None:
                break
            chain.append(a)
            a = parent[a]
        else:
            c = -1
        if chain:
            most = reps[c] if c >= 0 else 0
            for a in reversed(chain):  # downwards: a nearer one wins when repeated as often
                r = reps.get(a)
                if r is None:
                    r = self._rep(a)
                if r >= CARD_REPEATS and r >= most:
                    c, most = a, r
                best[a] = c
        if c < 0:  # none: the nearest repeated ancestor, this close
            a = owner
            for _ in range(CARD_NEAR_LEVELS):
                if a <= 0:
                    break
                r = reps.get(a)
                if (r if r is not None else self._rep(a)) >= CARD_REPEATS:
                    c = a
                    break
                a = parent[a]
        self._cards[owner] = c
        return c


def keep_card_links(keep: list[bool], base: list[int], blocks, tree, flags, inside: bytearray,
                    furniture: bytearray, listing: bool = False) -> int:
    """On a page of cards, keep, in place, the linked lines of each card that has output text;
    returns the characters so kept.

    A card of a listing or a product grid is a repeated element (:class:`CardFinder`) holding a
    few short lines: a linked title, a linked author or brand, a price, a format, a date. Link
    density makes the linked ones BAD, so the output kept each card's unlinked lines ("Hardcover",
    "3 formats available") without the title they describe; :func:`listing_labels` recovers only
    titles of card length. WCXB's ground truth keeps the whole card. A linked line of the region
    (not flagged by class/id, not in a furniture section, BAD only by its links) is kept when its
    card has other output text, and

    * its text is not repeated in another card: "Add to cart", "Start course", "permalink" are
      the card's buttons, a title is its own;
    * it is not already in its card's output (a card's accessible summary spells its title out);
    * it is not a run of several links with nothing between them (colour swatches, tag strips);
    * the cards that gain lines, with their output text and these lines, hold ``CARD_PAGE_SHARE``
      of the page's output: the page is made of cards. On an article or a product page, the
      cards of a related-stories or related-products strip beside it stay out. Not asked of a
      page :func:`listing_labels` took for a listing (``listing``: little prose anywhere, more
      card text than prose), which is made of cards by that test: on a shop's grid whose long
      titles that rule keeps, the tiles gaining their short titles ("Headphone Stand") hold little
      of the output beside the tiles already whole. WCXB dev pages: listings 0.7186 -> 0.7225,
      collections 0.6935 -> 0.6982 (halves by id parity +0.008, +0.001; most of it one page, 0.53 -> 0.91),
      products -0.0003 (two product pages taken for listings gain one line each), the other types
      level.

    Menus do not qualify: their items are wholly a link, with no other output text. Not run on a
    thread (the caller), whose posts are cards with linked author lines. On WCXB's dev pages:
    listings 0.675 -> 0.712 (with the caller's retry not counting these lines), collections 0.634
    -> 0.645, all 0.850 -> 0.853, the other types level or better on each half of the pages split
    by id parity.

    Cards are looked up for the linked lines and for the output blocks inside their cards only.
    """
    linked = [i for i, b in enumerate(blocks)
              if base[i] == BAD and not keep[i] and inside[b[4]] and not flags[b[4]] and not furniture[i]
              and b[2] > MAX_SHORT_LINK_DENSITY * len(b[1])]
    if not linked:
        return 0
    tags, end = tree.tags, tree.end
    finder = CardFinder(tags, tree.names, tree.parent, end, tree.chars)
    card = finder.card
    lines: list[tuple[int, int]] = []  # (linked block, its card)
    for i in linked:
        c = card(blocks[i][3])
        if c >= 0:
            lines.append((i, c))
    if not lines:
        return 0
    # the output blocks of those cards (a card's blocks have their owner in its subtree), in order
    kept = sorted((b[3], i) for i, b in enumerate(blocks) if keep[i])
    owners = [o for o, _i in kept]
    card_text: dict[int, str] = {}
    for c in {c for _i, c in lines}:
        lo, hi = bisect_left(owners, c), bisect_right(owners, end[c])
        ids = sorted(i for o, i in kept[lo:hi] if card(o) == c) if lo < hi else None
        if ids:
            card_text[c] = "".join("\n" + blocks[i][1] for i in ids)
    lines = [(i, c) for i, c in lines if c in card_text and blocks[i][1] not in card_text[c]]
    if not lines:
        return 0
    # a line's text on no other block of a card (the line itself is on one)
    count = Counter(b[1] for b in blocks)
    repeated = {blocks[i][1] for i, _c in lines if count[blocks[i][1]] > 1}
    if repeated:
        in_card = Counter(b[1] for b in blocks if b[1] in repeated and card(b[3]) >= 0)
        lines = [(i, c) for i, c in lines if in_card[blocks[i][1]] <= 1]
    nb = len(blocks)
    chosen, gaining = [], set()
    for i, c in lines:
        b = blocks[i]
        stop = blocks[i + 1][4] if i + 1 < nb else len(tags)
        if b[2] >= len(b[1]) and tags[b[4]:stop].count("a") > 1:
            continue  # wholly links, and several of them
        chosen.append(i)
        gaining.add(c)
    if not chosen:
        return 0
    added = sum(len(blocks[i][1]) for i in chosen)
    in_cards = sum(len(t) - t.count("\n") for c, t in card_text.items() if c in gaining)
    total = sum(len(b[1]) for b, k in zip(blocks, keep) if k)
    if not listing and in_cards + added < CARD_PAGE_SHARE * (total + added):
        return 0
    for i in chosen:
        keep[i] = True
    return added


def figure_gaps(region: list[int], images, parent, end, bad) -> list[int]:
    """Sibling subtrees *between* two parts of the region that hold images and no bad text: the
    figures and galleries of an article, which have no prose of their own to be chosen by. Their
    images join the document; their text (credits, "Facebook") does not."""
    if len(region) < 2 or not images:
        return []
    with_image = set()
    for _pos, ei, _node in images:
        i = ei
        while i >= 0 and i not in with_image:
            with_image.add(i)
            i = parent[i]
    added = []
    by_parent: dict[int, list[int]] = {}
    for r in region:
        by_parent.setdefault(parent[r], []).append(r)
    for a, roots in by_parent.items():
        if len(roots) < 2 or a < 0:
            continue
        lo, hi = min(roots), max(roots)
        i = end[lo] + 1
        while i < hi:
            if i not in roots and i in with_image and bad[i] == 0:
                added.append(i)
            i = end[i] + 1
    return added


def keep_blocks(labels: list[int], blocks, tags, parent, inside) -> list[bool]:
    """Which blocks of the main-content region are output.

    Good, near-good and low (non-prose: code, tables, lists of facts) blocks are kept; bad ones and
    captions are not. Short blocks are kept between the region's first and last prose (good or
    near-good) block: list items, table cells, short sentences of the article. Outside that span
    a short block is kept when it is one of a run of three or more (a list, a table, a recipe's
    ingredients), when it sits in the same container as a prose block (a closing line, a
    signature), or when it is a heading before the first; an isolated short block elsewhere is
    page furniture (tags, dates, "no comments", share prompts). A region with no prose block
    keeps its short blocks.
    """
    nb = len(blocks)
    idx = [i for i, b in enumerate(blocks) if inside[b[4]]]
    goods = [i for i in idx if labels[i] >= NEAR]
    keep = [False] * nb
    if not goods:
        for i in idx:
            keep[i] = labels[i] >= 0
        return keep
    first, last = goods[0], goods[-1]
    prose_parents = {parent[blocks[i][3]] for i in goods}

    def keep_run(run: list[int]) -> None:
        for i in run:
            owner = blocks[i][3]
            keep[i] = (first < i < last or len(run) >= 3 or parent[owner] in prose_parents
                       or (i < first and tags[owner] in HEADINGS))

    # runs of consecutive short blocks (captions and bad blocks between them do not break a run)
    run: list[int] = []
    for i in idx:
        lab = labels[i]
        if lab == SHORT:
            run.append(i)
        elif lab >= LOW:  # low, near-good or good: kept, and the end of a run
            keep[i] = True
            if run:
                keep_run(run)
                run = []
    keep_run(run)
    return keep


def _structural_bad(block, label: int, flags) -> bool:
    """Dropped as page structure: a BAD block that is linked (a teaser's headline, a next/previous
    link, a menu) or inside furniture by class/id; not a credit, byline or date line, which
    block_labels also calls BAD from their words but which sit beside an article's own pictures."""
    if label != BAD:
        return False
    f = flags[block[4]]
    return f == 1 or (f != 2 and block[2] / len(block[1]) > MAX_SHORT_LINK_DENSITY)


def images_beside_dropped_text(tree, keep: list[bool], labels: list[int], flags, inside: bytearray,
                               levels: int = IMAGE_TEXT_LEVELS) -> None:
    """Take out of ``inside``, in place, the images whose nearest text was dropped as page structure.

    An image belongs with the text nearest to it. Climbing from the image (up to ``levels``
    ancestors), the first ancestor holding output text keeps it; the first holding text dropped as
    structure (:func:`_structural_bad`: linked, or furniture by class/id) and no output text takes
    it out: the picture illustrates what was left out, the thumbnail of a related story's teaser, a
    previous/next link, a product card of a grid whose names were dropped, a promo box. Captions,
    credit and byline lines and other text that is merely not output (short lines, text outside the
    region) do not decide. On Readability's test pages this took the images outside expected.html
    from 12.4% to 9.3% of ours, for 7 of 420 expected ones (a navigation table's city thumbnails, a
    labelled portrait); on WCXB's dev pages it leaves out 5% of the images of article pages (mostly
    teaser thumbnails, author pictures and calls to action) and 19% of those of collection pages.
    """
    parent, end, blocks = tree.parent, tree.end, tree.blocks
    shown = [ei for _pos, ei, _node in tree.images if inside[ei]]
    if not shown:
        return
    # per element, the kept and the dropped text of its own blocks, summed over subtrees
    n = len(parent)
    kept, dropped = [0] * n, [0] * n
    for b, k, lab in zip(blocks, keep, labels):
        if k:
            kept[b[4]] += len(b[1])
        elif lab == BAD and _structural_bad(b, lab, flags):
            dropped[b[4]] += len(b[1])
    kept_in, dropped_in = SubtreeSums(kept, end), SubtreeSums(dropped, end)
    for ei in shown:
        a = ei
        for _ in range(levels):
            a = parent[a]
            if a < 0:
                break
            if kept_in[a]:
                break
            if dropped_in[a]:
                inside[ei] = 0
                break


POST_CARD_WORDS = 3  # a kept line of at most this many words...
POST_CARD_REPEATS = 3  # ...whose shape (digits aside) comes back this often on a thread is a post's template
POST_CARD_CHARS = 60  # (and shorter than this)
_DIGITS = re.compile(r"\d+")
_LETTER = re.compile(r"[^\W\d_]")
POST_COUNTER_WORDS = 8  # a line with digits may have this many words ("1,234 posts · Joined 2015")


def _card_shape(text: str) -> str | None:
    """The shape (lower case, each run of digits as one) of a line that may be a post template's,
    else None: shorter than ``POST_CARD_CHARS``, and a label of at most ``POST_CARD_WORDS`` words or
    a line of counters of at most ``POST_COUNTER_WORDS`` ("12.3k 5 gold badges 40 silver badges",
    "842 posts · Joined 2015": WCXB forums +0.0010, halves +0.0014, +0.0005, other types level)."""
    if len(text) >= POST_CARD_CHARS:
        return None
    n = len(text.split())
    if n <= POST_CARD_WORDS or (n <= POST_COUNTER_WORDS and _DIGITS.search(text) is not None):
        return _DIGITS.sub("0", text.strip().lower())
    return None


def _bare_line(text: str) -> bool:
    """A line without a letter (a vote count, "#7", a date in digits) or of one character (a default
    avatar's initial): beside a post, never its words."""
    return len(text) < 2 or not _LETTER.search(text)


def drop_post_furniture(keep: list[bool], blocks) -> list[bool]:
    """On a discussion page, ``keep`` less the lines forum software prints beside every post: the
    author card's labels and counters ("Member", "Joined", "Posts: 1,234", "12 likes", "#7"),
    lines without a letter (vote counts, post numbers, bare dates in digits), and one-character
    lines (a default avatar's initial: WCXB forums +0.0002, both halves).

    A short line (:func:`_card_shape`) is furniture when its shape (lower case, each run of digits
    as one) comes back ``POST_CARD_REPEATS`` times or more among the kept lines: a post's template
    repeats with every post, while a reply's own words do not ("Thanks!" once, not in
    every post). jusText (Pomikálek 2011) keeps such short lines between good ones, which on a
    thread is every post's header. Only for threads (the caller's ``is_thread`` or JSON-LD
    declaration): on listings, tables and product pages a repeated short line is data ("In stock",
    a size, a price; on all of WCXB's pages: collections -0.015, listings -0.005). WCXB forum pages
    0.7746 -> 0.7761 (halves +0.0005, +0.0027), on the 42 forum pages (and 3 articles) read as threads.
    """
    shapes: Counter = Counter()
    short: dict[int, str] = {}
    out = list(keep)
    for i, (b, k) in enumerate(zip(blocks, keep)):
        if not k:
            continue
        text = b[1]
        if _bare_line(text):
            out[i] = False
            continue
        shape = _card_shape(text)
        if shape is not None:
            short[i] = shape
            shapes[shape] += 1
    for i, shape in short.items():
        if shapes[shape] >= POST_CARD_REPEATS:
            out[i] = False
    return out


# Names forum software gives a post's container, as a whole class token or its first part: XenForo's
# ``article.message``, phpBB's ``div.post``, vBulletin's ``postbit postcontainer``, Discourse's
# ``topic-post``, Stack Exchange's ``answer``. Not WordPress's ``post-123`` and ``has-post-thumbnail``,
# which every shop product and blog entry of a WordPress site carries (WooCommerce grids).
_POST_NAME = re.compile(r"(?:^|\s)(?:js-)?(?:post(?:bit|container)?|message|answer|reply|comment|topic|thread)s?"
                        r"(?=$|\s|[-_]+[^\d\s])", re.IGNORECASE)


def drop_post_cards(keep: list[bool], blocks, tree) -> list[bool]:
    """``keep`` less the lines of the author card every forum post repeats, found by the page's
    structure, for threads not read as such (:func:`is_thread` needs comment-named containers;
    XenForo's and phpBB's posts are named ``message`` and ``post``).

    A kept short line (:func:`_card_shape`) whose shape (lower case, each run of digits as one)
    comes back ``POST_CARD_REPEATS`` times or more is a template line when its copies sit in
    distinct posts: each copy's post is its nearest ancestor that is one of
    ``POST_CARD_REPEATS`` or more siblings of the same shape (tag and first class) and holds a
    kept line that is not such a short line (the post's own text); the largest group of sibling
    posts of one shape must number ``POST_CARD_REPEATS`` or more, hold at least half of the
    line's copies, and be named as posts (``_POST_NAME``). The lines without a letter or of one
    character inside those posts go too (post counts, vote counts, "#7", an avatar's initial). A
    product grid's tiles repeat their "In stock" and prices, and a listicle's sections their "Pros"
    and "Weight", but not in post-named containers (WCXB without the name test: collections
    -0.005, articles -0.0002; WooCommerce's ``post-551`` named as a post: collections -0.0005).
    WCXB forum pages with both rules 0.7746 -> 0.7840 (halves +0.0098, +0.0091; with
    :func:`drop_post_furniture` alone 0.7761), every other type level on both halves.
    """
    parent, end, tags, names = tree.parent, tree.end, tree.tags, tree.names
    occ: dict[str, list[int]] = {}
    own_owners = []
    for i in compress(range(len(keep)), keep):
        b = blocks[i]
        shape = _card_shape(b[1])
        if shape is not None:
            occ.setdefault(shape, []).append(i)
        else:
            own_owners.append(b[3])
    if len(own_owners) < POST_CARD_REPEATS or all(len(ix) < POST_CARD_REPEATS for ix in occ.values()):
        return keep
    own_owners.sort()
    finder = CardFinder(tags, names, parent, end, tree.chars)
    post_memo: dict[int, int] = {}

    n_own = len(own_owners)

    def post_of(owner: int) -> int:
        """The nearest ancestor of ``owner`` that is repeated among its siblings and holds a line of
        the post's own (0: none); remembered for every element walked through."""
        a = parent[owner]
        chain = []
        while a > 0:
            p = post_memo.get(a)
            if p is not None:
                a = p
                break
            j = bisect_left(own_owners, a)
            if j < n_own and own_owners[j] <= end[a] and finder.repeats(a) >= POST_CARD_REPEATS:
                break
            chain.append(a)
            a = parent[a]
        a = max(a, 0)
        for c in chain:
            post_memo[c] = a
        return a

    out = list(keep)
    posts_seen: set[int] = set()
    for ix in occ.values():
        if len(ix) < POST_CARD_REPEATS:
            continue
        groups: dict[tuple, set[int]] = {}
        for i in ix:
            p = post_of(blocks[i][3])
            if p > 0:
                groups.setdefault((parent[p], _shape(tags, names, p)), set()).add(p)
        if not groups:
            continue
        posts = max(groups.values(), key=len)
        if len(posts) < POST_CARD_REPEATS or 2 * len(posts) < len(ix):
            continue
        if not _POST_NAME.search(names.get(next(iter(posts)), "")):
            continue
        for i in ix:
            out[i] = False
        posts_seen.update(posts)
    if not posts_seen:
        return keep
    for i, (b, k) in enumerate(zip(blocks, out)):
        if k and _bare_line(b[1]) and post_of(b[3]) in posts_seen:
            out[i] = False
    return out


def drop_signatures(keep: list[bool], blocks, tree) -> list[bool]:
    """On a page of forum posts (read as a thread, or whose post cards :func:`drop_post_cards`
    found), ``keep`` less the blocks inside an element whose class or id names a signature
    (XenForo's ``message-signature``, Invision's ``ipsSignature``, vBulletin's
    ``signaturecontainer``): the lines a member appends to every post of theirs (links to their
    shop, a motto), never part of the reply. Only on such pages, for elsewhere the name says
    something else (an API's function signature in documentation, a signature product).
    WCXB forum pages 0.7840 -> 0.7866 (halves +0.0035, +0.0015), every other type unchanged."""
    parent, names = tree.parent, tree.names
    memo: dict[int, bool] = {}

    def signed(el: int) -> bool:
        chain = []
        a = el
        hit = False
        while a > 0:
            v = memo.get(a)
            if v is not None:
                hit = v
                break
            chain.append(a)
            nm = names.get(a)
            if nm and "signature" in nm.lower():
                hit = True
                break
            a = parent[a]
        for c in chain:
            memo[c] = hit
        return hit

    return [k and not signed(b[3]) for b, k in zip(blocks, keep)]
