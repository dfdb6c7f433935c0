"""Statistics of a written dataset, for ``mmcorpus inspect``: totals, per-shard rows, distributions.

Token counts are estimates, ``ceil(chars / 4)``: about four characters per token is the usual rule
of thumb for BPE tokenizers on English text (OpenAI's tokenizer notes; KOSMOS-1 uses a
SentencePiece model, arXiv 2302.14045 §3.1, which is close to this on English). It needs no
tokenizer and says nothing exact for other languages: treat it as a budget, not a count.

Distributions come from the samples' ``.json`` members (what the writer recorded), so inspect reads
each shard once and decodes no image; ``mmcorpus validate`` is the command that checks them.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from mmcorpus.cli.progress import format_table
from mmcorpus.shards.reader import Dataset, ShardError, decode_json, iter_samples

TOKEN_ESTIMATE = "ceil(chars / 4)"


def estimate_tokens(n_chars: int) -> int:
    return math.ceil(n_chars / 4)


def summarize(values: list[float]) -> dict[str, float]:
    """n, mean, min, median, p90 and max of ``values`` (nearest-rank percentiles)."""
    if not values:
        return {"n": 0}
    s = sorted(values)

    def pct(q: float) -> float:
        return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]

    return {"n": len(s), "mean": round(sum(s) / len(s), 2), "min": s[0], "p50": pct(0.5), "p90": pct(0.9),
            "max": s[-1]}


@dataclass
class SetStats:
    name: str
    shards: list[dict[str, Any]] = field(default_factory=list)  # name, samples, bytes
    values: dict[str, list[float]] = field(default_factory=dict)
    counts: dict[str, Counter] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, metric: str, v: float | None) -> None:
        if v is not None:
            self.values.setdefault(metric, []).append(v)

    def tally(self, what: str, v: Any) -> None:
        self.counts.setdefault(what, Counter())[str(v)] += 1

    @property
    def samples(self) -> int:
        return sum(s["samples"] for s in self.shards)

    def to_json(self) -> dict[str, Any]:
        return {"samples": self.samples, "bytes": sum(s["bytes"] for s in self.shards), "shards": self.shards,
                "totals": {k: int(sum(self.values.get(k, []))) for k in ("tokens_est", "text_chars", "images_per_doc")},
                "stats": {k: summarize(v) for k, v in self.values.items()},
                "counts": {k: dict(c.most_common()) for k, c in self.counts.items()},
                "problems": self.problems}


def _interleaved(st: SetStats, body: dict[str, Any]) -> dict[str, int]:
    texts = [t for t in body.get("texts") or [] if t is not None]
    images = [im for im in body.get("images") or [] if im is not None]
    chars = sum(len(t) for t in texts)
    st.add("images_per_doc", len(images))
    st.add("text_chars", chars)
    st.add("tokens_est", estimate_tokens(chars))
    st.add("text_blocks", len(texts))
    for im in images:
        st.add("image_width", im.get("width"))
        st.add("image_height", im.get("height"))
        cap = im.get("caption") or im.get("alt")
        if cap:
            st.add("caption_chars", len(cap))
    st.tally("language", body.get("language"))
    return {"images": len(images), "chars": chars}


def _pairs(st: SetStats, body: dict[str, Any]) -> dict[str, int]:
    cap = body.get("caption") or ""
    st.add("caption_chars", len(cap))
    st.add("caption_words", len(cap.split()))
    st.add("tokens_est", estimate_tokens(len(cap)))
    st.add("image_width", body.get("width"))
    st.add("image_height", body.get("height"))
    st.tally("language", body.get("language"))
    st.tally("caption_source", body.get("caption_source"))
    return {"images": 1, "chars": len(cap)}


def _text(st: SetStats, body: dict[str, Any]) -> dict[str, int]:
    chars = len(body.get("text") or "")
    st.add("text_chars", chars)
    st.add("tokens_est", estimate_tokens(chars))
    st.tally("language", body.get("language"))
    return {"images": 0, "chars": chars}


_PER_SET = {"interleaved": _interleaved, "pairs": _pairs, "text": _text}


def _size(url: str) -> int:
    import fsspec

    fs, p = fsspec.core.url_to_fs(url)
    return int(fs.size(p))


def collect(ds: Dataset, limit: int | None = None) -> dict[str, SetStats]:
    """Read every shard of ``ds`` (at most ``limit`` samples per set) and gather its statistics."""
    out: dict[str, SetStats] = {}
    for name, urls in ds.sets.items():
        st = out[name] = SetStats(name)
        per_sample = _PER_SET.get(name, _text)
        seen = 0

        def note(exc: ShardError, st=st) -> bool:
            st.problems.append(str(exc))
            return True

        for url in urls:
            row = {"name": url.rsplit("/", 1)[-1], "samples": 0, "bytes": _size(url), "images": 0, "chars": 0}
            for sample in iter_samples(url, note):
                if limit is not None and seen >= limit:
                    break
                seen += 1
                row["samples"] += 1
                body = decode_json(sample)
                if body is None:
                    st.problems.append(f"{row['name']}: {sample['__key__']}: no readable .json member")
                    continue
                got = per_sample(st, body)
                row["images"] += got["images"]
                row["chars"] += got["chars"]
            st.shards.append(row)
    return out


def report(ds: Dataset, stats: dict[str, SetStats]) -> dict[str, Any]:
    """The JSON-ready inspection report (``mmcorpus inspect --json``)."""
    m = ds.manifest or {}
    ledger = m.get("ledger") or {}
    drops = {k: v for k, v in ledger.items() if ":" in k}
    return {"path": ds.root, "kind": ds.kind, "token_estimate": TOKEN_ESTIMATE,
            "sets": {k: v.to_json() for k, v in stats.items()},
            "ledger": ledger, "drops": drops, "balance": m.get("balance")}


def render(rep: dict[str, Any]) -> str:
    """The human-readable inspection report."""
    out = [f"{rep['path']} ({rep['kind']})", ""]
    rows = [(k, len(s["shards"]), s["samples"], s["bytes"], sum(sh["images"] for sh in s["shards"]),
             s["totals"]["tokens_est"]) for k, s in rep["sets"].items()]
    out += [format_table(rows, ["set", "shards", "samples", "bytes", "images", "tokens (est.)"]), ""]
    shard_rows = [(k, sh["name"], sh["samples"], sh["bytes"], sh["images"], sh["chars"])
                  for k, s in rep["sets"].items() for sh in s["shards"]]
    out += [format_table(shard_rows, ["set", "shard", "samples", "bytes", "images", "chars"]), ""]
    dist_rows = []
    for k, s in rep["sets"].items():
        for metric, d in s["stats"].items():
            if d.get("n"):
                dist_rows.append((k, metric, d["n"], d["mean"], d["min"], d["p50"], d["p90"], d["max"]))
    if dist_rows:
        out += [format_table(dist_rows, ["set", "metric", "n", "mean", "min", "p50", "p90", "max"]),
                f"(tokens_est = {rep['token_estimate']})", ""]
    count_rows = [(k, what, value, n) for k, s in rep["sets"].items()
                  for what, c in s["counts"].items() for value, n in c.items()]
    if count_rows:
        out += [format_table(count_rows, ["set", "field", "value", "samples"]), ""]
    if rep["drops"]:
        out += [format_table(sorted(rep["drops"].items(), key=lambda kv: -kv[1]), ["dropped / failed", "n"]), ""]
    b = rep.get("balance")
    if b:
        verdict = "adds up" if b.get("balanced") else "DOES NOT add up"
        out.append(f"ledger {verdict}: {b.get('records_read', 0):,} records read, "
                   f"{b.get('accounted', 0):,} accounted")
    elif rep["kind"] != "out":
        out.append("(no manifest here: point inspect at the output folder to see the drop ledger)")
    problems = [p for s in rep["sets"].values() for p in s["problems"]]
    if problems:
        out += ["", f"{len(problems)} problem(s) while reading (run `mmcorpus validate`):"]
        out += [f"  {p}" for p in problems[:20]]
    return "\n".join(out).rstrip() + "\n"


# -- PNG histograms with PIL (no plotting dependency) ------------------------------------------

def _histogram(values: list[float], bins: int = 20) -> tuple[list[int], float, float]:
    lo, hi = min(values), max(values)
    if hi == lo:
        return [len(values)], lo, hi
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - lo) / (hi - lo) * bins))] += 1
    return counts, lo, hi


def plot_histogram(values: list[float], title: str, path: str, size: tuple[int, int] = (640, 360)) -> None:
    """A bar chart of ``values`` in 20 equal-width bins, with its range and counts labelled."""
    from PIL import Image, ImageDraw

    w, h = size
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    left, right, top, bottom = 60, w - 20, 40, h - 40
    d.text((left, 12), f"{title}  (n={len(values)})", fill="black")
    d.line([(left, top), (left, bottom), (right, bottom)], fill="black")
    if values:
        counts, lo, hi = _histogram(values)
        peak = max(counts)
        bw = (right - left) / len(counts)
        for i, c in enumerate(counts):
            if not c:
                continue
            y = bottom - (bottom - top) * c / peak
            d.rectangle([left + i * bw + 1, y, left + (i + 1) * bw - 1, bottom - 1], fill=(70, 110, 170))
        d.text((left - 8 - 6 * len(str(peak)), top - 5), str(peak), fill="black")
        d.text((left - 14, bottom - 5), "0", fill="black")
        d.text((left, bottom + 8), f"{lo:g}", fill="black")
        d.text((right - 6 * len(f"{hi:g}"), bottom + 8), f"{hi:g}", fill="black")
    img.save(path, format="PNG")


def write_plots(stats: dict[str, SetStats], out_dir: str) -> list[str]:
    """One PNG histogram per (set, metric) into ``out_dir``; returns the written paths."""
    import os

    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name, st in stats.items():
        for metric, values in st.values.items():
            path = os.path.join(out_dir, f"{name}-{metric}.png")
            plot_histogram(values, f"{name}: {metric}", path)
            paths.append(path)
    return paths
