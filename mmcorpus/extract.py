"""HTML page -> interleaved Document (text blocks and images in page order).

The DOM is parsed with selectolax's Lexbor backend (C; ~3x faster than lxml, ~30x faster than
BeautifulSoup on real pages, see docs/extraction.md) and walked once, iteratively (no Python
recursion, depth-capped), into flat arrays: elements with their text/link character counts,
text blocks at paragraph / heading / list-item granularity, and ``<img>`` positions. The main
content is chosen on those arrays (:mod:`mmcorpus.boilerplate`, Readability-style block scoring)
and images are resolved (:mod:`mmcorpus.image_urls`) only inside it. The output layout is
OBELICS's (Laurençon et al., 2023): parallel ``texts``/``images`` lists, one ``None`` per
position. KOSMOS-1 (arXiv 2302.14045, section 2.1) builds its interleaved data the same way from
Common Crawl pages.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser

from mmcorpus import boilerplate, image_urls
from mmcorpus.config import ExtractConfig
from mmcorpus.data import Document, HtmlRecord, ImageRef, document_id
from mmcorpus.html_decode import decode_html, looks_binary
from mmcorpus.stats import CountFn, no_count

try:
    from importlib.metadata import version as _version

    EXTRACTOR = "mmcorpus-" + _version("mmcorpus")
except Exception:  # pragma: no cover - not installed
    EXTRACTOR = "mmcorpus-0.1.0"

BLOCK_TAGS = frozenset(
    [
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
    "blockquote", "pre", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
    "section", "article", "main", "figure", "figcaption", "hr", "address", "center",
    "details", "summary", "body", "html", "hgroup", "fieldset", "legend",
]
)
_VOID_OR_IMPLIED = frozenset(
    b"area base br col embed hr img input link meta param source track wbr p li dt dd option "
    b"tr td th tbody thead tfoot colgroup rt rp optgroup caption".split()
)
_TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9]{0,15})[^>]{0,4096}?(/?)>")
_BOILER_LINE = re.compile(
    r"^(?:share|share this|tweet|print|email|e-mail|advertisement|anzeige|werbung|read more|"
    r"weiterlesen|mehr lesen|teilen|drucken|like|follow us|subscribe|loading\.*|skip to content|"
    r"back to top|nach oben|zurück)[\s:.!]*$",
    re.I,
)
_TEXT_CT = ("html", "xml", "text/plain")
_BR = "\x00"  # stands for <br> in text pieces (the HTML parser never leaves a NUL in text)
_CLASS_EXEMPT = frozenset(["body", "html", "article", "main", "a", "img", "figure", "picture"])
_RETRY_CHARS = 500  # less main text than this: retry without the class/id rules (Readability)


def estimated_depth(body: bytes, limit: int) -> int:
    """Open-minus-closed tag depth, ignoring void and implicitly closed tags (a cheap bound that
    catches pathological nesting before the HTML parser, whose cost grows with depth^2)."""
    # Cheap bound first: in every prefix, "<" not followed by "/" minus "</" is >= the depth there.
    imbalance, worst = 0, 0
    for i in range(0, len(body), 32768):
        chunk = body[i:i + 32768]
        closes = chunk.count(b"</")
        imbalance += chunk.count(b"<") - 2 * closes
        worst = max(worst, imbalance)
    if worst <= limit:
        return 0
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


def _walk(root, max_depth: int, max_images: int, class_of: dict[int, str]):
    """One pre-order pass (selectolax's C ``traverse``) into flat arrays.

    Returns ``(tags, nodes, parent, block_of, in_link, names, index, pieces, images, n_img,
    too_deep)``: per element its tag, node, parent index, innermost block element and whether it
    is inside an ``<a>``; ``names`` maps elements to their ``class_of`` string (keyed by
    ``mem_id``), ``index`` maps ``mem_id`` to element; ``pieces`` are ``(pos, element, text)`` in
    document order, ``text=None`` marking the start of a block element; ``images`` are ``(pos,
    element)``. Elements deeper than ``max_depth`` are skipped with their subtrees, and flagged.
    """
    tags: list[str] = []
    nodes: list = []
    parent: list[int] = []
    depth: list[int] = []
    block_of: list[int] = []
    in_link: list[bool] = []
    pieces: list[tuple] = []
    images: list[tuple[int, int]] = []
    index: dict[int, int] = {}
    names: dict[int, str] = {}
    n_img = 0
    too_deep = False
    for pos, node in enumerate(root.traverse(include_text=True)):
        tag = node.tag
        if tag == "-text":
            t = node.text_content
            if t and not t.isspace():
                pi = index.get(node.parent.mem_id)
                if pi is not None:
                    pieces.append((pos, pi, t))
            continue
        if not tag or tag[0] == "-" or tag[0] == "!":
            continue
        if pos == 0:
            pi, d = -1, 0
        else:
            pi = index.get(node.parent.mem_id)
            if pi is None:
                continue
            d = depth[pi] + 1
            if d > max_depth:
                too_deep = True
                continue
        ei = len(tags)
        mid = node.mem_id
        index[mid] = ei
        nm = class_of.get(mid)
        if nm is not None:
            names[ei] = nm
        tags.append(tag)
        nodes.append(node)
        parent.append(pi)
        depth.append(d)
        if tag in BLOCK_TAGS:
            block_of.append(ei)
            pieces.append((pos, ei, None))
        else:
            block_of.append(block_of[pi] if pi >= 0 else ei)
        in_link.append(tag == "a" or (pi >= 0 and in_link[pi]))
        if tag == "br":
            pieces.append((pos, ei, _BR))
        elif tag == "img":
            n_img += 1
            if n_img <= max_images:
                images.append((pos, ei))
    return tags, nodes, parent, block_of, in_link, names, index, pieces, images, n_img, too_deep


def _norm(raw: str) -> str:
    """Collapse whitespace; a ``<br>`` (``_BR``) becomes a line break inside the block."""
    if _BR not in raw:
        return " ".join(raw.split())
    return "\n".join(line for line in (" ".join(part.split()) for part in raw.split(_BR)) if line)


def _view(parent, block_of, in_link, pieces, dead_roots):
    """Blocks and per-element text/link chars with the subtrees in ``dead_roots`` left out.

    Returns ``(dead, end, chars, links, blocks)``; blocks are ``(pos, text, link_chars, block
    element, first element)`` with whitespace normalised.
    """
    n = len(parent)
    dead = [False] * n
    if dead_roots:
        for i in range(n):
            p = parent[i]
            dead[i] = i in dead_roots or (p >= 0 and dead[p])
    chars = [0] * n
    links = [0] * n
    blocks: list[tuple] = []
    buf: list[str] = []
    buf_pos = buf_link = 0
    buf_blk = buf_el = -1
    for pos, el, t in pieces:
        if dead[el]:
            continue
        if t is None or (buf and block_of[el] != buf_blk):
            if buf:
                text = _norm("".join(buf))
                if text:
                    blocks.append((buf_pos, text, buf_link, buf_blk, buf_el))
                buf = []
                buf_link = 0
            if t is None:
                continue
        if not buf:
            buf_pos, buf_blk, buf_el = pos, block_of[el], el
        buf.append(t)
        k = len(t)
        chars[el] += k
        if in_link[el]:
            links[el] += k
            buf_link += k
    if buf:
        text = _norm("".join(buf))
        if text:
            blocks.append((buf_pos, text, buf_link, buf_blk, buf_el))
    end = list(range(n))
    for i in range(n - 1, 0, -1):
        p = parent[i]
        chars[p] += chars[i]
        links[p] += links[i]
        if end[i] > end[p]:
            end[p] = end[i]
    return dead, end, chars, links, blocks


def _class_junk(root, tags, parent, names: dict[int, str], index: dict[int, int]) -> set[int]:
    """Elements removed by the class/id rule, unless they hold an article/main (Readability)."""
    junk = {i for i, nm in names.items() if boilerplate.is_unlikely(nm) and tags[i] not in _CLASS_EXEMPT}
    if not junk:
        return junk
    marked: set[int] = set()
    for node in root.css(boilerplate.PROTECT_CSS):
        i = index.get(node.mem_id, -1)
        while i >= 0 and i not in marked:
            marked.add(i)
            i = parent[i]
    return junk - marked


def _image_ref(node, base: str, min_side: int) -> ImageRef | None:
    attrs = node.attributes
    extra = []
    par = node.parent
    if par is not None and par.tag == "picture":
        for src in par.css("source"):
            ss = src.attributes.get("srcset") or src.attributes.get("data-srcset")
            if ss:
                extra.append(ss)
    raw = image_urls.pick_src(attrs, extra)
    url = image_urls.resolve(raw, base) if raw else None
    if url is None:
        return None
    w = image_urls.parse_dimension(attrs.get("width"))
    h = image_urls.parse_dimension(attrs.get("height"))
    if image_urls.skip_reason(url, attrs, w, h, min_side):
        return None
    caption = None
    anc, level = par, 0
    while anc is not None and level < 6:
        if anc.tag == "figure":
            cap = anc.css_first("figcaption")
            if cap is not None:
                caption = " ".join(cap.text(separator=" ").split()) or None
            break
        anc, level = anc.parent, level + 1
    alt = " ".join((attrs.get("alt") or "").split()) or None
    title = " ".join((attrs.get("title") or "").split()) or None
    return ImageRef(url=url, alt=alt, title=title, caption=caption, declared_width=w, declared_height=h)


def _meta(tree, url: str, headers: dict[str, str]) -> tuple[str | None, str, str | None, str | None]:
    """(title, base URL, canonical URL, declared language)."""
    title = None
    t = tree.css_first("title")
    if t is not None:
        title = " ".join(t.text().split())[:1000] or None
    base = url
    b = tree.css_first("base[href]")
    if b is not None:
        href = (b.attributes.get("href") or "").strip()
        if href:
            try:
                base = urljoin(url, href)
            except ValueError:
                pass
    canonical = None
    c = tree.css_first("link[rel~=canonical][href]")
    if c is not None:
        canonical = image_urls.resolve(c.attributes.get("href") or "", base)
    lang = None
    h = tree.css_first("html[lang]")
    if h is not None:
        lang = (h.attributes.get("lang") or "").strip() or None
    if lang is None:
        m = tree.css_first("meta[http-equiv=content-language i][content]")
        lang = (m.attributes.get("content") or "").strip() or None if m is not None else None
    if lang is None and headers.get("content-language"):
        lang = headers["content-language"].strip() or None
    if lang:
        lang = lang.split(",")[0].strip()[:35].lower().replace("_", "-")
    return title, base, canonical, lang


def _select(text: str, record: HtmlRecord, cfg: ExtractConfig, w, view):
    """Main-content items ``(pos, text|None, ImageRef|None)`` and their text chars for one view."""
    tags, _nodes, parent, _blk, _lnk, names, _index, _pieces, images, _n_img, _deep = w
    dead, end, chars, links, blocks = view
    chosen, drop = boilerplate.choose_content(tags, names, parent, end, chars, links, blocks)
    mask = bytearray(len(tags))  # 1 = inside the main content
    for c in chosen:
        mask[c:end[c] + 1] = b"\x01" * (end[c] + 1 - c)
    for d in drop:
        mask[d:end[d] + 1] = bytes(end[d] + 1 - d)

    items: list[tuple[int, str | None, ImageRef | None]] = []
    n_chars = 0
    min_chars = cfg.min_block_chars
    for pos, btext, blink, _owner, el in blocks:
        if len(btext) < min_chars or not mask[el]:
            continue
        if blink > 0.6 * len(btext) or (len(btext) < 40 and _BOILER_LINE.match(btext)):
            continue
        items.append((pos, btext, None))
        n_chars += len(btext)
    return items, n_chars, [(pos, ei) for pos, ei in images if mask[ei] and not dead[ei]]


def _extract_tree(text: str, record: HtmlRecord, cfg: ExtractConfig):
    tree = LexborHTMLParser(text)
    title, base, canonical, lang = _meta(tree, record.url, record.http_headers or {})
    root = tree.body
    if root is None:
        return None, "no_content", (title, canonical, lang, 0, False)
    boilerplate.remove_junk(root)
    w = _walk(root, cfg.max_depth, cfg.max_images_seen, boilerplate.class_names(root))
    tags, nodes, parent, block_of, in_link, names, index, pieces, _images, n_img, too_deep = w
    info = (title, canonical, lang, n_img, too_deep)
    junk = _class_junk(root, tags, parent, names, index)
    items, n_chars, imgs = _select(text, record, cfg, w, _view(parent, block_of, in_link, pieces, junk))
    if junk and n_chars < max(cfg.min_doc_chars, _RETRY_CHARS):
        # Readability's retry: the class/id rule may have removed the article itself.
        items2, n_chars2, imgs2 = _select(text, record, cfg, w, _view(parent, block_of, in_link, pieces, None))
        if n_chars2 > 2 * n_chars + 100:
            items, n_chars, imgs = items2, n_chars2, imgs2
    seen: set[str] = set()
    for pos, ei in imgs:
        ref = _image_ref(nodes[ei], base, cfg.min_declared_image_side)
        if ref is None or ref.url in seen:
            continue
        seen.add(ref.url)
        items.append((pos, None, ref))
    items.sort(key=lambda it: it[0])
    return items, n_chars, info


def extract_document(
    record: HtmlRecord, cfg: ExtractConfig, count: CountFn = no_count
) -> tuple[Document | None, str | None]:
    """Extract the main content of one page; ``(Document, None)`` or ``(None, reason)``.

    Never raises: an unexpected exception becomes the drop reason ``error``.
    """
    try:
        doc, reason = _extract(record, cfg)
    except Exception:  # noqa: BLE001 - hostile input must never take the pipeline down
        doc, reason = None, "error"
    if doc is None:
        count(f"extract/dropped:{reason}")
    else:
        count("extract/kept")
    return doc, reason


def _extract(record: HtmlRecord, cfg: ExtractConfig) -> tuple[Document | None, str | None]:
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
    headers = record.http_headers or {}
    text, encoding = decode_html(body, headers.get("content-type") or record.content_type)
    items, n_chars, info = _extract_tree(text, record, cfg)
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
