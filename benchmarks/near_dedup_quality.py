"""Near-duplicate detection quality on a labelled set built from real pages.

    python benchmarks/near_dedup_quality.py [--data ../shared/data] [--articles 60] [--json OUT]

The set is made from WCXB's real article pages (``extraction-wcxb-dev``, 2025-26 pages). For each
of ``--articles`` articles, five pages in a crawl:

* ``original``: the page as published;
* ``mirror``: the same bytes on another host (exact dedup catches this one first in a full run);
* ``edited``: the page with one paragraph removed, a newsletter promo paragraph added after the
  first one and its whitespace changed;
* ``syndicated``: the article's paragraphs (as our extractor read them) in another site's page
  template (navigation, sidebar, related links, footer), with the last paragraph cut;
* ``syndicated_full``: the same template, every paragraph, title repeated in a standfirst.

Distinct pages that must all be kept: other real articles as published; other articles'
paragraphs in the *same* syndication template on the same hosts (same template, other text); and,
the hard negatives, short briefs (an article's first two paragraphs) that all carry the same three
paragraphs of site boilerplate (author bio, newsletter box, comment policy).

Every page goes through the real per-page chain (extraction, language, text rules; default
config), and those that pass are documents for the near-dedupe stage, run alone (Beam
FnApiRunner, default config, several thresholds). "Is a duplicate" is judged per dropped
document: right when the kept document is from the same article, wrong otherwise; recall is over
every document that had to go (each article's copies beyond one).
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from urllib.parse import urlsplit

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PROMO = ("Sign up for our weekly newsletter and get the best stories of the week delivered straight to your "
         "inbox. Subscribe today and save twenty percent on your first year of unlimited access.")
_P = re.compile(r"<p\b[^>]*>(.*?)</p>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
VARIANTS = ("original", "mirror", "edited", "syndicated", "syndicated_full")
SYNDICATORS = ("dailywire-news.example", "regional-herald.example", "aggregator-today.example")


def template(host: str, title: str, paragraphs: list[str], standfirst: str | None = None) -> bytes:
    """Another site's article page: its own navigation, sidebar, related links and footer."""
    nav = "".join(f'<li><a href="/{s}">{s.title()}</a></li>' for s in ("news", "politics", "business", "sport",
                                                                       "culture", "science", "opinion"))
    related = "".join(f'<li><a href="/story/{i}">Read more: story number {i} from our archive</a></li>'
                      for i in range(1, 6))
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
    lead = f'<p class="standfirst">{html.escape(standfirst)}</p>' if standfirst else ""
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} | {host}</title>
</head><body><header><a class="logo" href="/">{host}</a><nav><ul>{nav}</ul></nav></header>
<main><article><h1>{html.escape(title)}</h1>{lead}<div class="byline">By staff writers, syndicated</div>
<div class="article-body">{body}</div></article>
<aside class="sidebar"><h3>Most read</h3><ul>{related}</ul></aside></main>
<footer><p>Copyright 2026 {host}. All rights reserved.</p><a href="/privacy">Privacy</a> <a href="/terms">Terms</a>
</footer></body></html>"""
    return page.encode("utf-8")


# Paragraphs a site repeats under every article (author bio, newsletter box, comment policy): distinct
# short articles that carry them share a large part of their shingles (the hard negatives of the set).
BOILERPLATE = [
    "About the author: Jordan Ellis has covered technology, science and the environment for more than fifteen "
    "years, first as a local reporter and later as an editor for several national publications. Jordan lives "
    "near the coast with two dogs, a garden that is never quite finished and far too many books.",
    "Never miss a story. Our free morning newsletter brings you the most important news of the day, hand "
    "picked by our editors, along with analysis, long reads and the best of our photography. You can "
    "unsubscribe at any time with one click, and we will never share your address with anyone.",
    "We welcome comments that add to the discussion. Please keep them civil and on topic, and remember that "
    "comments are moderated and may take some time to appear. Read our community guidelines for details.",
]


def _short_with_boilerplate(chain, host: str, i: int, title: str, blocks: list[str]):
    """The article's first two paragraphs and the site's boilerplate paragraphs, in the template."""
    page = template(host, title, blocks[:2] + BOILERPLATE)
    return chain(f"https://{host}/brief/{i}.html", page)


def edit_page(body: bytes) -> bytes | None:
    """One long paragraph removed, a promo paragraph after the first, whitespace changed; None if no <p>."""
    text = body.decode("utf-8", "replace")
    long_ps = [m for m in _P.finditer(text) if len(_TAG.sub("", m.group(1)).strip()) >= 80]
    if len(long_ps) < 4:
        return None
    drop = long_ps[len(long_ps) // 2]
    first = long_ps[0]
    text = (text[:first.end()] + f"\n<p>{PROMO}</p>" + text[first.end():drop.start()] + text[drop.end():])
    text = text.replace("</p>", "</p>\n\n   ")
    return text.encode("utf-8")


def load_pages(data: Path) -> list[tuple[str, bytes]]:
    """WCXB's article pages as (url, html bytes), in file order."""
    root = data / "extraction-wcxb-dev" / "dev"
    out = []
    for gt in sorted((root / "ground-truth").glob("*.json")):
        meta = json.loads(gt.read_text())
        if meta.get("_internal", {}).get("page_type", {}).get("primary") != "article":
            continue
        page = root / "html" / f"{gt.stem}.html.gz"
        if page.exists():
            out.append((meta["url"], gzip.decompress(page.read_bytes())))
    return out


class Chain:
    """The real per-page chain with the default config: page -> Document or None."""

    def __init__(self) -> None:
        from mmcorpus.config import Config
        from mmcorpus.page_chain import PageProcessor

        self.proc = PageProcessor(Config()).setup()

    def __call__(self, url: str, body: bytes):
        from mmcorpus.data import HtmlRecord, Provenance

        prov = Provenance("near-dedup-quality", 0, len(body), f"<urn:bench:{url}>", "2026-01-01T00:00:00Z")
        rec = HtmlRecord(url=url, body=body, status=200, content_type="text/html; charset=utf-8",
                         http_headers={"content-type": "text/html; charset=utf-8"}, provenance=prov)
        return self.proc.process(rec)


def build_set(data: Path, n_articles: int, n_distinct: int):
    """[(group, variant, Document)] of the pages that pass the text rules; group = article or distinct page."""
    chain = Chain()
    pages = load_pages(data)
    items = []
    articles = distinct = templated = 0
    skipped = 0
    for i, (url, body) in enumerate(pages):
        if articles >= n_articles and distinct >= n_distinct and templated >= n_distinct:
            break
        doc = chain(url, body)
        if doc is None or len(doc.text_blocks) < 5:
            skipped += 1
            continue
        parts = urlsplit(url)
        title = doc.title or doc.text_blocks[0][:80]
        host = SYNDICATORS[i % len(SYNDICATORS)]
        if articles < n_articles:
            edited = edit_page(body)
            if edited is None:
                skipped += 1
                continue
            articles += 1
            group = f"article-{articles:03d}"
            variants = {
                "original": (url, body),
                "mirror": (f"https://mirror-{i % 4}.example{parts.path}", body),
                "edited": (f"https://blog-copy-{i % 5}.example/{i}/copy.html", edited),
                "syndicated": (f"https://{host}/wire/{i}.html", template(host, title, doc.text_blocks[:-1])),
                "syndicated_full": (f"https://{SYNDICATORS[(i + 1) % 3]}/story/{i}.html",
                                    template(SYNDICATORS[(i + 1) % 3], title, doc.text_blocks, standfirst=title)),
            }
        elif distinct < n_distinct:
            distinct += 1
            group, variants = f"distinct-{distinct:03d}", {"distinct_page": (url, body)}
        else:
            templated += 1
            group = f"distinct-template-{templated:03d}"
            variants = {"distinct_same_template": (f"https://{host}/wire/{i}.html",
                                                   template(host, title, doc.text_blocks))}
            items_short = _short_with_boilerplate(chain, host, i, title, doc.text_blocks)
            if items_short is not None:
                items.append((f"distinct-boilerplate-{templated:03d}", "distinct_short_shared_boilerplate",
                              items_short))
        for variant, (vurl, vbody) in variants.items():
            vdoc = doc if vurl == url and vbody is body else chain(vurl, vbody)
            if vdoc is not None:
                items.append((group, variant, vdoc))
    return items, skipped


def _save(ids, path):
    with open(path, "w") as f:
        json.dump(sorted(ids), f)


def run_stage(docs, cfg, out: str) -> tuple[list[str], dict[str, int], list[dict]]:
    """The near-dedupe stage alone on ``docs``: (kept ids, counters, audit records)."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from mmcorpus.dedup.dedupe_files import read_audit
    from mmcorpus.pipelines.metrics import ledger_from_result
    from mmcorpus.pipelines.near_dedup import NearDedupe

    ids_file = f"{out}.kept.json"
    p = beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"]))
    _ = (p | beam.Create(docs) | NearDedupe(cfg, out) | beam.Map(lambda d: d.id)
         | beam.combiners.ToList() | beam.Map(_save, ids_file))
    result = p.run()
    result.wait_until_finish()
    with open(ids_file) as f:
        kept = json.load(f)
    return kept, ledger_from_result(result), list(read_audit(out))


def score(items, kept: list[str], audit: list[dict]) -> dict:
    group_of = {d.id: g for g, _, d in items}
    variant_of = {d.id: v for _, v, d in items}
    sizes: dict[str, int] = {}
    for g, _, _ in items:
        sizes[g] = sizes.get(g, 0) + 1
    must_drop = sum(n - 1 for n in sizes.values())
    tp = sum(1 for r in audit if group_of[r["id"]] == group_of[r["kept_id"]])
    wrong = [r for r in audit if group_of[r["id"]] != group_of[r["kept_id"]]]
    survivors: dict[str, int] = {}
    for i in kept:
        survivors[group_of[i]] = survivors.get(group_of[i], 0) + 1
    missed: dict[str, int] = {}
    dropped = {r["id"] for r in audit}
    for g, v, d in items:  # every survivor of an article that kept two or more
        if sizes[g] > 1 and d.id not in dropped and survivors.get(g, 0) > 1:
            missed[v] = missed.get(v, 0) + 1
    multi = [g for g, n in sizes.items() if n > 1]
    return {
        "documents": len(items), "dropped": len(audit), "must_drop": must_drop, "true_positives": tp,
        "precision": round(tp / len(audit), 4) if audit else 1.0,
        "recall": round(tp / must_drop, 4) if must_drop else 1.0,
        "articles_with_one_survivor": sum(1 for g in multi if survivors.get(g, 0) == 1),
        "articles": len(multi),
        "articles_with_two_or_more": sum(1 for g in multi if survivors.get(g, 0) > 1),
        "distinct_pages": sum(1 for n in sizes.values() if n == 1),
        "distinct_pages_dropped": sum(1 for r in wrong if sizes[group_of[r["id"]]] == 1),
        "wrong_drops": [(r["url"], r["kept_url"], r["similarity"]) for r in wrong][:10],
        "survivors_where_two_or_more": missed,
        "kept_variant": _count(variant_of[i] for i in kept if sizes[group_of[i]] > 1),
    }


def _count(xs) -> dict[str, int]:
    out: dict[str, int] = {}
    for x in xs:
        out[x] = out.get(x, 0) + 1
    return dict(sorted(out.items()))


def similarities(items) -> dict[str, dict[str, float]]:
    """True Jaccard of each copy with its original, and the highest between distinct pages, by variant."""
    from mmcorpus.dedup import minhash as mh

    shingles = {d.id: mh.shingle_hashes(mh.words(d.plain_text)) for _, _, d in items}
    originals = {g: d for g, v, d in items if v == "original"}
    by_variant: dict[str, list[float]] = {}
    for g, v, d in items:
        if v != "original" and g in originals:
            by_variant.setdefault(v, []).append(mh.jaccard(shingles[d.id], shingles[originals[g].id]))
    singles = [d for g, v, d in items if g.startswith("distinct")]
    top = 0.0
    for i, a in enumerate(singles):
        for b in singles[i + 1:]:
            top = max(top, mh.jaccard(shingles[a.id], shingles[b.id]))
    out = {v: {"n": len(s), "min": round(min(s), 3), "p50": round(median(s), 3), "max": round(max(s), 3)}
           for v, s in sorted(by_variant.items())}
    out["distinct pages (highest pair)"] = {"n": len(singles), "max": round(top, 3)}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--articles", type=int, default=60)
    ap.add_argument("--distinct", type=int, default=40, help="distinct pages of each kind (as published, templated)")
    ap.add_argument("--thresholds", default="0,0.5,0.6,0.7,0.8,0.9")
    ap.add_argument("--repeated-paragraph-pages", type=int, default=0,
                    help="near_dedup.repeated_paragraph_pages for every run (0: the default, off)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if not (args.data / "extraction-wcxb-dev").exists():
        print(f"no data at {args.data}/extraction-wcxb-dev", file=sys.stderr)
        return 2

    from mmcorpus.config import Config
    from mmcorpus.dedup import minhash as mh

    t0 = time.perf_counter()
    items, skipped = build_set(args.data, args.articles, args.distinct)
    print(f"labelled set: {len(items)} documents passed the text rules ({_count(v for _, v, _ in items)}); "
          f"{skipped} source pages skipped (failed the rules, < 5 blocks or no <p> to edit); "
          f"{time.perf_counter() - t0:.1f} s")
    sims = similarities(items)
    print("\ntrue Jaccard (word 5-gram shingles) of each copy with its original:")
    for v, s in sims.items():
        print(f"  {v:32s} {s}")
    cfg = Config()
    b, r = cfg.near_dedup.bands, cfg.near_dedup.rows
    print(f"\nS-curve, P(candidate) = 1-(1-s^r)^b; steepest near (1/b)^(1/r): {b}x{r} -> {mh.lsh_threshold(b, r):.3f}")
    shapes = [(14, 8), (9, 13), (20, 5), (16, 7)]
    points = (0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
    print("  s      " + "  ".join(f"{bb}x{rr}".rjust(7) for bb, rr in shapes))
    for s in points:
        print(f"  {s:<5}  " + "  ".join(f"{mh.candidate_probability(s, bb, rr):7.4f}" for bb, rr in shapes))
    docs = [d for _, _, d in items]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for k, th in enumerate(float(x) for x in args.thresholds.split(",")):
            cfg = Config()
            cfg.near_dedup.threshold = th
            cfg.near_dedup.repeated_paragraph_pages = args.repeated_paragraph_pages
            t = time.perf_counter()
            kept, ledger, audit = run_stage(docs, cfg, f"{tmp}/run{k}")
            res = score(items, kept, audit)
            assert len(audit) == ledger.get("dedup/dropped:near_duplicate", 0)
            res["seconds"] = round(time.perf_counter() - t, 1)
            res["pairs_checked"] = ledger.get("near_dedup/pairs_checked", 0)
            results[th] = res
    print("\nthreshold  dropped  must  precision  recall  one-survivor  distinct dropped  pairs checked")
    for th, res in results.items():
        print(f"  {th:<8} {res['dropped']:>7} {res['must_drop']:>5} {res['precision']:>10.4f} {res['recall']:>7.4f} "
              f"{res['articles_with_one_survivor']:>6}/{res['articles']:<6} {res['distinct_pages_dropped']:>8}/"
              f"{res['distinct_pages']:<8} {res['pairs_checked']:>8}")
    default = results.get(Config().near_dedup.threshold)
    if default:
        print(f"\nat the default threshold {Config().near_dedup.threshold}: survivors of articles that kept two "
              "or more "
              f"{default['survivors_where_two_or_more']}, kept variant {default['kept_variant']}, "
              f"wrong drops {default['wrong_drops']}")
    if args.json:
        args.json.write_text(json.dumps({"similarities": sims, "results": {str(k): v for k, v in results.items()}},
                                        indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
