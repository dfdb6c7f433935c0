"""How many good pages the text-quality rules throw away, by rule; and what they still drop.

    python benchmarks/text_quality_good_pages.py [--data ../shared/data] [--no-web] [--sample 12]

"Good" pages are WCXB's dev pages (``extraction-wcxb-dev``, 1,310 pages, human-reviewed main
content): every one is a page whose main content a corpus wants. Texts go through what the page
chain does before its verdict (:mod:`mmcorpus.page_chain`): later copies of a repeated block are
removed (``text.repeated_block_min_chars``), then later copies of a repeated line
(``text.repeated_line_min_chars``), then
:func:`mmcorpus.filters.text_quality.first_failing_rule` runs with the default config and the page's
language from the same fastText model the pipeline uses (the English stop-word rule runs on English
pages only, as in the pipeline):

* the ground truth's ``main_content`` (gold text; its blank-line paragraphs are the blocks): what
  the rules do to clean text, overall and per page type;
* our own extraction (``extract_document``, ``Document.plain_text``) of the article, documentation
  and forum pages.

The counter-measure (``--no-web`` skips it): every HTML page of the real, unfiltered WARCs under
the data folder (the Common Crawl excerpts ``cc-warc-*``, a 2008 Heritrix crawl, wget and pywb
samples, the trafilatura eval pages as a WARC), extracted with our extractor; the share dropped
and a sample of what is dropped, to eyeball that the rules still do their job.

Every section is also run with Gopher's repetition rules as published (every word and every line
counted, every copy after the first, no block or line removal): the "Gopher" column.

Pages shorter than ``min_words`` (50) are listed apart: the short-document rule is a length
choice, not a misjudged page. Printed: the share of pages dropped, and per rule the number and
share of pages it is the first to fail, and of pages it fails at all.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections import Counter
from pathlib import Path

from mmcorpus.config import Config, ExtractConfig, TextFilterConfig
from mmcorpus.dedup.paragraphs import drop_repeated_paragraphs
from mmcorpus.filters.language import LanguageIdentifier
from mmcorpus.filters.text_quality import REPETITION_RULES, RULES, ParsedText, check_stop_words, first_failing_rule

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extraction_quality import DEFAULT_DATA, load_wcxb, mm_doc  # noqa: E402

# Real, unfiltered pages for the counter-measure (globs under the data folder).
WEB_WARCS = ("cc-warc-*/*.warc.gz", "warc-aut-archiveorg-2008/*.warc.gz", "warc-dolma-wget/*.warc.gz",
             "warc-pywb-samples/*.warc.gz", "warc-pages-from-eval/*.warc.gz")


def gopher_repetition(cfg: TextFilterConfig) -> TextFilterConfig:
    """``cfg`` with Gopher's repetition rules as published (Rae et al. 2021, table A1)."""
    return dataclasses.replace(cfg, repeated_block_min_chars=0, repeated_line_min_chars=0, dup_line_min_chars=0,
                               dup_ngram_prose_only=False, dup_ngram_min_count=2, ngrams_within_lines=False)


def verdict(text: str, cfg: TextFilterConfig, language: str | None) -> str | None:
    """What the page chain decides for a text: repeated blocks and lines out, then the first failing rule."""
    return first_failing_rule(without_repeats(text, cfg), cfg, language)


def without_repeats(text: str, cfg: TextFilterConfig) -> str:
    """The text as the page chain judges it: later copies of repeated blocks, then of lines, removed."""
    return drop_repeated_paragraphs(text, cfg.repeated_block_min_chars, cfg.repeated_line_min_chars)


def every_failing_rule(text: str, cfg, language: str | None) -> list[str]:
    p = ParsedText.of(without_repeats(text, cfg))
    rules = RULES + ((check_stop_words,) if language == "en" else ()) + REPETITION_RULES
    return [r for r in (rule(p, cfg) for rule in rules) if r]


def drop_share(texts: list[tuple[str, str | None]], cfg) -> tuple[int, int]:
    """(pages of at least min_words, of them dropped)."""
    reasons = [verdict(t, cfg, lang) for t, lang in texts]
    counted = [r for r in reasons if r != "gopher_short_doc"]
    return len(counted), sum(r is not None for r in counted)


def report(name: str, texts: list[tuple[str, str | None]], cfg) -> list[str | None]:
    first: Counter = Counter()
    every: Counter = Counter()
    reasons = []
    short = 0
    for text, lang in texts:
        reason = verdict(text, cfg, lang)
        reasons.append(reason)
        if reason == "gopher_short_doc":
            short += 1
            continue
        if reason:
            first[reason] += 1
        every.update(every_failing_rule(text, cfg, lang))
    n = len(texts) - short
    dropped = sum(first.values())
    g_n, g_dropped = drop_share(texts, gopher_repetition(cfg))
    print(f"\n{name}: {len(texts)} pages, {short} under {cfg.min_words} words (not counted); "
          f"of the other {n}: {dropped} dropped ({dropped / max(1, n):.1%}); "
          f"with Gopher's repetition rules {g_dropped} of {g_n} ({g_dropped / max(1, g_n):.1%})")
    print("| rule | first to fail | share | fails at all |")
    print("|---|---|---|---|")
    for reason in sorted(set(first) | set(every) - {"gopher_short_doc"}, key=lambda r: -first[r]):
        print(f"| {reason} | {first[reason]} | {first[reason] / max(1, n):.1%} | {every[reason]} |")
    return reasons


def by_type(pages: list[tuple[str, str, str | None]], cfg) -> None:
    """One line per page type: dropped now and with Gopher's repetition rules."""
    print("\n| page type | pages (>= 50 words) | dropped | Gopher's repetition rules |")
    print("|---|---|---|---|")
    for pt in sorted({p[0] for p in pages}):
        texts = [(t, lang) for ptype, t, lang in pages if ptype == pt]
        n, d = drop_share(texts, cfg)
        g_n, g_d = drop_share(texts, gopher_repetition(cfg))
        print(f"| {pt} | {n} | {d} ({d / max(1, n):.1%}) | {g_d} ({g_d / max(1, g_n):.1%}) |")


def web_pages(data: Path, ecfg: ExtractConfig) -> list[tuple[str, str]]:
    """(url, plain text) of every HTML page of the WARCs in WEB_WARCS (first capture of a URL)."""
    from mmcorpus.data import HtmlRecord
    from mmcorpus.extract.document import extract_document
    from mmcorpus.io.warc import iter_warc

    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for pattern in WEB_WARCS:
        for path in sorted(data.glob(pattern)):
            try:
                for rec in iter_warc(str(path)):
                    if not isinstance(rec, HtmlRecord) or rec.url in seen:
                        continue
                    seen.add(rec.url)
                    doc, _ = extract_document(rec, ecfg)
                    if doc is not None and doc.plain_text.strip():
                        out.append((rec.url, doc.plain_text))
            except Exception as e:  # a truncated test WARC ends its pages there
                print(f"  ({path.name}: {e})", file=sys.stderr)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--no-web", action="store_true", help="skip the counter-measure on real WARC pages")
    ap.add_argument("--sample", type=int, default=12, help="dropped web pages to print")
    args = ap.parse_args(argv)
    if not (args.data / "extraction-wcxb-dev").exists():
        print(f"no WCXB data under {args.data}", file=sys.stderr)
        return 2
    cfg = Config()
    ident = LanguageIdentifier.from_config(cfg.language).load()

    def lang(text: str) -> str:
        return ident.predict(text, k=1)[0][0]

    pages = load_wcxb(args.data)
    gold = [(pt, g, lang(g)) for _fid, _url, _body, g, pt in pages if g.strip()]
    report("WCXB gold main content", [(g, la) for _pt, g, la in gold], cfg.text)
    by_type(gold, cfg.text)
    ecfg = ExtractConfig()
    ecfg.min_doc_chars = 0
    for types in (("article",), ("documentation",), ("forum",)):
        ours = []
        for _fid, url, body, _g, pt in pages:
            if pt in types:
                doc = mm_doc(url, body, ecfg)
                if doc is not None and doc.plain_text.strip():
                    ours.append((doc.plain_text, lang(doc.plain_text)))
        report(f"our extraction of WCXB {'/'.join(types)} pages", ours, cfg.text)
    if not args.no_web:
        web = web_pages(args.data, ecfg)
        texts = [(t, lang(t)) for _url, t in web]
        reasons = report("counter-measure: every HTML page of the shared WARCs (our extraction)", texts, cfg.text)
        dropped = [(u, r, t) for (u, t), r in zip(web, reasons) if r and r != "gopher_short_doc"]
        print(f"\nsample of dropped pages ({min(args.sample, len(dropped))} of {len(dropped)}):")
        step = max(1, len(dropped) // max(1, args.sample))
        for url, reason, text in dropped[::step][: args.sample]:
            print(f"- {reason}: {url}\n    {' '.join(text.split())[:160]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
