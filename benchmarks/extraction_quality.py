"""Extraction quality: mmcorpus vs trafilatura on real pages with ground truth.

    python benchmarks/extraction_quality.py [--data ../shared/data] [--no-trafilatura]

* trafilatura's evaluation sample (extraction-trafilatura-eval): a ``with`` snippet found in the
  output is a true positive, missing a false negative; a ``without`` snippet found is a false
  positive, absent a true negative (trafilatura's published method). Whitespace is normalised.
* Mozilla Readability's test pages: token-level precision/recall/F1 of the extracted text against
  the text of ``expected.html``; image recall (share of expected.html's images that we extract)
  and extra-image share (share of our images that are not in expected.html).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin

from mmcorpus.config import ExtractConfig
from mmcorpus.data import HtmlRecord, Provenance
from mmcorpus.extract import extract_document
from mmcorpus.html_decode import decode_html

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FAKE_URL = "http://fakehost/test/page.html"
_WORD = re.compile(r"\w+", re.U)


def _record(url: str, body: bytes) -> HtmlRecord:
    prov = Provenance(warc_file="bench", offset=0, length=len(body), record_id=url, fetch_date=None)
    return HtmlRecord(url=url, body=body, status=200, content_type="text/html", http_headers={},
                      provenance=prov)


def mm_text(url: str, body: bytes, cfg: ExtractConfig) -> tuple[str, list[str]]:
    doc, _ = extract_document(_record(url, body), cfg)
    if doc is None:
        return "", []
    return "\n".join(doc.text_blocks), [i.url for i in doc.image_refs]


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
    return {"precision": p, "recall": r, "f1": f, "accuracy": (tp + tn) / max(1, tp + tn + fp + fn)}


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


def expected_text_and_images(expected: bytes) -> tuple[str, list[set[str]]]:
    """Text of expected.html, and for each of its <img> the set of URLs it may show."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(expected.decode("utf-8", "replace"))
    text = tree.body.text(separator=" ") if tree.body else ""
    imgs = []
    for img in tree.css("img"):
        urls = set()
        for attr in ("src", "data-src"):
            v = img.attributes.get(attr)
            if v and not v.startswith("data:"):
                urls.add(urljoin(FAKE_URL, v.strip()))
        for attr in ("srcset", "data-srcset"):
            for cand in (img.attributes.get(attr) or "").split(","):
                if cand.split():
                    urls.add(urljoin(FAKE_URL, cand.split()[0]))
        if urls:
            imgs.append(urls)
    return text, imgs


def token_prf(pred: str, gold: str) -> tuple[float, float, float]:
    p_tok, g_tok = Counter(_WORD.findall(pred.lower())), Counter(_WORD.findall(gold.lower()))
    common = sum((p_tok & g_tok).values())
    p = common / sum(p_tok.values()) if p_tok else 0.0
    r = common / sum(g_tok.values()) if g_tok else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def readability_scores(cases, extract, with_images: bool) -> dict[str, float]:
    ps, rs, fs = [], [], []
    n_exp = n_found = n_ours = n_extra = 0
    for _name, src, exp in cases:
        gold, gold_imgs = expected_text_and_images(exp)
        res = extract(FAKE_URL, src)
        text, imgs = res if isinstance(res, tuple) else (res, [])
        p, r, f = token_prf(text, gold)
        ps.append(p)
        rs.append(r)
        fs.append(f)
        if with_images:
            ours = set(imgs)
            every = set().union(*gold_imgs) if gold_imgs else set()
            n_exp += len(gold_imgs)
            n_found += sum(1 for g in gold_imgs if g & ours)
            n_ours += len(imgs)
            n_extra += sum(1 for u in imgs if u not in every)
    out = {"precision": sum(ps) / len(ps), "recall": sum(rs) / len(rs), "f1": sum(fs) / len(fs)}
    if with_images:
        out["image_recall"] = n_found / max(1, n_exp)
        out["extra_image_share"] = n_extra / max(1, n_ours)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--no-trafilatura", action="store_true")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    cfg = ExtractConfig()
    cfg.min_doc_chars = 0  # score every page, as the reference tools do
    rows = []
    pages = load_trafilatura_eval(args.data)
    cases = load_readability(args.data)
    systems = [("mmcorpus", lambda u, b: mm_text(u, b, cfg)[0], lambda u, b: mm_text(u, b, cfg))]
    if not args.no_trafilatura:
        systems.append(("trafilatura", traf_text, traf_text))
    for name, fn_text, fn_both in systems:
        t0 = time.perf_counter()
        s1 = snippet_scores(pages, fn_text)
        s2 = readability_scores(cases, fn_both, with_images=name == "mmcorpus")
        rows.append((name, s1, s2, time.perf_counter() - t0))
    print(f"trafilatura eval: {len(pages)} pages; readability test pages: {len(cases)} cases\n")
    print("| system | traf P | traf R | traf F1 | read P | read R | read F1 | img recall | extra img | s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, s1, s2, dt in rows:
        ir = f"{s2['image_recall']:.3f}" if "image_recall" in s2 else "-"
        ex = f"{s2['extra_image_share']:.3f}" if "extra_image_share" in s2 else "-"
        print(f"| {name} | {s1['precision']:.3f} | {s1['recall']:.3f} | {s1['f1']:.3f} | "
              f"{s2['precision']:.3f} | {s2['recall']:.3f} | {s2['f1']:.3f} | {ir} | {ex} | {dt:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
