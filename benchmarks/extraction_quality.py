"""Extraction quality: mmcorpus vs trafilatura on real pages with ground truth.

    python benchmarks/extraction_quality.py [--data ../shared/data] [--no-trafilatura] [--json OUT]
        [--no-wcxb] [--image-detail]

Three sets, each scored in its own ground truth's convention:

* trafilatura's evaluation sample (``extraction-trafilatura-eval``, 380 pages, mostly German):
  a ``with`` snippet found in the output text is a true positive, missing a false negative; a
  ``without`` snippet found is a false positive (trafilatura's published method). Its ground
  truth leaves figure captions out of the main text, and so do we: the text is the document's
  text blocks. Whitespace is normalised.
* Mozilla Readability's test pages (130 cases, ``expected.html`` is the cleaned article *with
  its figures in place*): token precision/recall/F1 against the text of ``expected.html``,
  averaged per page. A figure's caption is part of that text, and our documents carry it on the
  image (``ImageRef.caption``), so the scored text is the document in order: text blocks and, at
  each image, its caption. Images: recall of ``expected.html``'s ``<img>``, found when one of its
  URLs (src, srcset, lazy attributes) is one of the candidate URLs of one of our images
  (``ImageRef.urls``: the same element's src, srcset and lazy attributes; compared without query
  string), over all of them and over those not declared smaller than 64 px (KOSMOS-1 drops those
  anyway); and the share of our images none of whose candidates is one of expected.html's.
* goose3's content tests (51 pages with ``cleaned_text``, the opening of the article): share of
  pages whose first 200 normalised characters appear in the output, and token recall.
* WCXB's dev split (``extraction-wcxb-dev``, 1,310 pages of 7 types): WCXB's own word-level F1
  (``evaluate.py``: lower-cased word tokens, multiset overlap, averaged per page; an empty
  ground truth scores 1 for empty output), overall and per page type, and extraction speed
  (CPU seconds over the pages in memory, one core; the extractors take turns page by page, so
  the ratios hold on a busy machine; ours is also timed alone first, for its peak memory). Our
  text is the document's text blocks, as for trafilatura's set. rs-trafilatura (wheels for
  Python >= 3.12 only) runs as a yardstick in its own interpreter (``--py312``, see
  ``wcxb_yardstick.py``), never imported here.

    python3.12 -m venv /tmp/bench312 && /tmp/bench312/bin/pip install rs-trafilatura
    python benchmarks/extraction_quality.py --py312 /tmp/bench312/bin/python
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin

from mmcorpus.config import ExtractConfig
from mmcorpus.data import HtmlRecord, Provenance
from mmcorpus.extract.decode import decode_html
from mmcorpus.extract.document import extract_document

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wcxb_yardstick import Served  # noqa: E402 - the benchmarks folder, on the path when imported too

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FAKE_URL = "http://fakehost/test/page.html"
MIN_SIDE = 64  # KOSMOS-1's image size floor
_WORD = re.compile(r"\w+", re.U)


def _record(url: str, body: bytes) -> HtmlRecord:
    prov = Provenance(warc_file="bench", offset=0, length=len(body), record_id=url, fetch_date=None)
    return HtmlRecord(url=url, body=body, status=200, content_type="text/html", http_headers={},
                      provenance=prov)


def mm_doc(url: str, body: bytes, cfg: ExtractConfig):
    doc, _ = extract_document(_record(url, body), cfg)
    return doc


def mm_text(url: str, body: bytes, cfg: ExtractConfig, captions: bool = False) -> tuple[str, list[list[str]]]:
    """The document's text (with image captions in place if ``captions``) and, per image, its
    candidate URLs (``ImageRef.urls``: src, srcset, lazy attributes; best first)."""
    doc = mm_doc(url, body, cfg)
    if doc is None:
        return "", []
    parts = []
    for t, img in zip(doc.texts, doc.images):
        if t is not None:
            parts.append(t)
        elif captions and img.caption:
            parts.append(img.caption)
    return "\n".join(parts), [i.urls for i in doc.image_refs]


def traf_text(url: str, body: bytes) -> str:
    import trafilatura

    text, _ = decode_html(body, None)
    return trafilatura.extract(text, url=url) or ""


def _norm(s: str) -> str:
    return " ".join(s.split())


def snippet_scores(pages, extract) -> dict[str, float]:
    tp = fn = fp = tn = 0
    for url, body, item in pages:
        out = _norm(extract(url, body))
        for s in item.get("with", []):
            if _norm(s) in out:
                tp += 1
            else:
                fn += 1
        for s in item.get("without", []):
            if _norm(s) in out:
                fp += 1
            else:
                tn += 1
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fn": fn, "fp": fp}


def load_trafilatura_eval(data: Path):
    base = data / "extraction-trafilatura-eval"
    meta = json.loads((base / "evaldata-sample.json").read_text())
    pages = []
    for url, item in meta.items():
        path = base / item["path"]
        if path.exists():
            pages.append((url, path.read_bytes(), item))
    return pages


def load_readability(data: Path):
    base = data / "extraction-readability-testpages" / "test" / "test-pages"
    cases = []
    for d in sorted(base.iterdir()):
        if (d / "source.html").exists() and (d / "expected.html").exists():
            cases.append((d.name, (d / "source.html").read_bytes(), (d / "expected.html").read_bytes()))
    return cases


def load_goose(data: Path):
    base = data / "extraction-goose3-tests" / "tests" / "data" / "content"
    cases = []
    for j in sorted(base.glob("*.json")):
        item = json.loads(j.read_text())
        html = j.with_suffix(".html")
        text = item.get("expected", {}).get("cleaned_text")
        if html.exists() and text:
            cases.append((j.stem, item.get("url") or "http://example.com/", html.read_bytes(), text))
    return cases


def _url_key(url: str) -> str:
    """Same image, other rendition: compare without scheme, query string and fragment."""
    return url.split("#", 1)[0].split("?", 1)[0].split("://", 1)[-1]


def _declared_small(img) -> bool:
    for attr in ("width", "height"):
        v = (img.attributes.get(attr) or "").strip()
        m = re.match(r"\d+", v)
        if m and int(m.group()) < MIN_SIDE:
            return True
    return False


def expected_text_and_images(expected: bytes) -> tuple[str, list[tuple[set[str], bool]]]:
    """Text of expected.html, and for each of its <img>: the URL keys it may show, and whether it
    is declared smaller than 64 px."""
    from selectolax.lexbor import LexborHTMLParser

    from mmcorpus.extract.image_urls import parse_srcset

    tree = LexborHTMLParser(expected.decode("utf-8", "replace"))
    text = tree.body.text(separator=" ") if tree.body else ""
    imgs = []
    for img in tree.css("img"):
        urls = set()
        for attr in ("src", "data-src"):
            v = img.attributes.get(attr)
            if v and not v.startswith("data:"):
                urls.add(_url_key(urljoin(FAKE_URL, v.strip())))
        for attr in ("srcset", "data-srcset"):  # the HTML spec's parse: commas inside URLs stay
            for cand, _ in parse_srcset(img.attributes.get(attr)):
                urls.add(_url_key(urljoin(FAKE_URL, cand)))
        if urls:
            imgs.append((urls, _declared_small(img)))
    return text, imgs


def token_prf(pred: str, gold: str) -> tuple[float, float, float]:
    p_tok, g_tok = Counter(_WORD.findall(pred.lower())), Counter(_WORD.findall(gold.lower()))
    common = sum((p_tok & g_tok).values())
    p = common / sum(p_tok.values()) if p_tok else 0.0
    r = common / sum(g_tok.values()) if g_tok else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def readability_scores(cases, extract, with_images: bool, detail: bool = False) -> dict[str, float]:
    """Token P/R/F1 per page, averaged; with ``with_images`` the image scores too, and with
    ``detail`` a line per page that has extra or missed images (missed: those not declared under
    64 px) on stderr, for diagnosis."""
    ps, rs, fs = [], [], []
    n_exp = n_found = n_big = n_big_found = n_ours = n_extra = 0
    for name, src, exp in cases:
        gold, gold_imgs = expected_text_and_images(exp)
        res = extract(FAKE_URL, src)
        text, imgs = res if isinstance(res, tuple) else (res, [])
        p, r, f = token_prf(text, gold)
        ps.append(p)
        rs.append(r)
        fs.append(f)
        if with_images:
            # one of our images is a list of its candidate URLs (a bare URL from another extractor)
            imgs = [[u] if isinstance(u, str) else u for u in imgs]
            ours = {_url_key(u) for cands in imgs for u in cands}
            every = set().union(*(g for g, _ in gold_imgs)) if gold_imgs else set()
            for keys, small in gold_imgs:
                hit = bool(keys & ours)
                n_exp += 1
                n_found += hit
                if not small:
                    n_big += 1
                    n_big_found += hit
            extra = [cands[0] for cands in imgs if not any(_url_key(u) in every for u in cands)]
            n_ours += len(imgs)
            n_extra += len(extra)
            if detail:
                missed = [sorted(keys)[0] for keys, small in gold_imgs if not small and not keys & ours]
                for kind, urls in (("extra", extra), ("missed", missed)):
                    for u in urls:
                        print(f"{name}\t{kind}\t{u}", file=sys.stderr)
    out = {"precision": sum(ps) / len(ps), "recall": sum(rs) / len(rs), "f1": sum(fs) / len(fs)}
    if with_images:
        out["image_recall"] = n_found / max(1, n_exp)
        out["image_recall_64px"] = n_big_found / max(1, n_big)
        out["extra_image_share"] = n_extra / max(1, n_ours)
    return out


def goose_scores(cases, extract) -> dict[str, float]:
    found, recalls = 0, []
    for _name, url, body, exp in cases:
        out = _norm(extract(url, body))
        found += _norm(exp)[:200] in out
        recalls.append(token_prf(out, exp)[1])
    return {"opening_found": found / len(cases), "token_recall": sum(recalls) / len(recalls)}


WCXB_TYPES = ("article", "forum", "product", "collection", "listing", "documentation", "service")


def load_wcxb(data: Path):
    """``(id, url, html bytes, gold main_content, page type)`` of WCXB's dev pages."""
    base = data / "extraction-wcxb-dev" / "dev"
    pages = []
    for gt in sorted((base / "ground-truth").glob("*.json")):
        item = json.loads(gt.read_text())
        truth = item.get("ground_truth")
        html = base / "html" / f"{gt.stem}.html.gz"
        if not isinstance(truth, dict) or not html.exists():
            continue
        pt = (item.get("_internal") or {}).get("page_type", {})
        pt = pt.get("primary", "article") if isinstance(pt, dict) else (pt or "article")
        pages.append((gt.stem, item.get("url") or "http://example.com/", gzip.decompress(html.read_bytes()),
                      truth.get("main_content") or "", "collection" if pt == "category" else pt))
    return pages


def wcxb_f1(pred: str, gold: str) -> float:
    """WCXB's ``word_f1`` (evaluate.py): an empty gold scores 1 for empty output, else 0."""
    p_tok, g_tok = _WORD.findall(pred.lower()), _WORD.findall(gold.lower())
    if not g_tok:
        return 1.0 if not p_tok else 0.0
    if not p_tok:
        return 0.0
    common = sum((Counter(p_tok) & Counter(g_tok)).values())
    p, r = common / len(p_tok), common / len(g_tok)
    return 2 * p * r / (p + r) if p + r else 0.0


def wcxb_scores(pages, preds: dict[str, str], cpu_seconds: float) -> dict[str, float]:
    """Mean word F1 overall and per page type, and docs/s per core."""
    by_type: dict[str, list[float]] = {}
    for fid, _url, _body, gold, pt in pages:
        by_type.setdefault(pt, []).append(wcxb_f1(preds.get(fid, ""), gold))
    every = [f for fs in by_type.values() for f in fs]
    out = {"all": sum(every) / len(every)}
    out.update({t: sum(fs) / len(fs) for t, fs in by_type.items()})
    out["docs_per_s"] = len(pages) / cpu_seconds if cpu_seconds else 0.0
    return out


def wcxb_run(pages, extract) -> tuple[dict[str, str], float]:
    """Predictions of ``extract(url, body)`` and the CPU seconds they took (pages in memory)."""
    preds = {}
    t0 = time.process_time()
    for fid, url, body, _gold, _pt in pages:
        preds[fid] = extract(url, body)
    return preds, time.process_time() - t0


def wcxb_interleaved(pages, extractors: dict, yardsticks: list[Served]) -> dict[str, tuple[dict[str, str], float]]:
    """Every extractor on page 1, then every extractor on page 2, ...: ``{name: (preds, CPU s)}``.

    Taking turns page by page means a change in the machine's load (a shared VM, other jobs)
    falls on every extractor alike, so the speed ratios of one run hold even when the absolute
    docs/s drift.
    """
    preds: dict[str, dict[str, str]] = {name: {} for name in [*extractors, *(y.name for y in yardsticks)]}
    cpu = dict.fromkeys(preds, 0.0)
    clock = time.process_time
    for fid, url, body, _gold, _pt in pages:
        for name, extract in extractors.items():
            t0 = clock()
            preds[name][fid] = extract(url, body)
            cpu[name] += clock() - t0
        for y in yardsticks:
            out = y.ask(fid)
            preds[y.name][fid] = out["text"]
            cpu[y.name] += out["cpu_seconds"]
    return {name: (preds[name], cpu[name]) for name in preds}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--no-trafilatura", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the scores here")
    ap.add_argument("--py312", help="a Python >= 3.12 with rs-trafilatura installed, for the WCXB yardstick")
    ap.add_argument("--no-wcxb", action="store_true", help="skip WCXB's 1,310 dev pages")
    ap.add_argument("--image-detail", action="store_true",
                    help="list per Readability page the extra and missed images (stderr)")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    cfg = ExtractConfig()
    cfg.min_doc_chars = 0  # score every page, as the reference tools do
    pages = load_trafilatura_eval(args.data)
    cases = load_readability(args.data)
    goose = load_goose(args.data)
    systems = [("mmcorpus", lambda u, b: mm_text(u, b, cfg)[0], lambda u, b: mm_text(u, b, cfg, captions=True))]
    if not args.no_trafilatura:
        systems.append(("trafilatura", traf_text, traf_text))
    rows = {}
    for name, fn_text, fn_doc in systems:
        t0 = time.perf_counter()
        rows[name] = {
            "trafilatura_eval": snippet_scores(pages, fn_text),
            "readability": readability_scores(cases, fn_doc, with_images=name == "mmcorpus",
                                              detail=args.image_detail and name == "mmcorpus"),
            "goose3": goose_scores(goose, fn_text),
            "seconds": time.perf_counter() - t0,
        }
    print(f"trafilatura eval: {len(pages)} pages; readability: {len(cases)} cases; goose3: {len(goose)} cases\n")
    print("| system | traf P | traf R | traf F1 | read P | read R | read F1 | goose opening | goose token R |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        t, d, g = r["trafilatura_eval"], r["readability"], r["goose3"]
        print(f"| {name} | {t['precision']:.3f} | {t['recall']:.3f} | {t['f1']:.3f} | {d['precision']:.3f} | "
              f"{d['recall']:.3f} | {d['f1']:.3f} | {g['opening_found']:.3f} | {g['token_recall']:.3f} |")
    d = rows["mmcorpus"]["readability"]
    print(f"\nmmcorpus images on Readability's pages: recall {d['image_recall']:.3f} of all expected <img>, "
          f"{d['image_recall_64px']:.3f} of those not declared under {MIN_SIDE} px; "
          f"{d['extra_image_share']:.3f} of ours are not in expected.html")
    if not args.no_wcxb and (args.data / "extraction-wcxb-dev").exists():
        rows["wcxb"] = wcxb_table(args, cfg)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


def wcxb_table(args, cfg: ExtractConfig) -> dict:
    wcxb = load_wcxb(args.data)
    ours = lambda u, b: mm_text(u, b, cfg)[0]  # noqa: E731
    alone = wcxb_run(wcxb, ours)  # first alone: its peak memory is ours only
    peak_mm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    extractors = {"mmcorpus": ours}
    if not args.no_trafilatura:
        extractors["trafilatura"] = traf_text
    yardsticks = []
    if args.py312:
        try:
            script = Path(__file__).with_name("wcxb_yardstick.py")
            yardsticks.append(Served([args.py312, str(script), "rs-trafilatura",
                                      str(args.data / "extraction-wcxb-dev"), "--serve"], "rs-trafilatura"))
        except (OSError, ValueError, KeyError) as e:
            print(f"rs-trafilatura not run ({args.py312}): {e}", file=sys.stderr)
    try:
        runs = wcxb_interleaved(wcxb, extractors, yardsticks) if len(extractors) + len(yardsticks) > 1 \
            else {"mmcorpus": alone}
    finally:
        for y in yardsticks:
            y.close()
    scores = {name: wcxb_scores(wcxb, preds, cpu) for name, (preds, cpu) in runs.items()}
    print(f"\nWCXB dev: {len(wcxb)} pages, word F1 (WCXB's evaluate.py), extraction only, CPU time, one core;"
          " the extractors take turns page by page\n")
    print("| system | all | " + " | ".join(f"{t} ({sum(1 for p in wcxb if p[4] == t)})" for t in WCXB_TYPES)
          + " | docs/s |")
    print("|---" * (len(WCXB_TYPES) + 3) + "|")
    for name, sc in scores.items():
        print(f"| {name} | {sc['all']:.3f} | " + " | ".join(f"{sc.get(t, 0.0):.3f}" for t in WCXB_TYPES)
              + f" | {sc['docs_per_s']:.1f} |")
    base = scores["mmcorpus"]["docs_per_s"]
    for name, sc in scores.items():
        if name != "mmcorpus" and sc["docs_per_s"]:
            print(f"mmcorpus / {name} speed: {base / sc['docs_per_s']:.2f}x")
    print(f"mmcorpus alone (before the turns): {len(wcxb) / alone[1]:.1f} docs/s; "
          f"peak RSS after it: {peak_mm:.0f} MB")
    return scores


if __name__ == "__main__":
    raise SystemExit(main())
