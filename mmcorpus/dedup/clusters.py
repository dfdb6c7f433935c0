"""Near-duplicate clusters: the reduce functions of the near-dedupe stage, as pure functions.

The Beam stage (``mmcorpus.pipelines.near_dedup``) groups documents by LSH band key, and each
group (a *bucket*) goes through :func:`bucket_edges`: its members' sketches are compared, pairs at
or above the threshold are joined, and each member gets one edge to the smallest member of its
local component. The union of those star edges has the same connected components as every
verified pair, with one edge per document and bucket instead of one per pair.

Connected components are then found by min-label propagation with pointer jumping, a bounded
number of rounds, each round one or two GroupByKeys (:func:`spread` then :func:`jump`; Rastogi et
al., 2013, "Finding Connected Components in Map-Reduce in Logarithmic Rounds", and the
Shiloach-Vishkin shortcut). Nothing holds the whole graph on one machine. Labels are node keys
(:func:`mmcorpus.dedup.minhash.node_key`), so a cluster's label converges to its smallest key, which
is the document kept; :func:`cluster_outcome` picks that member and writes one audit record per
dropped copy (a copy at least ``threshold`` similar to the kept one). If a component has not
converged after the last round it is split into several clusters that each keep one document:
extra copies survive, nothing distinct is ever dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np

from mmcorpus.dedup.minhash import parse_node_key

# Pairs per bucket are checked among the first MAX_BUCKET_ANCHORS members (by node key) only, so a
# bucket of n documents costs n x 64 comparisons, not n**2 / 2 (e.g. 10,000 copies of a template).
MAX_BUCKET_ANCHORS = 64


def is_history(node: str) -> bool:
    return node.startswith("0")


def bucket_edges(members: Iterable[tuple[str, bytes, str]], threshold: float, within_run: bool = True,
                 anchors: int = MAX_BUCKET_ANCHORS) -> tuple[list[tuple[str, str]], dict[str, tuple[str, bytes]], int]:
    """One LSH bucket -> (star edges ``(node, root)``, ``{node: (url, sketch)}`` of joined nodes, pairs checked).

    ``members`` are ``(node key, 16-bit sketch, url)``. A pair is joined when its estimated Jaccard
    is at least ``threshold`` (0 joins every pair, as FineWeb does). Pairs of two documents of an
    earlier run are never needed; pairs of two documents of this run only when ``within_run``.
    """
    uniq: dict[str, tuple[bytes, str]] = {}
    for node, sk, url in members:
        uniq.setdefault(node, (sk, url))
    nodes = sorted(uniq)
    hist = np.array([is_history(n) for n in nodes], dtype=bool)
    if len(nodes) < 2 or hist.all():
        return [], {}, 0
    sketches = np.stack([np.frombuffer(uniq[n][0], dtype="<u2") for n in nodes])
    k = min(anchors, len(nodes))
    parent = list(range(len(nodes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    checked = 0
    for start in range(0, len(nodes), 256):  # bounded memory: 256 x anchors x num_perm booleans
        block = sketches[start:start + 256]
        sim = (block[:, None, :] == sketches[None, :k, :]).mean(axis=2)
        for r in range(len(block)):
            i = start + r
            for j in range(min(i, k)):
                if hist[i] and hist[j]:
                    continue
                if not within_run and not (hist[i] or hist[j]):
                    continue
                checked += 1
                if sim[r, j] >= threshold:
                    a, b = find(i), find(j)
                    if a != b:
                        parent[max(a, b)] = min(a, b)  # the smaller index (smaller key) stays root
    edges, info = [], {}
    for i, node in enumerate(nodes):
        root = find(i)
        if root != i:
            edges.append((node, nodes[root]))
            for n in (node, nodes[root]):
                info.setdefault(n, (uniq[n][1], uniq[n][0]))
    return edges, info, checked


def spread(node: str, own: Iterable[str], neighbours: Iterable[str]) -> list[tuple[str, str]]:
    """Propagation: a node's label goes to itself and to each neighbour (the reduce takes the min)."""
    own = list(own)
    if not own:
        return []
    label = min(own)
    return [(node, label)] + [(v, label) for v in neighbours]


def jump(label_node: str, label_of_label: Iterable[str], members: Iterable[str]) -> list[tuple[str, str]]:
    """Pointer jumping: the nodes labelled ``x`` take ``x``'s own label, which is never larger."""
    own = list(label_of_label)
    new = min(own) if own else label_node
    return [(u, min(new, label_node)) for u in members]


def cluster_outcome(label: str, members: Iterable[tuple[str, str, bytes]],
                    threshold: float = 0.0) -> tuple[list[dict[str, Any]], int]:
    """(audit records, members kept as unlike the kept one) of one cluster.

    ``members`` are ``(node key, url, sketch)``. The kept document is the member with the smallest
    key: a document of an earlier run when there is one, else the one with the most words, then
    the smallest id. Every other member of this run is dropped when its estimated Jaccard with the
    kept document is at least ``threshold``, so every audit line shows a similarity at or above it.
    A member that joined the cluster only through others (A~B~C chains: short pages that share a
    site's boilerplate paragraphs are the common case) and is unlike the kept one stays; that
    trades a few surviving copies in long chains for never dropping a page on a chain's evidence.
    """
    uniq: dict[str, tuple[str, bytes]] = {}
    for node, url, sk in members:
        uniq.setdefault(node, (url, sk))
    nodes = sorted(uniq)
    if len(nodes) < 2:
        return [], 0
    keep = nodes[0]
    keep_id, _, keep_hist = parse_node_key(keep)
    keep_url, keep_sk = uniq[keep]
    ref = np.frombuffer(keep_sk, dtype="<u2")
    out, unlike = [], 0
    for node in nodes[1:]:
        doc_id, _, hist = parse_node_key(node)
        if hist:  # already in an earlier run's output: nothing to drop here
            continue
        url, sk = uniq[node]
        sim = float(np.count_nonzero(np.frombuffer(sk, dtype="<u2") == ref)) / len(ref)
        if sim < threshold:
            unlike += 1
            continue
        out.append({"id": doc_id, "url": url, "kept_id": keep_id, "kept_url": keep_url,
                    "kept_from": "earlier_run" if keep_hist else "this_run", "similarity": round(sim, 4),
                    "cluster_size": len(nodes)})
    return out, unlike


def summarise_audit(records: Iterable[dict[str, Any]], top: int = 10, examples: int = 3) -> dict[str, Any]:
    """Clusters, their sizes and the largest ones with URLs, from the audit records of a run."""
    clusters: dict[str, dict[str, Any]] = {}
    sims = []
    dropped = 0
    for r in records:
        dropped += 1
        sims.append(float(r.get("similarity", 0.0)))
        c = clusters.setdefault(r["kept_id"], {"kept_id": r["kept_id"], "kept_url": r.get("kept_url"),
                                               "kept_from": r.get("kept_from", "this_run"), "dropped": []})
        c["dropped"].append(r.get("url"))
    sizes = Counter()
    for c in clusters.values():
        n = len(c["dropped"]) + 1
        sizes["2" if n == 2 else "3-5" if n <= 5 else "6-10" if n <= 10 else "11-100" if n <= 100 else ">100"] += 1
    largest = sorted(clusters.values(), key=lambda c: (-len(c["dropped"]), c["kept_id"]))[:top]
    sims.sort()
    return {
        "dropped": dropped,
        "clusters": len(clusters),
        "against_earlier_run": sum(len(c["dropped"]) for c in clusters.values() if c["kept_from"] == "earlier_run"),
        "cluster_sizes": {k: sizes[k] for k in ("2", "3-5", "6-10", "11-100", ">100") if sizes[k]},
        "similarity": {"min": sims[0], "p50": sims[len(sims) // 2]} if sims else {},
        "largest": [{"size": len(c["dropped"]) + 1, "kept_url": c["kept_url"], "kept_from": c["kept_from"],
                     "dropped_urls": sorted(u for u in c["dropped"] if u)[:examples]} for c in largest],
    }
