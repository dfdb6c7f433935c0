"""HTML page -> interleaved Document (text blocks and images in page order).

The page is decoded (:mod:`mmcorpus.extract.decode`), parsed once by Lexbor (selectolax; C, ~30x
faster than BeautifulSoup on real pages, see docs/extraction.md), cleaned and walked once into
flat arrays (:mod:`mmcorpus.extract.page_tree`); each text block gets a label from its own text
(:mod:`mmcorpus.extract.block_labels`) and the main content is chosen on those arrays
(:mod:`mmcorpus.extract.main_content`). Images are resolved (:mod:`mmcorpus.extract.image_urls`) only inside the
main content. The output layout is OBELICS's (Laurençon et al., 2023): parallel ``texts`` /
``images`` lists, one ``None`` per position. KOSMOS-1 (arXiv 2302.14045, section 2.1) builds its
interleaved data the same way from Common Crawl pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urljoin

import numpy as np
from selectolax.lexbor import LexborHTMLParser

from mmcorpus.config import ExtractConfig
from mmcorpus.data import Document, HtmlRecord, ImageRef, document_id
from mmcorpus.extract import image_urls, structured_data
from mmcorpus.extract import main_content as boilerplate
from mmcorpus.extract.block_labels import text_labels
from mmcorpus.extract.decode import looks_binary, parser_input
from mmcorpus.extract.page_tree import CAPTION_MAX_CHARS, build_page_tree, noscript_twins, remove_junk
from mmcorpus.extract.prescan import prescan
from mmcorpus.ledger import CountFn, no_count, outcome
from mmcorpus.urls import is_front_page

try:
    from importlib.metadata import version as _version

    EXTRACTOR = "mmcorpus-" + _version("mmcorpus")
except Exception:  # pragma: no cover - not installed
    EXTRACTOR = "mmcorpus-0.1.0"

_VOID_OR_IMPLIED = frozenset(
    b"area base br col embed hr img input link meta param source track wbr p li dt dd option "
    b"tr td th tbody thead tfoot colgroup rt rp optgroup caption".split()
)
_TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9]{0,15})[^>]{0,4096}?(/?)>")
_TEXT_CT = ("html", "xml", "text/plain")
PREFILTER_SAMPLE_CHARS = 600
_JSON_LD_CSS = 'script[type="application/ld+json"]'
_AFTER_ALL = 1 << 62  # position of text that has no place in the page (structured data): the end
_CAPTION_CSS = "[class*=caption],[class*=Caption],[class*=credit],[class*=legende],[class*=bildunterschrift]"
# A page-level check run on a sample of the page's paragraph text before the main-content rules;
# it returns a drop reason (counted as extract/dropped:<reason>) or None to go on.
PageFilter = Callable[[str], "str | None"]


_CHUNK_BITS = 15  # the prefix bound is checked at the end of every 2**15-byte (32 KB) chunk


def estimated_depth(body: bytes, limit: int) -> int:
    """Open-minus-closed tag depth, ignoring void and implicitly closed tags (a cheap bound that
    catches pathological nesting before the HTML parser, whose cost grows with depth^2)."""
    # The positions of "<" from one vectorised pass over the bytes (numpy): the two bounds below
    # took a ``bytes.count`` pass each for "<" and "</" (about 4% of extraction CPU on WCXB).
    page = np.frombuffer(body, np.uint8)
    opens = np.flatnonzero(page == 60)  # "<"
    if len(opens) <= limit:  # fewer tags than the limit: no deeper nesting possible
        return 0
    # Cheap bound next: in every prefix, "<" not followed by "/" minus "</" is >= the depth there;
    # checked at each chunk's end, a "</" counted in its chunk only when both bytes are in it.
    # (A "<" ending the page is compared with itself, so it is not a "</".)
    after = opens + 1
    closes = ((after & ((1 << _CHUNK_BITS) - 1)) != 0) & (page[np.minimum(after, len(page) - 1)] == 47)
    per_chunk = np.bincount(opens >> _CHUNK_BITS, weights=1 - 2 * closes.astype(np.int64))
    if max(0, int(np.cumsum(per_chunk).max())) <= limit:
        return 0
    return tag_depth(body, limit)


def tag_depth(body: bytes, limit: int) -> int:
    """The deepest open-minus-closed tag nesting of ``body`` (void and implicitly closed tags
    left out), read tag by tag; it stops once past ``limit``. :func:`estimated_depth`'s exact
    step, after its cheap bounds."""
    depth = best = 0
    for m in _TAG.finditer(body):
        if m.group(1):
            depth = depth - 1 if depth else 0
        elif not m.group(3) and m.group(2).lower() not in _VOID_OR_IMPLIED:
            depth += 1
            if depth > best:
                best = depth
                if best > limit:
                    break
    return best


def _picture_srcsets(node) -> list[str]:
    """The srcsets of the ``<source>`` elements of the ``<picture>`` holding ``node``, if any."""
    par = node.parent
    out = []
    if par is not None and par.tag == "picture":
        for src in par.css("source"):
            ss = src.attributes.get("srcset") or src.attributes.get("data-srcset")
            if ss:
                out.append(ss)
    return out


def _names_url(node) -> bool:
    """Whether an ``<img>`` names any image URL (``src``, ``srcset``, lazy attributes), or sits
    in a ``<picture>`` whose sources may."""
    par = node.parent
    return bool(image_urls.candidates(node.attributes)) or (par is not None and par.tag == "picture")


def _image_ref(node, base: str, min_side: int, captions: CaptionIndex, real=None) -> ImageRef | None:
    """The image of ``<img>`` ``node``; ``captions`` is its page's :class:`CaptionIndex`; ``real`` is
    its ``<noscript>`` twin
    (:func:`~mmcorpus.extract.page_tree.noscript_twins`), whose URLs name the real file and come
    first; the shown element's ``src`` is then the script's placeholder and is left out."""
    attrs = node.attributes
    cands = image_urls.resolved_candidates(attrs, _picture_srcsets(node), base)
    if real is not None:
        placeholder = image_urls.resolve(attrs.get("src") or "", base)
        shown = [u for u in cands if u != placeholder]
        cands = list(dict.fromkeys(image_urls.resolved_candidates(real.attributes, _picture_srcsets(real), base)
                                   + shown))
        attrs = {**attrs, **{k: v for k, v in real.attributes.items() if v}}
    url = cands[0] if cands else None
    if url is None:
        return None
    w = image_urls.parse_dimension(attrs.get("width"))
    h = image_urls.parse_dimension(attrs.get("height"))
    if image_urls.skip_reason(url, attrs, w, h, min_side):
        return None
    return ImageRef(url=url, alt=_attr_text(attrs, "alt"), title=_attr_text(attrs, "title"),
                    caption=_caption(node.parent, captions), declared_width=w, declared_height=h, candidates=cands)


def _attr_text(attrs, name: str) -> str | None:
    return " ".join((attrs.get(name) or "").split()) or None


_CAPTION_STOP = frozenset(["body", "html", "article", "main"])
_MAX_CAPTION_QUERIES = 32  # then one query over the whole page answers for every element


class CaptionIndex:
    """The first caption-classed element (``_CAPTION_CSS``) inside each element of one page, from
    one query per container an image asks about (:meth:`cover`), made on first use.

    :func:`_caption` looks for one inside up to three ancestors of every image; one CSS query per
    ancestor walked the same large containers again for every image of a gallery (WCXB: about 7% of
    extraction CPU), and one query over the whole page tests every element of it where the images
    ask about a few containers (WCXB: 0.42 s against 0.17 s for the containers' queries). A query matches an element on
    its own attributes only, and Lexbor's ``css`` on a node returns the matches in document order
    in the node's subtree, the node itself included: the first match at or below an element inside
    a queried container is the first match of that container's query that is the element or one of
    its descendants. Valid while the tree is not changed after the first lookup.
    """

    def __init__(self, root) -> None:
        self._root = root  # the page body: every element :func:`_caption` asks about is inside it
        self._first: dict[int, object] = {}
        self._queried: set[int] = set()  # containers whose subtree has been queried
        self._everything = False

    def cover(self, top) -> None:
        """Make :meth:`first_in` exact for ``top`` and every element inside it: one query over
        ``top``'s subtree, unless one was made already (or ``_MAX_CAPTION_QUERIES`` were, after
        which the whole page is queried once, bounding the work on pages with many containers)."""
        if self._everything or top.mem_id in self._queried:
            return
        if len(self._queried) >= _MAX_CAPTION_QUERIES:
            top, self._everything = self._root, True
        top_id = top.mem_id
        self._queried.add(top_id)
        first, seen = self._first, set()
        for match in top.css(_CAPTION_CSS):
            a = match
            while a is not None:  # matches come in document order: an ancestor already seen in this
                mid = a.mem_id  # query holds an earlier match, as do its own ancestors up to top
                if mid in seen:
                    break
                seen.add(mid)
                first[mid] = match  # the same element any other query that reached it found
                if mid == top_id:
                    break
                a = a.parent

    def first_in(self, node):
        """What ``node.css_first(_CAPTION_CSS)`` returns: the first caption-classed element at or
        below ``node``, or None; ``node`` is inside a container :meth:`cover` was given."""
        return self._first.get(node.mem_id)


def _caption(par, captions: CaptionIndex) -> str | None:
    """The ``<figcaption>`` of the enclosing ``<figure>``, else a caption-classed element next to
    the image in its container (WordPress's ``div.wp-caption > p.wp-caption-text``, and the like),
    within three levels."""
    top, anc = None, par
    for _ in range(3):  # the highest container the walk below may ask the index about
        if anc is None or anc.tag == "figure" or anc.tag in _CAPTION_STOP:
            break
        top, anc = anc, anc.parent
    if top is not None:
        captions.cover(top)
    anc, level = par, 0
    while anc is not None and level < 6:
        tag = anc.tag
        if tag == "figure":
            cap = anc.css_first("figcaption")
            return " ".join(cap.text(separator=" ").split()) or None if cap is not None else None
        if tag in _CAPTION_STOP:
            return None
        if level < 3:
            cap = captions.first_in(anc)
            if cap is not None:
                text = " ".join(cap.text(separator=" ").split())
                if 0 < len(text) <= CAPTION_MAX_CHARS:
                    return text
        anc, level = anc.parent, level + 1
    return None


def _meta(tree, url: str, headers: dict[str, str]) -> tuple[str | None, str, str | None, str | None]:
    """(title, base URL, canonical URL, declared language).

    Queried in ``<head>`` (a CSS query is a pass over its subtree, and the body is most of the
    page); a title the parser left in the body is looked for there too.
    """
    head = tree.head or tree.root
    if head is None:
        return None, url, None, None
    title = None
    t = head.css_first("title") or (tree.body.css_first("title") if tree.body is not None else None)
    if t is not None:
        title = " ".join(t.text().split())[:1000] or None
    base = url
    b = head.css_first("base[href]")
    if b is not None:
        href = (b.attributes.get("href") or "").strip()
        if href:
            try:
                base = urljoin(url, href)
            except ValueError:
                pass
    canonical = None
    c = head.css_first("link[rel~=canonical][href]")
    if c is not None:
        canonical = image_urls.resolve(c.attributes.get("href") or "", base)
    lang = None
    root = tree.root
    if root is not None and root.tag == "html":
        lang = (root.attributes.get("lang") or "").strip() or None
    if lang is None:
        m = head.css_first("meta[http-equiv=content-language i][content]")
        lang = (m.attributes.get("content") or "").strip() or None if m is not None else None
    if lang is None and headers.get("content-language"):
        lang = headers["content-language"].strip() or None
    if lang:
        lang = lang.split(",")[0].strip()[:35].lower().replace("_", "-")
    return title, base, canonical, lang


def paragraph_sample(root, max_chars: int) -> str:
    """Up to ``max_chars`` of the page's ``<p>`` text: cheap (C-side query), mostly the article."""
    out: list[str] = []
    n = 0
    for p in root.css("p"):
        t = p.text()
        if t:
            out.append(t)
            n += len(t)
            if n >= 2 * max_chars:
                break
    return " ".join(" ".join(out).split())[:max_chars]


def _extract_tree(html: str | bytes, record: HtmlRecord, cfg: ExtractConfig, prefilter: PageFilter | None = None):
    """``(items, main-text chars, info)``; items are ``(pos, text|None, ImageRef|None)`` in order.
    ``html`` is the decoded page, or its UTF-8 bytes (:func:`~mmcorpus.extract.decode.parser_input`)."""
    tree = LexborHTMLParser(html)
    title, base, canonical, lang = _meta(tree, record.url, record.http_headers or {})
    root = tree.body
    if root is None:
        return None, "no_content", (title, canonical, lang, 0, False)
    json_ld = remove_junk(root)
    if prefilter is not None:
        reason = prefilter(paragraph_sample(root, PREFILTER_SAMPLE_CHARS))
        if reason:
            return None, reason, (title, canonical, lang, 0, False)
    page = build_page_tree(root, cfg.max_depth, cfg.max_images_seen)
    info = (title, canonical, lang, page.n_img, page.depth_capped)
    labels = text_labels(page.blocks, page.tags)

    def all_json_ld() -> list[str]:  # the body's (seen by remove_junk) and the head's, read when needed
        head = tree.head
        return json_ld + ([node.text() for node in head.css(_JSON_LD_CSS)] if head is not None else [])

    thread = page.thread_flags is not None and (
        boilerplate.is_thread(page, labels) or structured_data.declares_discussion(all_json_ld()))
    flags = page.thread_flags if thread else page.flags
    flags = boilerplate.unflag_prose_holder(page, labels, flags)
    front = is_front_page(record.url)
    keep, inside, card_chars = boilerplate.main_content(page, labels, flags, front)
    if thread:  # the lines every post repeats (author cards, counters)
        keep = boilerplate.drop_post_furniture(keep, page.blocks)
        posts = True
    else:
        cut = boilerplate.drop_post_cards(keep, page.blocks, page)
        posts, keep = cut is not keep, cut
    if posts:
        keep = boilerplate.drop_signatures(keep, page.blocks, page)
    min_chars = cfg.min_block_chars
    texts = [b for b, k in zip(page.blocks, keep) if k and len(b[1]) >= min_chars]
    n_chars = sum(len(b[1]) for b in texts)
    if n_chars - card_chars < max(cfg.min_doc_chars, boilerplate.RETRY_CHARS) and flags != page.caption_flags:
        # Readability's retry: the class/id rules may have flagged the article itself (the
        # linked lines of cards do not show that this view found the page's content).
        flags2 = boilerplate.retry_flags(page)
        keep2, inside2, _ = boilerplate.main_content(page, labels, flags2, front)
        texts2 = [b for b, k in zip(page.blocks, keep2) if k and len(b[1]) >= min_chars]
        n_chars2 = sum(len(b[1]) for b in texts2)
        if n_chars2 > 2 * n_chars + 100:
            texts, inside, flags, n_chars = texts2, inside2, flags2, n_chars2
    if n_chars < structured_data.FALLBACK_CHARS:
        # a script-rendered page: its JSON-LD description stands in for the missing text
        extra = structured_data.fallback_text(all_json_ld(), " ".join(b[1] for b in texts))
        if extra:
            texts.append((_AFTER_ALL, extra, 0, 0, 0))
            n_chars += len(extra)
    items: list[tuple[int, str | None, ImageRef | None]] = [(b[0], b[1], None) for b in texts]
    seen: set[str] = set()
    twins = noscript_twins(page, _names_url) if "noscript" in page.tags else {}
    captions = CaptionIndex(root)
    for k, (pos, ei, node) in enumerate(page.images):
        if not inside[ei] or flags[ei] == 1:
            continue
        real = page.images[twins[k]][2] if k in twins else None
        ref = _image_ref(node, base, cfg.min_declared_image_side, captions, real)
        if ref is None or ref.url in seen:
            continue
        seen.add(ref.url)
        items.append((pos, None, ref))
    items.sort(key=lambda it: it[0])
    return items, n_chars, info


def extract_document(
    record: HtmlRecord, cfg: ExtractConfig, count: CountFn = no_count, prefilter: PageFilter | None = None
) -> tuple[Document | None, str | None]:
    """Extract the main content of one page; ``(Document, None)`` or ``(None, reason)``.

    ``prefilter`` (optional) sees a sample of the page's paragraph text once the page is parsed
    and may end the extraction early with a drop reason (the language-first check of
    :class:`~mmcorpus.page_chain.PageProcessor`). Never raises: an unexpected exception
    becomes the drop reason ``error``.
    """
    try:
        doc, reason = _extract(record, cfg, prefilter)
    except Exception:  # noqa: BLE001 - hostile input must never take the pipeline down
        doc, reason = None, "error"
    outcome(count, "extract", None if doc is not None else reason)
    return doc, reason


def _extract(
    record: HtmlRecord, cfg: ExtractConfig, prefilter: PageFilter | None
) -> tuple[Document | None, str | None]:
    body = record.body or b""
    if not body.strip():
        return None, "empty_body"
    ct = (record.content_type or "").lower()
    if ct and not any(k in ct for k in _TEXT_CT):
        return None, "not_html"
    if len(body) > cfg.max_html_bytes:
        body = body[: cfg.max_html_bytes]
    if looks_binary(body):
        return None, "not_html"
    if estimated_depth(body, cfg.max_nesting_estimate) > cfg.max_nesting_estimate:
        return None, "too_deep"
    reason = prescan(body, cfg)  # markup that would make the parser quadratic
    if reason:
        return None, reason
    headers = record.http_headers or {}
    html, encoding = parser_input(body, headers.get("content-type") or record.content_type)
    items, n_chars, info = _extract_tree(html, record, cfg, prefilter)
    if items is None:
        return None, n_chars  # n_chars holds the reason here
    title, canonical, lang, n_img, depth_capped = info
    n_images = sum(1 for it in items if it[2] is not None)
    if n_chars < cfg.min_doc_chars and not (cfg.keep_image_without_text and n_images):
        return None, "no_content"
    if not items:
        return None, "no_content"
    doc = Document(
        id=document_id(record.url, record.provenance),
        url=record.url,
        texts=[it[1] for it in items],
        images=[it[2] for it in items],
        provenance=record.provenance,
        title=title,
        canonical_url=canonical,
        declared_language=lang,
        metadata={"encoding": encoding, "n_img_tags": n_img, "n_chars": n_chars,
                  "extractor": EXTRACTOR, **({"depth_capped": True} if depth_capped else {})},
    )
    return doc, None
