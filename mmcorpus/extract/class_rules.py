"""What an element's class and id say about it: page furniture, an image caption, or content.

* Unlikely candidates: Mozilla Readability's ``unlikelyCandidates`` / ``okMaybeItsACandidate``
  test (Readability.js, ``REGEXPS``), extended with the furniture names found on the evaluation
  pages (disclaimers, donation and subscription boxes, post metadata, tables of contents; product
  review lists, ``reviews`` and Yotpo's widgets: WCXB product pages 0.571 -> 0.594 word F1, no
  other type worse; the singular ``review`` names review articles too and lost more than it won) and
  made stricter where it misfired there: keywords must be whole class tokens or token parts
  (``sidebar-and-content-body`` keeps its content), negated names ("no-share") are ignored, and
  page builders' and editors' scaffolding ("elementor-widget-container", CKEditor's "ck-widget") is
  not a widget.
* Class weight: Readability's ``_getClassWeight`` (+/-25 for each of class and id).
* Captions: ``figcaption`` and caption/credit classes, whose text belongs to an image.

The tests run once per distinct "class<TAB>id" string and are remembered across pages (bounded),
so a crawl pays for each class name once, not once per element.
"""

from __future__ import annotations

import re
from typing import NamedTuple

UNLIKELY = re.compile(
    r"(?:^|[\s_\-])(?:cookies?|consent|gdpr|banner|breadcrumbs?|comments?|commentlist|disqus|share|"
    r"sharing|sharedaddy|social|related|recommended|newsletter|subscribe|sidebar|widgets?|menu|"
    r"navbar|footer|masthead|popup|modal|advert\w*|sponsor\w*|promo|pagination|pager|"
    r"skip|byline|rss|login|signup|remark|replies|shoutbox|skyscraper|tags|postmeta|post-meta|"
    r"entry-meta|author|ad|ads|disclaimer|disclosure|subscription|donate|donation|spenden|buybox|"
    r"paywall|postmetadata|metadata|kicker|toc|rating|ratings|teaser-list|reviews|yotpo)(?:$|[\s_\-])",
    re.IGNORECASE,
)
OK_MAYBE = re.compile(r"article|body|column|content|main|shadow|story|entry|post-?body|text|blog", re.IGNORECASE)
STRONG_UNLIKELY = re.compile(
    r"cookie|consent|gdpr|comment|disqus|share|sharing|social|related|newsletter|breadcrumb", re.IGNORECASE
)
# "no-share", "noshare", "no_caption": a negated class says the opposite of its keyword.
_NEGATED = re.compile(
    r"(?:^|(?<=\s))(?:no|without)[-_]?(?:share|sharing|comments?|sidebar|social|ads?|author|related|captions?|"
    r"credits?)\b",
    re.IGNORECASE,
)
POSITIVE = re.compile(
    r"article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story|artikel|"
    r"inhalt|beitrag",
    re.IGNORECASE,
)
NEGATIVE = re.compile(
    r"-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|foot|footer|footnote|"
    r"gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|"
    r"sponsor|shopping|tags|tool|widget",
    re.IGNORECASE,
)
# Image captions and credits: their text belongs to the image (ImageRef.caption), not the prose.
CAPTION = re.compile(
    r"caption|credit|bildunterschrift|bildtext|legende|copyright|bildquelle|fotograf|attribution|"
    r"imagedescription|(?:image|img|photo|picture|foto|bild|media)[-_]?(?:desc|subtitle|metadata|"
    r"source|quelle|info\b)",
    re.IGNORECASE,
)


# Editors' and page builders' names for the blocks of the content itself, not page widgets:
# Elementor's "elementor-widget-container", CKEditor 5's "ck-widget" (an embedded grid or media block
# in a Drupal body).
_SCAFFOLDING = re.compile(r"elementor-widget|\bck-widget\b")

# Names of reader comments and replies: furniture on an article, the content itself on a forum thread.
COMMENT = re.compile(r"(?:^|[\s_\-])(?:comments?|commentlist|replies|disqus)(?:$|[\s_\-])", re.IGNORECASE)


class ClassInfo(NamedTuple):
    unlikely: bool  # page furniture by its name
    caption: bool  # an image caption or credit by its name
    weight: int  # Readability's class weight: -50..50
    comment: bool = False  # furniture because it names comments or replies
    mixed: bool = False  # furniture whose name also says content ("post-content" with id "share-btn")


_MEMO_MAX = 50_000  # distinct class/id strings remembered across pages (bounded memory)
_memo: dict[str, ClassInfo] = {}


def class_info(name: str) -> ClassInfo:
    """The three tests on a ``"class<TAB>id"`` string, memoised across pages."""
    info = _memo.get(name)
    if info is None:
        key = _NEGATED.sub("", _SCAFFOLDING.sub("", name))
        maybe = OK_MAYBE.search(key) is not None
        unlikely = bool(UNLIKELY.search(key)) and not (maybe and not STRONG_UNLIKELY.search(key))
        weight = 0
        cls, _, ident = name.rpartition("\t")
        for part in (cls, ident):
            if part:
                if NEGATIVE.search(part):
                    weight -= 25
                if POSITIVE.search(part):
                    weight += 25
        info = ClassInfo(unlikely, bool(CAPTION.search(key)), weight, unlikely and bool(COMMENT.search(key)),
                         unlikely and maybe)
        if len(_memo) >= _MEMO_MAX:
            _memo.clear()
        _memo[name] = info
    return info


def class_weight(name: str | None) -> int:
    return class_info(name).weight if name else 0
