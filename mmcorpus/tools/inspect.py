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
            "ledger": ledger, "drops": drops, "balance": m.get("balance"),
            "near_duplicates": near_duplicate_summary(ds), "image_acquisition": image_acquisition(ledger)}


def image_acquisition(ledger: dict[str, int]) -> dict[str, int]:
    """Wanted images and how each ended (found in the WARCs, downloaded, refused, failed, skipped
    by reason; docs/images.md), then the downloaded images' filter verdicts."""
    rows = {k.split("/", 1)[1]: v for k, v in ledger.items() if k.startswith("image_fetch/")}
    rows.update({f"download {k.split('/', 1)[1]}": v for k, v in ledger.items() if k.startswith("image_download/")})
    return dict(sorted(rows.items(), key=lambda kv: (kv[0] != "wanted", kv[0].startswith("download "), -kv[1], kv[0])))


def near_duplicate_summary(ds: Dataset) -> dict[str, Any] | None:
    """Clusters of the near-dedupe stage, from ``OUT/dedupe/audit-*.jsonl`` (None without that folder)."""
    from mmcorpus.dedup.clusters import summarise_audit
    from mmcorpus.dedup.dedupe_files import AUDIT, list_files, read_audit

    if ds.kind != "out" or not list_files(ds.root, AUDIT):
        return None
    return summarise_audit(read_audit(ds.root))


def render_near_duplicates(nd: dict[str, Any]) -> list[str]:
    out = [f"near-duplicates: {nd['dropped']:,} documents dropped in {nd['clusters']:,} clusters"
           + (f" ({nd['against_earlier_run']:,} as copies of an earlier run)" if nd["against_earlier_run"] else "")]
    if nd["cluster_sizes"]:
        out.append(format_table(list(nd["cluster_sizes"].items()), ["cluster size", "clusters"]))
    for c in nd["largest"]:
        earlier = " (earlier run)" if c["kept_from"] != "this_run" else ""
        out.append(f"  {c['size']:>5}  kept {c['kept_url']}{earlier}")
        out += [f"         dropped {u}" for u in c["dropped_urls"]]
    return out + [""]


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
    if rep.get("near_duplicates"):
        out += render_near_duplicates(rep["near_duplicates"])
    acq = rep.get("image_acquisition") or {}
    if acq.get("wanted"):
        rows = [(k, n, f"{n / acq['wanted']:.1%}" if not k.startswith("download ") else "") for k, n in acq.items()]
        out += [format_table(rows, ["image acquisition", "n", "of wanted"]), ""]
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


# -- charts (matplotlib, the optional ``plot`` extra) ------------------------------------------

#: the unit counted on the y axis, per set
_UNITS = {"interleaved": "documents", "pairs": "pairs", "text": "documents"}


def long_tailed(values: list[float]) -> bool:
    """A distribution whose top is far from its middle: plotted on log axes, so one outlier does
    not flatten the rest (max > 20 x median, all values positive)."""
    if len(values) < 2 or min(values) <= 0:
        return False
    ordered = sorted(values)
    return ordered[-1] > 20 * ordered[len(ordered) // 2]


def plot_histogram(values: list[float], title: str, path: str, xlabel: str = "", ylabel: str = "samples",
                   size: tuple[int, int] = (640, 360)) -> None:
    """A histogram with axis titles and ticks; log-spaced bins and a log count axis for long tails."""
    try:
        import matplotlib
    except ImportError as e:
        from mmcorpus.errors import UserError

        raise UserError("inspect --plot draws with matplotlib: pip install 'mmcorpus[plot]'") from e
    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(size[0] / 100, size[1] / 100), dpi=100)
    try:
        log = long_tailed(values)
        if values:
            lo, hi = min(values), max(values)
            if log:
                bins = np.geomspace(lo, hi, 31)
                ax.set_xscale("log")
                ax.set_yscale("log")
            else:
                bins = min(30, max(1, len(set(values))))
            ax.hist(values, bins=bins, color="#4670aa", edgecolor="white")
            med = float(np.median(values))
            ax.axvline(med, color="#a33", linestyle="--", linewidth=1, label=f"median {med:,.4g}")
            ax.legend(loc="upper right", fontsize=8)
        ax.set_title(f"{title} (n={len(values):,}{', log scales' if log else ''})", fontsize=10)
        ax.set_xlabel(xlabel or title)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)


def write_plots(stats: dict[str, SetStats], out_dir: str) -> list[str]:
    """One PNG histogram per (set, metric) into ``out_dir``; returns the written paths."""
    import os

    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name, st in stats.items():
        for metric, values in st.values.items():
            path = os.path.join(out_dir, f"{name}-{metric}.png")
            plot_histogram(values, f"{name}: {metric}", path, xlabel=metric, ylabel=_UNITS.get(name, "samples"))
            paths.append(path)
    return paths
