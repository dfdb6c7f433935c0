"""From a deduplicated document and its image outcomes to the samples of the three shard sets.

Order of the rules, and why:

1. attach images (:func:`mmcorpus.images.join.attach_images`): slots whose image is missing or
   failed a filter are removed, their text kept, and so is a second copy of a picture the document
   already shows (same sha256, or a pHash within ``dedup.image_phash_distance`` bits);
2. pairs: every kept image with a usable caption (:mod:`mmcorpus.filters.captions`) in the target language
   becomes an image-caption pair. Pairs are taken before the KOSMOS-1 document rules, which shape
   the *interleaved* set: a picture's caption does not stop being a caption because its page was
   sampled out;
3. KOSMOS-1 document rules (:mod:`mmcorpus.filters.document_rules`): the first five images kept, half of the
   single-image documents dropped by a hash of (seed, id). They run after the images are known,
   because a missing image changes the count;
4. route: a document with at least one image goes to ``interleaved/``, one with none to ``text/``.

Pairs leave as :class:`~mmcorpus.shards.layout.PairCandidate` (not yet encoded, carrying the
image's ``sha256``): the pipeline keeps one per distinct image and encodes only that one.

Counters: ``output/interleaved`` and ``output/text`` (one per page, closing the ledger),
``pairs/candidates``, ``pairs/dropped:<reason>`` (caption rules, ``caption_language``); the pair
output itself is counted after pair deduplication.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mmcorpus.config import DedupConfig, DocumentRulesConfig, LanguageConfig, PairConfig
from mmcorpus.data import Document, ImageRef
from mmcorpus.filters.captions import normalise_caption, usable_caption
from mmcorpus.filters.document_rules import apply_document_rules
from mmcorpus.images.join import ImageOutcome, attach_images, slot_id
from mmcorpus.ledger import CountFn, no_count
from mmcorpus.shards.layout import PairCandidate, encode_interleaved, encode_text, pair_key

#: (set name, item): ``(sample, index row)`` for interleaved/text, a PairCandidate for pairs.
Routed = list[tuple[str, tuple[dict[str, Any], dict[str, Any]] | PairCandidate]]


def caption_source(ref: ImageRef, caption: str) -> str:
    for name, raw in (("figcaption", ref.caption), ("alt", ref.alt), ("title", ref.title)):
        if normalise_caption(raw) == caption:
            return name
    return "alt"


def caption_language_ok(caption: str, pairs: PairConfig, language: LanguageConfig,
                        ident) -> tuple[bool, str | None]:
    """The caption's language, by the same model and target languages as documents."""
    if not language.languages or ident is None:
        return True, None
    (lang, score), = ident.predict(caption, k=1)
    wanted = {c.lower() for c in language.languages}
    return (lang in wanted and score >= pairs.caption_language_min_score), lang


def assemble_document(doc: Document, outcomes: Iterable[ImageOutcome], *, pairs: PairConfig,
                      language: LanguageConfig, doc_rules: DocumentRulesConfig, dedup: DedupConfig,
                      ident=None, count: CountFn = no_count) -> Routed:
    routed: Routed = []
    outcomes = list(outcomes)
    fetched = {o.url for o in outcomes if o.reason != "not_fetched"}
    # images never found nor downloaded: a text document keeps their URLs to be fetched later
    unfetched = list(dict.fromkeys(r.url for r in doc.image_refs if slot_id(r) not in fetched))
    doc, jpegs, processed = attach_images(doc, outcomes, count, phash_distance=dedup.image_phash_distance)

    for ref in doc.image_refs:
        count("pairs/candidates")
        caption, reason = usable_caption(ref, pairs, no_count)
        if caption is None:
            count(f"pairs/dropped:{reason}")
            continue
        ok, lang = caption_language_ok(caption, pairs, language, ident)
        if not ok:
            count("pairs/dropped:caption_language")
            continue
        img = processed[ref.image_key]
        routed.append(("pairs", PairCandidate(
            pair_key(doc.id, ref.url), img.sha256, doc, ref, jpegs[ref.image_key], caption,
            caption_source(ref, caption), (img.original_width, img.original_height), lang)))

    kept, _ = apply_document_rules(doc, doc_rules, count)
    if kept is None:
        return routed
    if kept.image_refs:
        count("output/interleaved")
        routed.append(("interleaved", encode_interleaved(kept, jpegs)))
    else:
        count("output/text")
        routed.append(("text", encode_text(kept, unfetched)))
    return routed
