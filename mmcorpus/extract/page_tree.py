"""A parsed page as flat arrays: junk removed in C, then one walk of the Lexbor tree.

Lexbor (selectolax) parses in C; everything Python does per node is the cost of extraction, so
the page is walked exactly once (selectolax's C ``traverse``, no Python recursion, depth-capped)
into parallel lists indexed by element number in document order. A subtree is then a contiguous
range ``[i, end[i]]``, so "everything inside this element" is a slice, never another walk.

* Junk removal (:func:`remove_junk`): non-content tags (script, style, svg, iframe, form
  controls...), hidden elements (``aria-hidden`` but on ``<img>``; and ``hidden``,
  ``display:none`` or ``visibility:hidden`` unless one holds half the page's text or is a closed
  ``role="tabpanel"``, a panel a control names in ``aria-controls`` or an FAQ answer after its
  question) and ARIA dialogs are
  decomposed; ``nav``, ``footer``, ``aside`` and landmark roles (navigation, banner, contentinfo,
  complementary...) too, unless a broken page put over 40% of its text inside one. The JSON-LD
  scripts met on the way are returned (structured-data fallback).
  Tags are matched by Lexbor tag id and attributes with one CSS query, which measured 40% faster
  than one selector list (Lexbor makes one tree pass per selector).
* Blocks: text at paragraph granularity. A block is the run of text between two block-level
  element boundaries (``p``, headings, ``li``, ``td``, ``div``...); whitespace is collapsed and a
  ``<br>`` becomes a line break inside its block. Each block keeps its link-text share, its
  innermost block element (``owner``) and the element its first text is in. The cells of a table
  row are one block, ``CELL_SEPARATOR`` between them (:func:`table_rows`).
* Flags per element (:mod:`mmcorpus.extract.class_rules`): 1 = inside an element whose class/id names
  page furniture (or a ``<noscript>``), unless that element holds an ``<article>``/``<main>``
  (Readability's exemption); 2 = inside a caption (``figcaption`` or a caption class, at most
  ``CAPTION_MAX_CHARS``; not one holding a heading). ``caption_flags`` holds the captions alone, for the retry view;
  ``thread_flags`` the flags less comment containers (class/id naming comments or replies, or
  ``itemprop="comment"``), for discussion pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from selectolax.lexbor import LexborHTMLParser

from mmcorpus.extract.class_rules import class_info

BLOCK_TAGS = frozenset([
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
    "blockquote", "pre", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "section",
    "article", "main", "figure", "figcaption", "hr", "address", "center", "details", "summary",
    "body", "html", "hgroup", "fieldset", "legend", "header", "footer", "nav", "aside", "form",
    "noscript",
])
JUNK_TAGS = (
    "script", "style", "template", "svg", "math", "iframe", "frame", "frameset", "object", "embed",
    "canvas", "rt", "rp", "button", "select", "textarea", "input", "dialog", "menu", "head",
)
LAYOUT_TAGS = ("nav", "footer", "aside")  # <header> opens HTML5 articles: left to the block rules
LAYOUT_ROLES = frozenset(["navigation", "banner", "contentinfo", "complementary", "menu", "menubar", "search"])
HIDDEN_ROLES = frozenset(["dialog", "alertdialog"])
LAYOUT_MAX_SHARE = 0.4  # a layout element holding more of the page's text than this is kept
# An element hidden by ``hidden`` or inline ``display:none`` / ``visibility:hidden`` holding more of
# the page's text than this is kept: pages that hide their whole content until a script shows it
# (shop themes, lockdown plugins, a framework's "visibility:hidden" wrapper against a flash of
# unstyled content) would otherwise lose it all (WCXB: documentation 0.902 -> 0.913). ``aria-hidden``
# always goes.
HIDDEN_MAX_SHARE = 0.5
QUESTION_MAX_CHARS = 200
# Elements holding the article besides <article> and <main> (Readability never flags their ancestors):
# ``itemprop="articleBody"`` or ``role="main"``, read by the walk (values matched exactly, as the CSS
# query ``[itemprop=articleBody],[role=main]`` would).
CAPTION_MAX_CHARS = 400  # a caption-classed element holding more text than this is not a caption
HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
# Never flagged by their class: the page itself, the article, links and images.
CLASS_EXEMPT = frozenset(["body", "html", "article", "main", "a", "img", "figure", "picture"])
BR = "\x00"  # stands for <br> inside a block's raw text (the parser never leaves a NUL in text)

# One selector per attribute name: a selector on an attribute the page lacks costs nothing. Of the
# inline styles only those that can hide (the words of ``_HIDDEN_STYLE``) are fetched: Lexbor tests the
# rest in C, where each one fetched is a Python node to build and read.
_ATTR_QUERY = "[hidden],[aria-hidden],[style*=none],[style*=hidden],[role]"
_HIDDEN_STYLE = re.compile("display: ?none|visibility: ?hidden")
_P = LexborHTMLParser("")
_JUNK_IDS = frozenset(_P.create_node(t).tag_id for t in JUNK_TAGS)
_LAYOUT_IDS = frozenset(_P.create_node(t).tag_id for t in LAYOUT_TAGS)
_REMOVED_IDS = _JUNK_IDS | _LAYOUT_IDS  # one look-up for the nine elements of ten that are neither
_SCRIPT_ID = _P.create_node("script").tag_id
_BUTTON_ID = _P.create_node("button").tag_id
_HEADING_IDS = frozenset(_P.create_node(t).tag_id for t in HEADINGS)

# Inline formatting elements: without a class or id they add nothing the rules use, so the walk
# folds them into their parent (fewer elements, same blocks and link counts).
TRANSPARENT_TAGS = frozenset([
    "span", "em", "strong", "b", "i", "u", "s", "small", "big", "sup", "sub", "font", "abbr",
    "acronym", "time", "mark", "cite", "q", "code", "kbd", "samp", "var", "dfn", "bdi", "bdo", "del",
    "ins", "label", "nobr", "tt", "strike",
])
# Element kinds as bits, cached per Lexbor tag id.
_BLOCK, _LINK, _BRK, _IMG, _NOSCRIPT, _FIGCAPTION, _PROTECT, _TRANSPARENT = 1, 2, 4, 8, 16, 32, 64, 128
_TEXT_ID = 2  # a text node (whitespace between elements)
_TAG_LAST = 0xC4  # Lexbor's fixed tag ids end here; custom elements get per-document ids
_NON_ELEMENT = frozenset([0, 1, 3, 4, 5])  # undef, end of file, document, comment, doctype
# SVG's camelCase names share tag ids with their lower-case HTML forms: never cached.
_SVG_CAMEL = [
    "altGlyph", "altGlyphDef", "altGlyphItem", "animateColor", "animateMotion", "animateTransform",
    "clipPath", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite",
    "feConvolveMatrix", "feDiffuseLighting", "feDisplacementMap", "feDistantLight", "feDropShadow",
    "feFlood", "feFuncA", "feFuncB", "feFuncG", "feFuncR", "feGaussianBlur", "feImage", "feMerge",
    "feMergeNode", "feMorphology", "feOffset", "fePointLight", "feSpecularLighting", "feSpotLight",
    "feTile", "feTurbulence", "foreignObject", "glyphRef", "linearGradient", "radialGradient",
    "textPath"
]
_NO_CACHE = frozenset(
    n.tag_id for n in LexborHTMLParser("<svg>" + "".join(f"<{t}></{t}>" for t in _SVG_CAMEL) + "</svg>").css("svg *")
)
_KIND: dict[int, tuple[str, int]] = {}


def _heading_control(attrs: dict, name: str | None) -> bool:
    """Whether a link inside a heading is the heading's own control rather than a link elsewhere: its
    permalink (``href="#<the heading's id>"``, MDN's and many CMSs' section anchors) or the toggle of
    an accordion or disclosure (``aria-controls``, ``role="button"``; WAI-ARIA's accordion pattern
    puts the button in the heading). Its text is the heading's, so it does not count as link text:
    a section heading or an FAQ question is not navigation."""
    if "aria-controls" in attrs or attrs.get("role") == "button":
        return True
    return name is not None and attrs.get("href") == "#" + name.partition("\t")[2]


def _kind_of(node, tid: int) -> tuple[str, int] | None:
    if tid in _NON_ELEMENT:
        return None
    tag = node.tag
    if not tag or tag[0] in "-!":
        return None
    kind = _BLOCK if tag in BLOCK_TAGS else 0
    if tag == "a" or ("-" in tag and "href" in node.attributes):
        # a custom element with an href (``<dropdown-item href=...>``, a web component's menu entry)
        # is a link; custom tag ids are per document, so this runs per element and is never cached
        kind |= _LINK
    elif tag == "br":
        kind |= _BRK
    elif tag == "img":
        kind |= _IMG
    elif tag == "noscript":
        kind |= _NOSCRIPT
    elif tag == "figcaption":
        kind |= _FIGCAPTION
    elif tag in ("article", "main"):
        kind |= _PROTECT
    elif tag in TRANSPARENT_TAGS:
        kind |= _TRANSPARENT
    out = (tag, kind)
    if tid < _TAG_LAST and tid not in _NO_CACHE:
        _KIND[tid] = out
    return out


def _sort_shown(node, a, role: str | None, hidden: list, layout: list) -> None:
    """File an element that is not junk by its attributes: hidden by ``hidden`` or inline style
    (removed if it holds little of the page), a layout landmark, or neither (kept). A closed tab
    (code in other languages, a product's specifications) is content."""
    if role == "tabpanel":
        return
    style = a.get("style")
    if "hidden" in a or (style and _HIDDEN_STYLE.search(style)):
        hidden.append(node)
    elif role in LAYOUT_ROLES:
        layout.append(node)


def _controlled_ids(root) -> set[str]:
    """The ids named by a control's ``aria-controls``: the panels of accordions, disclosures and
    tabs (WAI-ARIA Authoring Practices 1.2), which a script shows when the reader opens them."""
    controlled = set()
    for control in root.css("[aria-controls]"):
        controlled.update((control.attributes.get("aria-controls") or "").split())
    return controlled


# React's streamed server rendering (``renderToPipeableStream``, used by Next.js and GitBook): content
# that finishes late is sent at the end of the body as ``<div hidden id="S:4">``, and an inline script
# (``$RC("B:4","S:4")`` for a Suspense boundary, ``$RS("S:4","P:4")`` for a segment) moves it into
# the empty ``<template id="B:4">`` (or ``P:4``) left where it belongs.
_SEGMENT_ID = re.compile(r"S:[0-9a-z]+$")
_SEGMENT_SWAP = re.compile(r'\$R([CS])\("([^"]+)","([^"]+)"\)')


def _place_segments(root, segments: list, scripts: list) -> None:
    """Do what React's inline scripts would: move each hidden streamed segment (``segments``) to
    the placeholder its ``$RC``/``$RS`` call in ``scripts`` names, so that its text is read where
    the page shows it. A segment whose placeholder is not found stays where it is, shown: the
    reader sees it once the script runs. The hidden segments are the page's own content (the
    body of a GitBook chapter, a Next.js page's article or product details): dropped as hidden,
    they cost WCXB pages most of their text."""
    target = {}  # segment id -> placeholder id
    for script in scripts:
        text = script.text()
        if "$R" in text:
            for kind, first, second in _SEGMENT_SWAP.findall(text):
                if kind == "C":
                    target[second] = first
                else:
                    target[first] = second
    if not target:
        return
    holders = {node.attributes.get("id"): node for node in root.css("template[id]")}
    for seg in segments:
        holder = holders.get(target.get(seg.attributes.get("id")))
        if holder is not None:
            holder.insert_before(seg, move=True)


def _section_toggle(button) -> bool:
    """Whether a ``<button>`` is a section's title that opens it: one inside a heading (WAI-ARIA's
    accordion pattern, ``<h3><button aria-expanded>Question</button></h3>``, Bootstrap's
    ``accordion-header``) or holding one (a tab or FAQ trigger wrapping its ``<h4>``). Its text is
    the heading of the panel it opens, the question an FAQ answers, the name of a tab; other
    buttons ("Add to cart", "Menu", "Close") are controls and go as junk. WCXB dev: service
    +0.0015, collections +0.003, products +0.0005, the other types level."""
    par = button.parent
    if par is not None and par.tag_id in _HEADING_IDS:
        return True
    # a walk of the button's few nodes: a CSS query parses its selector list on every call (4x slower)
    return any(node.tag_id in _HEADING_IDS for node in button.traverse())


def _answers_question(node) -> bool:
    """Whether a hidden element is the closed answer of an FAQ: its previous sibling element is a
    short question (text ending in "?"). Script-driven accordions without ARIA (a React FAQ that
    folds its answers with ``visibility:hidden``) name no panel in ``aria-controls``, but the
    question above the answer says what it is. WCXB dev: service +0.0015, products +0.004,
    listings +0.006, articles +0.0002, no type worse on either half of the pages by id parity;
    keeping aria-hidden elements after a question as well left service level (-0.0002, halves
    +0.001 / -0.002), so those still go."""
    prev = node.prev
    while prev is not None and (prev.tag_id in _NON_ELEMENT or prev.tag_id == _TEXT_ID):
        prev = prev.prev
    if prev is None:
        return False
    text = prev.text(strip=True)
    return 0 < len(text) <= QUESTION_MAX_CHARS and text.endswith("?")


def remove_junk(root) -> list[str]:
    """Decompose non-content tags, hidden elements and layout blocks under ``root``; return the
    JSON-LD scripts seen on the way (structured data, :mod:`mmcorpus.extract.structured_data`).
    A ``<button>`` that is a section's toggle (:func:`_section_toggle`) is not junk.

    ``aria-hidden="true"`` goes, but on an ``<img>`` and on a panel whose ``id`` a control names in
    ``aria-controls``: WAI-ARIA's accordion and disclosure patterns (WAI-ARIA Authoring Practices
    1.2) hide a closed answer or section that way until the reader opens it, and WCXB's ground
    truth keeps them (service FAQs, collection pages' category guides: word F1 service 0.809 ->
    0.812, collections 0.634 -> 0.650, documentation +0.001, no type worse). Such a panel is
    content however it is hidden: accordions and tabs close theirs as often with ``hidden`` or an
    inline ``display:none`` / ``visibility:hidden`` (AEM's ``cmp-accordion__panel``, a course
    list's collapsed descriptions, a landing page's service tabs), so a ``hidden`` or style-hidden
    element whose ``id`` a control names is kept too (WCXB service 0.820 -> 0.826, articles
    +0.001, the other types level; both halves of the pages by id parity gain).
    So is a hidden element right after a question, an FAQ's closed answer
    (:func:`_answers_question`).
    """
    junk, layout, hidden = [], [], []
    json_ld = []
    for node in root.traverse():
        tid = node.tag_id
        if tid not in _REMOVED_IDS:
            continue
        if tid in _LAYOUT_IDS:
            layout.append(node)
        elif not (tid == _BUTTON_ID and _section_toggle(node)):
            junk.append(node)
            if tid == _SCRIPT_ID and "ld+json" in (node.attributes.get("type") or ""):
                json_ld.append(node.text())
    last = 0
    panels = []  # aria-hidden elements with an id: a closed panel if a control names it
    for node in root.css(_ATTR_QUERY):
        mid = node.mem_id
        if mid == last:  # a node matching several selectors is reported once per selector, adjacently
            continue
        last = mid
        a = node.attributes
        role = a.get("role")
        # aria-hidden on an <img> only hides a duplicate of its alt text from screen readers (Wikipedia's
        # formula renders, figures with a text equivalent): the picture is still shown
        if role in HIDDEN_ROLES:
            junk.append(node)
        elif a.get("aria-hidden") == "true" and node.tag != "img":
            (panels if a.get("id") else junk).append(node)
        else:
            _sort_shown(node, a, role, hidden, layout)
    if panels or any("id" in node.attributes for node in hidden):
        controlled = _controlled_ids(root)
        for node in panels:
            if node.attributes["id"] in controlled:
                _sort_shown(node, node.attributes, node.attributes.get("role"), hidden, layout)
            else:
                junk.append(node)
        if controlled:
            hidden = [node for node in hidden if node.attributes.get("id") not in controlled]
    if hidden:
        others, segments = [], []
        for node in hidden:
            (segments if _SEGMENT_ID.match(node.attributes.get("id") or "") else others).append(node)
        if segments:
            hidden = others
            _place_segments(root, segments, [node for node in junk if node.tag_id == _SCRIPT_ID])
    if hidden:
        hidden = [node for node in hidden if not _answers_question(node)]
    for node in junk:
        node.decompose()
    if layout or hidden:
        # every decision on the same tree, before any element is removed
        total = len(root.text())
        limit = total * LAYOUT_MAX_SHARE
        hlimit = total * HIDDEN_MAX_SHARE
        drop = [node for node in hidden if len(node.text()) <= hlimit]
        drop += [node for node in layout if len(node.text()) <= limit]
        for node in drop:
            node.decompose()
    return json_ld


class Block(NamedTuple):
    """One text block of a page, in document order."""

    pos: int  # position in document order (shared with images, so text and images interleave)
    text: str
    link_chars: int  # characters of the text inside <a>
    owner: int  # the block element (<p>, <li>, <td>, ...) that holds the text
    element: int  # the first element whose text is in the block


class ImageSlot(NamedTuple):
    """One <img> of a page, in document order."""

    pos: int  # position in document order (see Block.pos)
    element: int  # its element index in the tree's arrays
    node: Any  # the Lexbor node, for its attributes


@dataclass
class PageTree:
    """One page body as parallel arrays over its elements (index = document order)."""

    tags: list[str]
    parent: list[int]  # -1 for the root
    end: list[int]  # last element index inside each element's subtree
    chars: list[int]  # text characters in the subtree
    links: list[int]  # text characters inside <a> in the subtree
    names: dict[int, str]  # element -> "class<TAB>id", for elements that have either
    blocks: list[Block]
    images: list[ImageSlot]  # at most max_images
    flags: bytearray  # 1 = furniture by class/id or <noscript>, 2 = caption (see module doc)
    caption_flags: bytearray  # captions only
    thread_flags: bytearray | None  # flags less comment containers (None: the page names none)
    n_img: int  # <img> elements seen
    depth_capped: bool  # elements deeper than max_depth were skipped


def _norm(raw: str) -> str:
    """Collapse whitespace; a ``<br>`` becomes a line break inside the block."""
    if BR not in raw:
        return " ".join(raw.split())
    return "\n".join(line for line in (" ".join(part.split()) for part in raw.split(BR)) if line)


def _pre(raw: str) -> str:
    """Preformatted text (code): line breaks and indentation kept, trailing spaces and blank edges
    dropped."""
    lines = [line.rstrip() for line in raw.replace(BR, "\n").expandtabs(4).split("\n")]
    return "\n".join(lines).strip("\n")


_new_tuple = tuple.__new__  # a NamedTuple's own constructor is a Python-level call: 1.6x slower


def _add_block(blocks: list, buf: list[str], pos: int, link: int, owner: int, el: int, tags: list[str]) -> None:
    """Close the text run ``buf`` into a block, unless it is only whitespace."""
    raw = "".join(buf)
    text = _pre(raw) if tags[owner] == "pre" else _norm(raw)
    if text:
        blocks.append(_new_tuple(Block, (pos, text, link * len(text) // len(raw), owner, el)))


CELL_SEPARATOR = " | "  # between the cells of one table row


def table_rows(blocks: list[tuple], tags: list[str], parent: list[int]) -> list[tuple]:
    """One block per table row: the blocks of consecutive cells (``td``/``th`` holding their text
    directly) of the same ``<tr>`` joined with ``CELL_SEPARATOR``.

    A row read as one line keeps what its cells mean together ("Weight | 1.2 kg", "Arsenal | 3 |
    1 | Chelsea"); one line per cell leaves a column of numbers that no reader (and no model) can
    put back. Cells that hold paragraphs or layout (old table-layout pages) have blocks of their
    own elements and are left as they are.
    """
    out: list[tuple] = []
    row = -1
    for b in blocks:
        owner = b[3]
        if tags[owner] in ("td", "th") and tags[parent[owner]] == "tr":
            tr = parent[owner]
            if tr == row:
                pos, text, link, first_owner, el = out[-1]
                out[-1] = (pos, text + CELL_SEPARATOR + b[1], link + b[2], first_owner, el)
                continue
            row = tr
        else:
            row = -1
        out.append(b)
    return out


def build_page_tree(root, max_depth: int, max_images: int) -> PageTree:
    """Walk ``root`` (after :func:`remove_junk`) once into a :class:`PageTree`.

    Each element's class and id are read from its attributes as the walk meets it: a query for
    ``[class],[id]`` first made one more C pass over the tree per selector and a Python node per
    match, which cost more (WCXB: 0.9 s against 0.6 s; two thirds of the elements have one).
    """
    tags: list[str] = []
    parent: list[int] = []
    depth: list[int] = []
    block_of: list[int] = []
    in_link: list[bool] = []
    own: list[int] = []
    own_link: list[int] = []
    names: dict[int, str] = {}
    blocks: list[Block] = []
    images: list[ImageSlot] = []
    special: list[tuple[int, int]] = []  # (element, kind) of noscript / figcaption / article / main
    protected: list[int] = []  # elements with itemprop="articleBody" or role="main": hold the article
    index: dict[int, int] = {}
    get = index.get
    kinds = _KIND
    buf: list[str] = []
    buf_pos = buf_link = 0
    buf_blk = buf_el = -1
    n_img = 0
    capped = False
    for pos, node in enumerate(root.traverse(include_text=True)):
        tid = node.tag_id
        if tid == _TEXT_ID:
            t = node.text_content
            if not t or t.isspace():
                if buf:  # the space between two inline elements ("<a>x</a> <a>y</a>") separates words
                    buf.append(t if tags[buf_blk] == "pre" else " ")
                continue
            pi = get(node.parent.mem_id)
            if pi is None or tags[pi] == "noscript":  # noscript parsed as raw text: markup, not prose
                continue
        else:
            tk = kinds.get(tid)
            if tk is None:
                tk = _kind_of(node, tid)
                if tk is None:
                    continue
            if pos:
                pi = get(node.parent.mem_id)
                if pi is None:
                    continue
                d = depth[pi] + 1
                if d > max_depth:
                    capped = True
                    continue
                lnk = in_link[pi]
                b = block_of[pi]
            else:
                pi, d, lnk, b = -1, 0, False, 0
            tag, kind = tk
            if kind & _BRK:  # a line break in its parent's block: a piece of text, not an element
                t = BR
            else:
                mid = node.mem_id
                a = node.attributes
                nm = None
                if a:  # a third of the elements have no attribute: no look-ups
                    prop = a.get("itemprop")
                    if "class" in a or "id" in a or prop == "comment":
                        cls = a.get("class") or ""
                        if prop == "comment":  # schema.org's reader comment: named as one (flags, thread view)
                            cls += " comment"
                        nm = f"{cls}\t{a.get('id') or ''}"
                    if prop == "articleBody" or a.get("role") == "main":
                        protected.append(pi if kind == _TRANSPARENT and nm is None else len(tags))
                if kind == _TRANSPARENT and nm is None:
                    index[mid] = pi  # folded into its parent
                    continue
                ei = len(tags)
                index[mid] = ei
                tags.append(tag)
                parent.append(pi)
                depth.append(d)
                own.append(0)
                own_link.append(0)
                if nm is not None:
                    names[ei] = nm
                if kind & _BLOCK:
                    b = ei
                    if buf:
                        _add_block(blocks, buf, buf_pos, buf_link, buf_blk, buf_el, tags)
                        buf, buf_link = [], 0
                    buf_blk = -1
                block_of.append(b)
                if kind & _LINK and tags[b] in HEADINGS and _heading_control(a, names.get(b)):
                    kind = 0  # the heading's own text, not a link to elsewhere
                in_link.append(lnk or bool(kind & _LINK))
                if kind & _IMG:
                    n_img += 1
                    if n_img <= max_images:
                        images.append(ImageSlot(pos, ei, node))
                elif kind & (_NOSCRIPT | _FIGCAPTION | _PROTECT):
                    special.append((ei, kind))
                continue
        # a piece of text (or a <br>) in the block of element ``pi``
        b = block_of[pi]
        if b != buf_blk:
            if buf:
                _add_block(blocks, buf, buf_pos, buf_link, buf_blk, buf_el, tags)
                buf, buf_link = [], 0
            buf_pos, buf_blk, buf_el = pos, b, pi
        buf.append(t)
        if t is not BR:
            k = len(t)
            own[pi] += k
            if in_link[pi]:
                own_link[pi] += k
                buf_link += k
    if buf:
        _add_block(blocks, buf, buf_pos, buf_link, buf_blk, buf_el, tags)
    blocks = table_rows(blocks, tags, parent)

    n = len(tags)
    end = list(range(n))
    chars = own
    links = own_link
    for i in range(n - 1, 0, -1):
        p = parent[i]
        chars[p] += chars[i]
        links[p] += links[i]
        if end[i] > end[p]:
            end[p] = end[i]
    flags, caption_flags, thread_flags = _flags(tags, parent, end, chars, names, special, protected, blocks)
    return PageTree(tags, parent, end, chars, links, names, blocks, images, flags, caption_flags, thread_flags,
                    n_img, capped)


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _heading_anchor(ei: int, name: str, tags: list[str], end: list[int], blocks) -> bool:
    """Whether an element's furniture name is only its id, and that id is the anchor of the heading
    that opens it: a documentation section ``<section id="cookies"><h3>Cookies</h3>`` (docutils and
    Sphinx name every section so), whose id names its topic, not a cookie banner. A class that names
    furniture still flags it. WCXB dev: documentation +0.0005 (two pages), no page worse;
    Readability's Mercurial guide 0.61 -> 0.94 word F1. Only elements so flagged are looked at."""
    cls, _, ident = name.rpartition("\t")
    h = ei + 1
    if not ident or h > end[ei] or tags[h] not in HEADINGS or class_info(cls + "\t").unlikely:
        return False
    for b in blocks:
        if b[3] == h:
            return _slug(b[1]) == _slug(ident)
    return False


def _flags(tags, parent, end, chars, names, special, protected,
           blocks) -> tuple[bytearray, bytearray, bytearray | None]:
    n = len(tags)
    furniture = [ei for ei, kind in special if kind & _NOSCRIPT]
    captions = [ei for ei, kind in special if kind & _FIGCAPTION]
    comments = set()
    for ei, nm in names.items():
        if tags[ei] in CLASS_EXEMPT:  # tested first: the exempt elements (links mostly) have names of their own
            # (WCXB: a sixth of the distinct class/id strings), whose class tests it saves
            continue
        info = class_info(nm)
        if info.unlikely or info.caption:
            if info.unlikely:
                if _heading_anchor(ei, nm, tags, end, blocks):
                    continue
                furniture.append(ei)
                if info.comment:
                    comments.add(ei)
            elif chars[ei] <= CAPTION_MAX_CHARS:
                captions.append(ei)
    flags = bytearray(n)
    thread_flags = bytearray(n) if comments else None
    if furniture:
        # Readability: never flag an element that holds the article
        protected = [ei for ei, kind in special if kind & _PROTECT] + protected
        holds_article: set[int] = set()
        for i in protected:
            while i >= 0 and i not in holds_article:
                holds_article.add(i)
                i = parent[i]
        for r in furniture:
            if r not in holds_article:
                flags[r:end[r] + 1] = b"\x01" * (end[r] + 1 - r)
                if thread_flags is not None and r not in comments:
                    thread_flags[r:end[r] + 1] = b"\x01" * (end[r] + 1 - r)
    caption_flags = bytearray(n)
    for r in captions:
        # A caption is a sentence or a credit under a picture; a ``figcaption`` (or caption-classed
        # element) holding a heading is the body of a card or a section laid out as a figure: a
        # product grid written as ``figure > img + figcaption > h3 + price``. WCXB: collections
        # 0.645 -> 0.661 (two product grids of a shop, 0.08 -> 0.80 and 0.09 -> 0.84), products
        # +0.0007, the other types level.
        if any(t in HEADINGS for t in tags[r + 1:end[r] + 1]):
            continue
        caption_flags[r:end[r] + 1] = b"\x02" * (end[r] + 1 - r)
        flags[r:end[r] + 1] = b"\x02" * (end[r] + 1 - r)
        if thread_flags is not None:
            thread_flags[r:end[r] + 1] = b"\x02" * (end[r] + 1 - r)
    return flags, caption_flags, thread_flags


def noscript_twins(tree: PageTree, names_url: Callable[[Any], bool]) -> dict[int, int]:
    """Lazy-loaded pictures and their ``<noscript>`` fallback: ``{shown slot: noscript slot}``
    (indices into ``tree.images``).

    A lazy-loading page shows a placeholder ``<img>`` (a blurred 60-px thumbnail, a grey pixel)
    that a script swaps for the real file, and puts ``<noscript><img src="real"></noscript>``
    right after it for readers without scripts. The two are one picture: the shown element sits
    where the picture is (region, caption, furniture flags), the ``<noscript>`` one names the real
    file. As in Mozilla Readability's ``_unwrapNoscriptImages``: the ``<noscript>`` holds exactly
    one image, and its previous element sibling (skipping images that name no URL) is a single
    image, an ``<img>`` or an element holding one image (``names_url``) and no text.
    """
    tags, parent, end, chars = tree.tags, tree.parent, tree.end, tree.chars
    slots = tree.images
    slot_of = {ei: k for k, (_pos, ei, _node) in enumerate(slots)}
    in_noscript: dict[int, list[int]] = {}
    for k, (_pos, ei, _node) in enumerate(slots):
        a = parent[ei]
        for _ in range(3):  # <noscript><img>, <noscript><picture><img>, one wrapper more
            if a < 0:
                break
            if tags[a] == "noscript":
                in_noscript.setdefault(a, []).append(k)
                break
            a = parent[a]
    out: dict[int, int] = {}
    for ns, ks in in_noscript.items():
        p = parent[ns]
        if len(ks) != 1 or p < 0:
            continue
        sib = ns - 1
        while sib > p:
            while parent[sib] != p:  # the element before ``ns`` is the last one inside its previous sibling
                sib = parent[sib]
            k = slot_of.get(sib)
            if k is None or names_url(slots[k][2]):
                break
            sib -= 1  # an image naming no URL (its src is set by script): look one sibling further back
        if sib <= p or chars[sib]:
            continue
        shown = [slot_of[e] for e in range(sib, end[sib] + 1) if e in slot_of and names_url(slots[slot_of[e]][2])]
        if len(shown) == 1 and shown[0] not in out:
            out[shown[0]] = ks[0]
    return out
