"""Showing samples to people: the text form ``mmcorpus show`` prints and the HTML ``mmcorpus view`` writes.

Interleaved documents are shown the way KOSMOS-1 feeds them to the model (arXiv 2302.14045 §2.1):
``<s> text <image> image </image> text </s>``. The gallery is one static, self-contained HTML
file: images are inline ``data:`` URIs, every piece of crawled text is HTML-escaped, links are kept
only for http(s) URLs, and a Content-Security-Policy forbids scripts and remote loads, so a
gallery of hostile pages is safe to open. Sampling is deterministic: a set's samples are ranked
by ``blake2b(seed:key)`` and the first ``n`` shown, so a seed always picks the same samples.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import html
import json
import os
import re
from typing import Any

from mmcorpus.images.formats import sniff_image
from mmcorpus.shards.reader import Dataset, decode_json, ignore, iter_samples

KEY_SAFE = frozenset("0123456789abcdefghijklmnopqrstuvwxyz_-")


def sniff(data: bytes) -> tuple[str, str]:
    """(file extension, MIME type) from an image's first bytes; ("bin", octet-stream) if unknown."""
    return sniff_image(data[:16]) or ("bin", "application/octet-stream")


def sample_images(set_name: str, sample: dict[str, Any]) -> list[dict[str, Any]]:
    """The sample's images in order: {data, width, height, url, alt, caption, slot}."""
    if set_name == "pairs" or "jpg" in sample:
        body = decode_json(sample) or {}
        return [{"data": sample.get("jpg", b""), "width": body.get("width"), "height": body.get("height"),
                 "url": body.get("url"), "alt": None, "caption": body.get("caption"), "slot": 0}]
    if "images.npy" not in sample:
        return []
    from mmcorpus.shards.layout import decode_interleaved

    doc, jpegs = decode_interleaved(sample)
    return [{"data": data, "width": ref.width, "height": ref.height, "url": ref.url, "alt": ref.alt,
             "caption": ref.caption, "slot": i}
            for i, (ref, data) in enumerate(zip(doc.images, jpegs)) if ref is not None]


def save_images(images: list[dict[str, Any]], out_dir: str, key: str) -> list[str]:
    """Write images as ``{key}-{n}.{ext}`` in ``out_dir`` (names made here; the key only if it is safe)."""
    stem = key if key and set(key) <= KEY_SAFE else "sample-" + hashlib.sha256(key.encode()).hexdigest()[:12]
    root = os.path.realpath(out_dir)
    os.makedirs(root, exist_ok=True)
    paths = []
    for n, im in enumerate(images):
        path = os.path.join(root, f"{stem}-{n}.{sniff(im['data'])[0]}")
        if os.path.dirname(os.path.realpath(path)) != root:  # cannot happen with the names above
            raise ValueError(f"refusing to write outside {root}: {path}")
        with open(path, "wb") as f:
            f.write(im["data"])
        paths.append(path)
    return paths


# -- text form (mmcorpus show) ------------------------------------------------------------------

def render_sample_text(set_name: str, sample: dict[str, Any]) -> str:
    body = decode_json(sample) or {}
    key = sample["__key__"]
    shard = sample["__url__"].rsplit("/", 1)[-1]
    out = [f"{set_name} sample {key} ({shard})"]
    images = sample_images(set_name, sample)
    if set_name == "interleaved" or "images.npy" in sample:
        out.append(f"url: {body.get('url')}   language: {body.get('language')} ({body.get('language_score')})")
        parts, n = ["<s>"], 0
        for text, im in zip(body.get("texts") or [], body.get("images") or []):
            if text is not None:
                parts.append(text)
            elif im is not None:
                parts.append(f"<image> [image {n}] </image>")
                n += 1
        parts.append("</s>")
        out += ["", " ".join(parts), ""]
    elif set_name == "pairs" or "jpg" in sample:
        out += [f"page: {body.get('page_url')}", "", f"<s> <image> [image 0] </image> {body.get('caption')} </s>", ""]
    else:
        out += [f"url: {body.get('url')}   language: {body.get('language')}", "",
                f"<s> {body.get('text', '')} </s>", ""]
    for n, im in enumerate(images):
        cap = im["caption"] or im["alt"] or ""
        out.append(f"[image {n}] {im['width']}x{im['height']}, {len(im['data']):,} bytes, {im['url']}")
        if cap:
            out.append(f"           caption: {cap}")
    meta = body.get("metadata")
    if meta:
        out.append(f"metadata: {json.dumps(meta, sort_keys=True, ensure_ascii=False)}")
    return "\n".join(out).rstrip() + "\n"


# -- deterministic sampling ---------------------------------------------------------------------

def _rank(seed: int, key: str) -> bytes:
    return hashlib.blake2b(f"{seed}:{key}".encode(), digest_size=16).digest()


def pick(samples, n: int, seed: int) -> list[dict[str, Any]]:
    """The ``n`` samples with the smallest ``blake2b(seed:key)``, in that order (one pass, n in memory)."""
    heap: list[tuple[bytes, int, dict[str, Any]]] = []
    for i, s in enumerate(samples):
        item = (_rank(seed, s["__key__"]), i, s)
        if len(heap) < n:
            heapq.heappush(heap, _neg(item))
        elif item[0] < _neg(heap[0])[0]:
            heapq.heapreplace(heap, _neg(item))
    return [s for _, _, s in sorted(_neg(x) for x in heap)]


def _neg(item):
    """Max-heap on rank via byte inversion (heapq is a min-heap)."""
    return bytes(255 - b for b in item[0]), item[1], item[2]


# -- HTML (mmcorpus view) -----------------------------------------------------------------------

_CSS = """body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1em;color:#222}
h1{font-size:1.4em}h2{border-bottom:2px solid #ccc;margin-top:2em}
article{border:1px solid #ddd;border-radius:6px;padding:1em 1.5em;margin:1em 0;background:#fff}
.meta{color:#666;font-size:.85em;word-break:break-all}figure{margin:1em 0;text-align:center}
figure img{max-width:100%;max-height:420px;border:1px solid #ccc}figcaption{font-style:italic;color:#444}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:1em}
.card{border:1px solid #ddd;border-radius:6px;padding:.5em;background:#fff}
.card img{width:100%;height:180px;object-fit:contain;background:#f4f4f4}.tag{font-family:monospace;color:#a33}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2em .6em;text-align:left}
nav{margin:.5em 0}article.rejected{background:#fff8f6}"""
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _link(url: str | None) -> str:
    if url and url.lower().startswith(("http://", "https://")):
        return f'<a href="{_e(url)}" rel="noreferrer noopener nofollow">{_e(url)}</a>'
    return _e(url)


def _img(im: dict[str, Any]) -> str:
    mime = sniff(im["data"])[1]
    src = f"data:{mime};base64,{base64.b64encode(im['data']).decode()}" if mime != "application/octet-stream" else ""
    return f'<img src="{src}" alt="{_e(im.get("alt") or im.get("caption") or "")}" loading="eager">'


def _document_html(sample: dict[str, Any]) -> str:
    body = decode_json(sample) or {}
    images = {im["slot"]: im for im in sample_images("interleaved", sample)}
    prov = body.get("provenance") or {}
    meta = {"language": body.get("language"), "language_score": body.get("language_score"),
            **(body.get("metadata") or {})}
    out = [f'<article class="doc" id="{_e(sample["__key__"])}">',
           f'<div class="meta">{_link(body.get("url"))}<br>key {_e(sample["__key__"])} · '
           f'{_e(sample["__url__"].rsplit("/", 1)[-1])} · {_e(prov.get("warc_file"))} @ {_e(prov.get("offset"))} · '
           f'{_e(prov.get("fetch_date"))}<br>{_e(json.dumps(meta, sort_keys=True, ensure_ascii=False))}</div>',
           '<span class="tag">&lt;s&gt;</span>']
    for i, text in enumerate(body.get("texts") or []):
        if text is not None:
            out.append(f"<p>{_e(text)}</p>")
        elif i in images:
            im = images[i]
            cap = im["caption"] or im["alt"]
            out.append('<figure><span class="tag">&lt;image&gt;</span>'
                       + f'{_img(im)}<span class="tag">&lt;/image&gt;</span>'
                       + (f"<figcaption>{_e(cap)}</figcaption>" if cap else "")
                       + f'<div class="meta">{_e(im["width"])}×{_e(im["height"])} · {_link(im["url"])}</div></figure>')
    out.append('<span class="tag">&lt;/s&gt;</span></article>')
    return "\n".join(out)


def _pair_html(sample: dict[str, Any]) -> str:
    body = decode_json(sample) or {}
    im = sample_images("pairs", sample)[0]
    return (f'<div class="card" id="{_e(sample["__key__"])}">{_img(im)}<div>{_e(body.get("caption"))}</div>'
            f'<div class="meta">{_e(body.get("caption_source"))} · {_e(body.get("width"))}×{_e(body.get("height"))}'
            f' · {_e(body.get("language"))}<br>{_link(body.get("url"))}'
            f'<br>page {_link(body.get("page_url"))}</div></div>')


def _text_html(sample: dict[str, Any], max_chars: int = 2000) -> str:
    body = decode_json(sample) or {}
    text = body.get("text") or ""
    more = f" … ({len(text):,} chars)" if len(text) > max_chars else ""
    paras = "".join(f"<p>{_e(p)}</p>" for p in text[:max_chars].split("\n\n"))
    return (f'<article class="text" id="{_e(sample["__key__"])}"><div class="meta">{_link(body.get("url"))} · '
            f'{_e(body.get("language"))}</div>{paras}{_e(more)}</article>')


def _summary_html(ds: Dataset) -> str:
    """The run's totals per set and its ledger (from the manifest), first thing on the page."""
    m = ds.manifest
    if not m:
        return ""
    rows = "".join(f"<tr><td>{_e(name)}</td><td>{len(e.get('shards', []))}</td><td>{_e(e.get('samples'))}</td>"
                   f"<td>{_e(e.get('pattern', ''))}</td></tr>" for name, e in sorted(m.get("outputs", {}).items()))
    b = m.get("balance") or {}
    verdict = "adds up" if b.get("balanced") else "DOES NOT add up"
    ledger = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in sorted((m.get("ledger") or {}).items()))
    files = m.get("input_files") or {}
    failed = "".join(f"<li>{_e(f['status'])} {_e(f['path'])}: {_e(f.get('message'))}</li>"
                     for f in files.get("not_ok", []))
    return (f'<section id="summary"><h2>Run</h2><table><tr><th>set</th><th>shards</th><th>samples</th>'
            f'<th>pattern</th></tr>{rows}</table>'
            f'<p>ledger {verdict}: {_e(b.get("records_read"))} records read, {_e(b.get("accounted"))} accounted'
            + (f"; {_e(files.get('files'))} input files" if files else "") + "</p>"
            + (f"<p>input files that failed:</p><ul>{failed}</ul>" if failed else "")
            + f'<details><summary>every counter</summary><table>{ledger}</table></details></section>')


def _rejected_html(rejected: dict[str, list[dict[str, Any]]], max_chars: int = 1500) -> str:
    if not rejected:
        return ""
    parts = ['<section id="rejected"><h2>Rejected pages (a sample per reason)</h2>']
    for reason, rows in sorted(rejected.items()):
        anchor = "rejected-" + re.sub(r"[^0-9a-z_]+", "-", reason.lower())
        parts.append(f'<h3 id="{_e(anchor)}">{_e(reason)} ({len(rows)} shown)</h3>')
        for row in rows:
            prov = row.get("provenance") or {}
            text = row.get("text")
            body = ("".join(f"<p>{_e(p)}</p>" for p in text[:max_chars].split("\n\n")) if text
                    else "<p><em>no text extracted</em></p>")
            parts.append(f'<article class="rejected"><div class="meta"><span class="tag">{_e(reason)}</span> · '
                         f'{_link(row.get("url"))} · {_e(prov.get("warc_file"))} @ {_e(prov.get("offset"))}</div>'
                         f"{body}</article>")
    parts.append("</section>")
    return "\n".join(parts)


def _nav_html(names: list[str], rejected: dict[str, list[dict[str, Any]]], has_summary: bool) -> str:
    links = (['<a href="#summary">run</a>'] if has_summary else []) + \
        [f'<a href="#set-{_e(n)}">{_e(n)}</a>' for n in names] + \
        (['<a href="#rejected">rejected</a>'] if rejected else [])
    return '<nav class="meta">' + " · ".join(links) + "</nav>"


def gallery_html(ds: Dataset, picked: dict[str, list[dict[str, Any]]], seed: int,
                 rejected: dict[str, list[dict[str, Any]]] | None = None) -> str:
    rejected = rejected or {}
    summary = _summary_html(ds)
    nav = _nav_html(list(picked), rejected, bool(summary))
    sections = []
    for name, samples in picked.items():
        if name == "pairs":
            inner = '<div class="grid">' + "\n".join(_pair_html(s) for s in samples) + "</div>"
        elif name == "interleaved":
            inner = "\n".join(_document_html(s) for s in samples)
        else:
            inner = "\n".join(_text_html(s) for s in samples)
        sections.append(f'<section id="set-{_e(name)}"><h2>{_e(name)} ({len(samples)} shown)</h2>{nav}\n'
                        f"{inner}</section>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
            f"<title>mmcorpus gallery: {_e(ds.root)}</title><style>{_CSS}</style></head><body>\n"
            f"<h1>mmcorpus gallery</h1><p class=\"meta\">{_e(ds.root)} · seed {seed}</p>\n{nav}\n{summary}\n"
            + "\n".join(sections) + "\n" + _rejected_html(rejected) + "\n</body></html>\n")


def read_rejected_folder(ds: Dataset) -> dict[str, list[dict[str, Any]]]:
    """The rejected-page sample a run kept in ``OUT/rejected/`` (empty when there is none)."""
    if ds.kind != "out":
        return {}
    import fsspec

    from mmcorpus.tools.rejected import FOLDER, read_rejected

    fs, root = fsspec.core.url_to_fs(ds.root)
    folder = f"{root.rstrip('/')}/{FOLDER}"
    if not fs.isdir(folder):
        return {}
    texts = {}
    for path in fs.ls(folder, detail=False):
        if path.endswith(".jsonl"):
            with fs.open(path, "rb") as f:
                texts[path.rsplit("/", 1)[-1]] = f.read().decode("utf-8", errors="replace")
    return read_rejected(texts)


def write_gallery(ds: Dataset, path: str, n: int = 12, seed: int = 0) -> dict[str, int]:
    """Sample ``n`` per set (deterministic in ``seed``), write the HTML page; samples shown per set
    (and ``rejected``: the rejected pages shown, from the run's own capped sample)."""
    picked = {name: pick((s for url in urls for s in iter_samples(url, ignore)), n, seed)
              for name, urls in ds.sets.items()}
    rejected = {reason: rows[:n] for reason, rows in read_rejected_folder(ds).items()}
    with open(path, "w", encoding="utf-8") as f:
        f.write(gallery_html(ds, picked, seed, rejected))
    counts = {k: len(v) for k, v in picked.items()}
    if rejected:
        counts["rejected"] = sum(len(v) for v in rejected.values())
    return counts
