"""The per-page chain: extract, identify the language, apply the text-quality rules.

Shared by ``mmcorpus extract`` (one process) and the Beam pipeline (one instance per DoFn), so
both count the same things under the same names. Every page handed to :meth:`process` ends in
exactly one counter: ``extract/dropped:*``, ``extract/error:*``, ``language/dropped:*``,
``text/dropped:*`` or ``text/kept``.

Language first (``language.prefilter``, on by default when ``language.languages`` is set): once
a page is parsed, a sample of its paragraph text is classified, and a page that is confidently
in another language (``language.prefilter_min_score``) ends there as
``extract/dropped:language_prefilter``, before the main-content rules run. The full language
rule still runs on the main text of every other page.

Before the text rules, later exact copies of a text block are removed
(``text.repeated_block_min_chars``, counted as ``text/repeated_blocks_removed``), then later exact
copies of a line (``text.repeated_line_min_chars``, ``text/repeated_lines_removed``): the rules
judge, and the output keeps, each passage once.
"""

from __future__ import annotations

import logging

from mmcorpus.config import Config
from mmcorpus.data import Document, HtmlRecord
from mmcorpus.ledger import CountFn, no_count

log = logging.getLogger(__name__)


class PageProcessor:
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self._ident = None

    def setup(self) -> PageProcessor:
        """Load the language model (once per process / Beam worker)."""
        from mmcorpus.filters.language import LanguageIdentifier

        if self._ident is None:
            self._ident = LanguageIdentifier.from_config(self.cfg.language).load()
        return self

    def _prefilter(self, sample: str) -> str | None:
        """``language_prefilter`` for a confidently unwanted language, else None (go on)."""
        from mmcorpus.filters.language import decide_language

        lc = self.cfg.language
        if not lc.prefilter or not lc.languages or len(sample) < lc.prefilter_min_chars:
            return None
        (language, score), = self._ident.predict(sample, k=1)
        _keep, reason = decide_language(language, score, lc)
        if reason == "wrong_language" and score >= lc.prefilter_min_score:
            return "language_prefilter"
        return None

    def process(self, record: HtmlRecord, count: CountFn = no_count) -> Document | None:
        from mmcorpus.dedup.paragraphs import strip_repeated_blocks, strip_repeated_lines
        from mmcorpus.extract.document import extract_document
        from mmcorpus.filters.language import filter_document_language
        from mmcorpus.filters.text_quality import text_quality_filter

        if self._ident is None:
            self.setup()
        try:
            doc, _ = extract_document(record, self.cfg.extract, count, self._prefilter)
        except Exception as e:  # the extractor promises not to raise; this keeps the ledger whole if it does
            log.warning("extraction failed on %s: %r", record.url, e)
            count("extract/error:exception")
            return None
        if doc is None:
            return None
        doc, keep, _ = filter_document_language(doc, self.cfg.language, self._ident, count)
        if not keep:
            return None
        doc, removed = strip_repeated_blocks(doc, self.cfg.text.repeated_block_min_chars)
        if removed:
            count("text/repeated_blocks_removed", removed)
        doc, removed = strip_repeated_lines(doc, self.cfg.text.repeated_line_min_chars)
        if removed:
            count("text/repeated_lines_removed", removed)
        keep, _ = text_quality_filter(doc.plain_text, self.cfg.text, count, language=doc.language)
        return doc if keep else None
