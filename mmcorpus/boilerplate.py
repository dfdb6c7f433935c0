"""Boilerplate removal: which parts of a page are its main content.

Three steps, each cheap on a Lexbor (selectolax) tree:

1. Junk removal by CSS selectors evaluated in C: non-content tags (script, style, nav, header,
   footer, aside, form, iframe, svg...), hidden elements (``hidden``, ``aria-hidden``, inline
   ``display:none``/``visibility:hidden``) and landmark roles. Elements whose class/id names a
   cookie banner, share bar, comment section, menu, related-links list, etc. are not decomposed
   but marked (:func:`is_unlikely`, memoised) and left out by the caller's first view: Mozilla
   Readability's "unlikely candidates" test (``unlikelyCandidates`` unless ``okMaybe``).
2. Block scoring (Readability's ``_grabArticle``; Kohlschütter et al. 2010 "Boilerplate Detection
   using Shallow Text Features" for link density): each paragraph-like block of >= 25 characters
   scores 1 + commas + length/100 (max 3) into its parent, grandparent (/2) and further ancestors
   (/3 per level); ancestors get a tag prior and a class/id weight, and the final score is scaled
   by (1 - link density).
3. The top candidate plus its siblings that score at least a fifth of it (or read like prose with
   few links) form the main content; inside it, link-heavy lists/tables are dropped.
"""

from __future__ import annotations

import re

JUNK_TAGS = (
    "script,style,noscript,template,svg,math,iframe,frame,frameset,object,embed,canvas,"
    "button,select,textarea,input,dialog,menu,head"
)
# Layout tags that are junk unless a broken page put the whole article inside them.
LAYOUT_TAGS = "form,nav,header,footer,aside"
HIDDEN = (
    "[hidden],[aria-hidden=true],[style*='display:none'],[style*='display: none'],"
    "[style*='visibility:hidden'],[style*='visibility: hidden'],[role=navigation],[role=banner],"
    "[role=contentinfo],[role=complementary],[role=dialog],[role=alertdialog],[role=menu],"
    "[role=menubar],[role=search],[itemprop=comment]"
)
UNLIKELY = re.compile(
    r"(?:^|[\s_\-])(?:cookies?|consent|gdpr|banner|breadcrumbs?|comments?|commentlist|disqus|share|"
    r"sharing|sharedaddy|social|related|recommended|newsletter|subscribe|sidebar|widgets?|menu|"
    r"navbar|footer|header|masthead|popup|modal|advert\w*|sponsor\w*|promo|pagination|pager|"
    r"skip|byline|rss|login|signup|remark|replies|shoutbox|skyscraper|tags|postmeta|post-meta|"
    r"entry-meta|author|print|ad|ads)(?:$|[\s_\-])",
    re.I,
)
OK_MAYBE = re.compile(r"article|body|column|content|main|shadow|story|entry|post-?body|text", re.I)
STRONG_UNLIKELY = re.compile(r"cookie|consent|gdpr|comment|disqus|share|sharing|social|related|"
                             r"newsletter|sidebar|breadcrumb", re.I)
POSITIVE = re.compile(r"article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|"
                      r"blog|story|artikel|inhalt|beitrag", re.I)
NEGATIVE = re.compile(r"-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|"
                      r"foot|footer|footnote|gdpr|masthead|media|meta|outbrain|promo|related|"
                      r"scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|tool|widget",
                      re.I)
PROTECT_CSS = "article,main,[itemprop=articleBody],[role=main]"
TAG_PRIOR = {"div": 5, "article": 10, "main": 10, "section": 2, "pre": 3, "td": 3, "blockquote": 3,
             "address": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3,
             "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5, "th": -5}
SCORED_TAGS = frozenset([
    "p", "td", "pre", "div", "section", "article", "main", "blockquote", "dd", "font", "center",
    "span", "body", "h2", "h3", "h4", "h5", "h6",
])
CLEAN_TAGS = frozenset(["ul", "ol", "dl", "div", "table", "section"])


_MEMO_MAX = 50_000  # distinct class/id strings remembered across pages (bounded memory)
_unlikely_memo: dict[str, bool] = {}
_weight_memo: dict[str, int] = {}


def remove_junk(root) -> None:
    """Decompose non-content tags, hidden elements and layout blocks under ``root`` (Lexbor)."""
    for node in root.css(JUNK_TAGS + "," + HIDDEN):
        node.decompose()
    layout = root.css(LAYOUT_TAGS)
    if layout:
        total = len(root.text())
        for node in layout:
            big = len(node.text()) > total * 0.4
            if big or (node.tag == "form" and node.css_first(PROTECT_CSS) is not None):
                continue
            node.decompose()


def class_names(root) -> dict[int, str]:
    """``mem_id -> "class<TAB>id"`` for every element under ``root`` with a class or an id."""
    out = {}
    for node in root.css("[class],[id]"):
        attrs = node.attributes
        out[node.mem_id] = f"{attrs.get('class') or ''}\t{attrs.get('id') or ''}"
    return out


def is_unlikely(name: str) -> bool:
    """Readability's unlikely-candidate test on a "class<TAB>id" string (memoised across pages)."""
    hit = _unlikely_memo.get(name)
    if hit is None:
        hit = bool(UNLIKELY.search(name)) and not (OK_MAYBE.search(name) and not STRONG_UNLIKELY.search(name))
        if len(_unlikely_memo) > _MEMO_MAX:
            _unlikely_memo.clear()
        _unlikely_memo[name] = hit
    return hit


def class_weight(name: str | None) -> int:
    """Readability's class/id weight: +/-25 each for the class and the id ("class<TAB>id")."""
    if not name:
        return 0
    w = _weight_memo.get(name)
    if w is None:
        w = 0
        cls, _, ident = name.rpartition("\t")
        for part in (cls, ident):
            if part:
                if NEGATIVE.search(part):
                    w -= 25
                if POSITIVE.search(part):
                    w += 25
        if len(_weight_memo) > _MEMO_MAX:
            _weight_memo.clear()
        _weight_memo[name] = w
    return w


def choose_content(tags, names, parent, end, chars, links, blocks) -> tuple[list[int], list[int]]:
    """Element indices of the main content and of link-heavy parts inside it to drop.

    Arguments are the flat arrays built by the DOM walk (element i: tag, parent index,
    last position in its subtree, text chars, link chars), ``names`` (element -> class/id string) and the blocks
    ``(pos, text, link_chars, innermost block element, innermost element)``; ``end[i]`` is the
    last element index inside element i.
    """
    score: dict[int, float] = {}
    for _pos, text, _lc, owner, _el in blocks:
        n = len(text)
        if n < 25 or tags[owner] not in SCORED_TAGS:
            continue
        s = 1.0 + text.count(",") + text.count("،") + min(n // 100, 3)
        anc, level = parent[owner], 0
        while anc >= 0 and level < 5:
            if anc not in score:
                score[anc] = TAG_PRIOR.get(tags[anc], 0) + class_weight(names.get(anc))
            score[anc] += s / (1 if level == 0 else 2 if level == 1 else level * 3)
            anc, level = parent[anc], level + 1
    if not score:
        return [0], []

    def final(i: int) -> float:
        return score.get(i, 0.0) * (1.0 - links[i] / chars[i] if chars[i] else 0.0)

    top = max(score, key=final)
    top_score = final(top)
    # Readability: climb while the parent scores at least a third and more than the child.
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
    # A wrapper with no other text is the same content: go up so its siblings are considered.
    while parent[top] > 0 and chars[parent[top]] <= chars[top] * 1.02:
        top = parent[top]
    top_score = max(final(top), top_score)
    chosen = [top]
    pt = parent[top]
    if pt >= 0:
        sib_threshold = max(10.0, top_score * 0.2)
        for i in range(pt + 1, end[pt] + 1):
            if parent[i] != pt or i == top:
                continue
            ld = links[i] / chars[i] if chars[i] else 1.0
            bonus = top_score * 0.2 if tags[i] == tags[top] and class_weight(names.get(i)) > 0 else 0
            if (
                final(i) + bonus >= sib_threshold
                or (tags[i] == "p" and chars[i] > 80 and ld < 0.25)
                or (tags[i] in ("p", "figure", "picture", "img") and chars[i] > 0 and ld == 0)
            ):
                chosen.append(i)
    chosen.sort()
    drop = []
    for c in chosen:
        for i in range(c + 1, end[c] + 1):
            if tags[i] in CLEAN_TAGS and chars[i] and links[i] / chars[i] > 0.5:
                drop.append(i)
    return chosen, drop
