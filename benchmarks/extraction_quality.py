"""Extraction quality: mmcorpus vs trafilatura on real pages with ground truth.

    python benchmarks/extraction_quality.py [--data ../shared/data] [--no-trafilatura] [--json OUT]

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
  each image, its caption. Images: recall of ``expected.html``'s ``<img>`` (one of its URLs,
  compared without query string, appears among ours), over all of them and over those not
  declared smaller than 64 px (KOSMOS-1 drops those anyway); and the share of our images that
  are none of expected.html's.
* goose3's content tests (51 pages with ``cleaned_text``, the opening of the article): share of
  pages whose first 200 normalised characters appear in the output, and token recall.
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
from mmcorpus.extract.decode import decode_html
from mmcorpus.extract.document import extract_document

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


def mm_text(url: str, body: bytes, cfg: ExtractConfig, captions: bool = False) -> tuple[str, list[str]]:
    """The document's text (with image captions in place if ``captions``) and its image URLs."""
    doc = mm_doc(url, body, cfg)
    if doc is None:
        return "", []
    parts = []
    for t, img in zip(doc.texts, doc.images):
        if t is not None:
            parts.append(t)
        elif captions and img.caption:
            parts.append(img.caption)
    return "\n".join(parts), [i.url for i in doc.image_refs]


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

    tree = LexborHTMLParser(expected.decode("utf-8", "replace"))
    text = tree.body.text(separator=" ") if tree.body else ""
    imgs = []
    for img in tree.css("img"):
        urls = set()
        for attr in ("src", "data-src"):
            v = img.attributes.get(attr)
            if v and not v.startswith("data:"):
                urls.add(_url_key(urljoin(FAKE_URL, v.strip())))
        for attr in ("srcset", "data-srcset"):
            for cand in (img.attributes.get(attr) or "").split(","):
                if cand.split():
                    urls.add(_url_key(urljoin(FAKE_URL, cand.split()[0])))
        if urls:
            imgs.append((urls, _declared_small(img)))
    return text, imgs


def token_prf(pred: str, gold: str) -> tuple[float, float, float]:
    p_tok, g_tok = Counter(_WORD.findall(pred.lower())), Counter(_WORD.findall(gold.lower()))
    common = sum((p_tok & g_tok).values())
    p = common / sum(p_tok.values()) if p_tok else 0.0
    r = common / sum(g_tok.values()) if g_tok else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def readability_scores(cases, extract, with_images: bool) -> dict[str, float]:
    ps, rs, fs = [], [], []
    n_exp = n_found = n_big = n_big_found = n_ours = n_extra = 0
    for _name, src, exp in cases:
        gold, gold_imgs = expected_text_and_images(exp)
        res = extract(FAKE_URL, src)
        text, imgs = res if isinstance(res, tuple) else (res, [])
        p, r, f = token_prf(text, gold)
        ps.append(p)
        rs.append(r)
        fs.append(f)
        if with_images:
            ours = {_url_key(u) for u in imgs}
            every = set().union(*(g for g, _ in gold_imgs)) if gold_imgs else set()
            for keys, small in gold_imgs:
                hit = bool(keys & ours)
                n_exp += 1
                n_found += hit
                if not small:
                    n_big += 1
                    n_big_found += hit
            n_ours += len(imgs)
            n_extra += sum(1 for u in imgs if _url_key(u) not in every)
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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--no-trafilatura", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the scores here")
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
            "readability": readability_scores(cases, fn_doc, with_images=name == "mmcorpus"),
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
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
