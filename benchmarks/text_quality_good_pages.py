"""How many good pages the text-quality rules throw away, by rule.

    python benchmarks/text_quality_good_pages.py [--data ../shared/data]

"Good" pages are WCXB's dev pages (``extraction-wcxb-dev``, 1,310 pages, human-reviewed main
content): every one is a page whose main content a corpus wants. Two texts per page go through
:func:`mmcorpus.filters.text_quality.first_failing_rule` with the default config, the page's
language from the same fastText model the pipeline uses (the English stop-word rule runs on
English pages only, as in the pipeline):

* the ground truth's ``main_content`` (gold text): what the rules do to clean text;
* our own extraction (``extract_document``) of the article, documentation and forum pages.

Pages shorter than ``min_words`` (50) are listed apart: the short-document rule is a length
choice, not a misjudged page. Printed: the share of pages dropped, and per rule the number and
share of pages it is the first to fail, and of pages it fails at all.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from mmcorpus.config import Config, ExtractConfig
from mmcorpus.filters.language import LanguageIdentifier
from mmcorpus.filters.text_quality import REPETITION_RULES, RULES, ParsedText, check_stop_words, first_failing_rule

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extraction_quality import DEFAULT_DATA, load_wcxb, mm_text  # noqa: E402


def every_failing_rule(text: str, cfg, language: str | None) -> list[str]:
    p = ParsedText.of(text)
    rules = RULES + ((check_stop_words,) if language == "en" else ()) + REPETITION_RULES
    return [r for r in (rule(p, cfg) for rule in rules) if r]


def report(name: str, texts: list[tuple[str, str | None]], cfg) -> None:
    first: Counter = Counter()
    every: Counter = Counter()
    short = 0
    for text, lang in texts:
        reason = first_failing_rule(text, cfg, lang)
        if reason == "gopher_short_doc":
            short += 1
            continue
        if reason:
            first[reason] += 1
        every.update(every_failing_rule(text, cfg, lang))
    n = len(texts) - short
    dropped = sum(first.values())
    print(f"\n{name}: {len(texts)} pages, {short} under {cfg.min_words} words (not counted); "
          f"of the other {n}: {dropped} dropped ({dropped / max(1, n):.1%})")
    print("| rule | first to fail | share | fails at all |")
    print("|---|---|---|---|")
    for reason in sorted(set(first) | set(every) - {"gopher_short_doc"}, key=lambda r: -first[r]):
        print(f"| {reason} | {first[reason]} | {first[reason] / max(1, n):.1%} | {every[reason]} |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = ap.parse_args(argv)
    if not (args.data / "extraction-wcxb-dev").exists():
        print(f"no WCXB data under {args.data}", file=sys.stderr)
        return 2
    cfg = Config()
    ident = LanguageIdentifier.from_config(cfg.language).load()

    def lang(text: str) -> str:
        return ident.predict(text, k=1)[0][0]

    pages = load_wcxb(args.data)
    gold = [(g, lang(g)) for _fid, _url, _body, g, _pt in pages if g.strip()]
    report("WCXB gold main content", gold, cfg.text)
    ecfg = ExtractConfig()
    ecfg.min_doc_chars = 0
    for types in (("article",), ("documentation",), ("forum",)):
        ours = []
        for _fid, url, body, _g, pt in pages:
            if pt in types:
                text = mm_text(url, body, ecfg)[0]
                if text.strip():
                    ours.append((text, lang(text)))
        report(f"our extraction of WCXB {'/'.join(types)} pages", ours, cfg.text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
