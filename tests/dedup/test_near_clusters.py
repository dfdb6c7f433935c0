"""Bucket checks, label propagation and cluster outcomes (mmcorpus.dedup.clusters)."""

from __future__ import annotations

import random

import numpy as np
from conftest import word

from mmcorpus.dedup import clusters as cl
from mmcorpus.dedup import minhash as mh

H = mh.MinHasher()


def text(seed: int, n: int = 300) -> list[str]:
    rng = random.Random(seed)
    return [word(rng.randrange(20_000)) for _ in range(n)]


def member(doc_id: str, ws: list[str], history: bool = False):
    sig = H.signature_of_words(ws)
    return mh.node_key(doc_id, len(ws), history), mh.sketch(sig), f"http://{doc_id}.test/"


def test_bucket_joins_similar_members_to_the_smallest_key_and_leaves_others():
    base = text(1)
    a, a_edit, a_copy = member("a", base), member("b", base[:280]), member("c", list(base))
    other = member("d", text(2))
    edges, info, checked = cl.bucket_edges([other, a_copy, a_edit, a], threshold=0.7)
    # a and c tie on words; a has the smaller id, so it is the root
    assert sorted(edges) == sorted([(a_copy[0], a[0]), (a_edit[0], a[0])])
    assert set(info) == {a[0], a_copy[0], a_edit[0]} and info[a[0]] == (a[2], a[1])
    assert checked == 6
    # threshold 0: every candidate pair joins (FineWeb's rule)
    edges0, _, _ = cl.bucket_edges([other, a_copy, a_edit, a], threshold=0.0)
    assert len(edges0) == 3


def test_bucket_of_one_or_only_earlier_runs_gives_nothing():
    base = text(3)
    assert cl.bucket_edges([member("a", base)], 0.7) == ([], {}, 0)
    assert cl.bucket_edges([member("a", base, True), member("b", base, True)], 0.7) == ([], {}, 0)


def test_against_history_only_joins_current_documents_to_earlier_ones():
    base = text(4)
    old, new1, new2 = member("old", base, True), member("n1", base), member("n2", base)
    edges, _, _ = cl.bucket_edges([new1, new2], 0.7, within_run=False)
    assert edges == []
    edges, _, checked = cl.bucket_edges([new1, new2, old], 0.7, within_run=False)
    assert sorted(edges) == sorted([(new1[0], old[0]), (new2[0], old[0])]) and checked == 2


def test_large_buckets_compare_against_a_bounded_set_of_anchors():
    base = text(5)
    members = [member(f"d{i:04d}", base) for i in range(300)]
    edges, _, checked = cl.bucket_edges(members, 0.7, anchors=8)
    assert checked == sum(min(i, 8) for i in range(300))
    assert len(edges) == 299 and {r for _, r in edges} == {min(m[0] for m in members)}


def components_by_propagation(edges, rounds):
    """A local driver of spread/jump exactly as the Beam stage wires them."""
    adj = {}
    for u, v in edges:
        adj.setdefault(u, []).append(v)
        adj.setdefault(v, []).append(u)
    labels = {}
    for u, r in edges:
        labels[u] = min(labels.get(u, u), r)
        labels[r] = min(labels.get(r, r), r)
    for _ in range(rounds):
        spread = {}
        for node in adj:
            for target, lab in cl.spread(node, [labels[node]], adj[node]):
                spread[target] = min(spread.get(target, lab), lab)
        by_label = {}
        for u, lab in spread.items():
            by_label.setdefault(lab, []).append(u)
        labels = {}
        for lab, members in by_label.items():
            for u, new in cl.jump(lab, [spread[lab]], members):
                labels[u] = new
    return labels


def union_find_components(edges):
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            x = parent[x]
        return x

    for u, v in edges:
        a, b = find(u), find(v)
        parent[max(a, b)] = min(a, b)
    return {x: find(x) for x in parent}


def test_propagation_with_jumping_finds_components_in_few_rounds():
    rng = random.Random(0)
    nodes = [f"n{i:04d}" for i in range(400)]
    edges = []
    chain = nodes[:64]  # a long chain: edges point to a smaller neighbour, as buckets emit them
    edges += [(chain[i + 1], chain[i]) for i in range(63)]
    for _ in range(300):
        u, v = rng.sample(nodes[64:], 2)
        edges.append((max(u, v), min(u, v)))
    want = union_find_components(edges)
    assert components_by_propagation(edges, 7) == want


def test_unconverged_propagation_splits_clusters_but_never_merges_distinct_ones():
    chain = [f"n{i:03d}" for i in range(64)]
    edges = [(chain[i + 1], chain[i]) for i in range(63)] + [("x2", "x1")]
    labels = components_by_propagation(edges, 1)
    assert len(set(labels[c] for c in chain)) > 1  # not converged after one round
    assert all(labels[c] in chain for c in chain) and labels["x2"] == "x1"


def test_cluster_outcome_keeps_the_smallest_key_and_audits_each_drop():
    base = text(6)
    big, small = member("a", base + text(7, 20)), member("b", base)
    records, unlike = cl.cluster_outcome(small[0], [(small[0], small[2], small[1]), (big[0], big[2], big[1])], 0.7)
    assert len(records) == 1 and unlike == 0
    r = records[0]
    assert (r["id"], r["kept_id"], r["kept_from"], r["cluster_size"]) == ("b", "a", "this_run", 2)
    assert r["url"] == "http://b.test/" and r["kept_url"] == "http://a.test/" and 0.8 < r["similarity"] <= 1.0


def test_cluster_with_an_earlier_run_member_drops_every_current_member():
    base = text(8)
    old, old2, new = member("old", base, True), member("old2", base, True), member("new", base + text(9, 50))
    records, _ = cl.cluster_outcome(old[0], [(m[0], m[2], m[1]) for m in (new, old2, old)])
    assert [(r["id"], r["kept_from"]) for r in records] == [("new", "earlier_run")]
    assert records[0]["kept_id"] in ("old", "old2")


def test_members_unlike_the_kept_document_stay_even_in_its_cluster():
    """A~B~C: C joined through B only; with the threshold it is not dropped on the chain's evidence."""
    base = text(10, 400)
    a = member("a", base)
    b = member("b", base[:300] + text(11, 60))
    c = member("c", base[200:300] + text(11, 60) + text(12, 100))
    sims = [mh.sketch_similarity(a[1], x[1]) for x in (b, c)]
    assert sims[0] > 0.5 and sims[1] < 0.5
    records, unlike = cl.cluster_outcome(a[0], [(m[0], m[2], m[1]) for m in (a, b, c)], 0.5)
    assert [r["id"] for r in records] == ["b"] and unlike == 1
    records, unlike = cl.cluster_outcome(a[0], [(m[0], m[2], m[1]) for m in (a, b, c)], 0.0)
    assert sorted(r["id"] for r in records) == ["b", "c"] and unlike == 0


def test_summarise_audit_counts_clusters_and_lists_the_largest():
    records = [{"id": f"c{i}", "url": f"http://c{i}/", "kept_id": "k1", "kept_url": "http://k1/",
                "kept_from": "this_run", "similarity": 0.9} for i in range(4)]
    records += [{"id": "d", "url": "http://d/", "kept_id": "k2", "kept_url": "http://k2/",
                 "kept_from": "earlier_run", "similarity": 0.8}]
    s = cl.summarise_audit(records, top=1, examples=2)
    assert s["dropped"] == 5 and s["clusters"] == 2 and s["against_earlier_run"] == 1
    assert s["cluster_sizes"] == {"2": 1, "3-5": 1}
    assert s["largest"] == [{"size": 5, "kept_url": "http://k1/", "kept_from": "this_run",
                             "dropped_urls": ["http://c0/", "http://c1/"]}]
    assert s["similarity"] == {"min": 0.8, "p50": 0.9}
    assert cl.summarise_audit([])["clusters"] == 0
    assert np.isclose(cl.summarise_audit(records)["similarity"]["min"], 0.8)
