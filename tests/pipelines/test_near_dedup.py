"""The near-dedupe stage (pipelines/near_dedup.py) on small document sets: clusters, audit, history."""

from __future__ import annotations

import json
import random

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.util import assert_that, equal_to
from conftest import SAMPLE_WARC, word

from mmcorpus.config import Config, ConfigError
from mmcorpus.data import Document, Provenance
from mmcorpus.dedup.dedupe_files import list_files, read_audit, read_signature_file
from mmcorpus.pipelines.metrics import ledger_from_result
from mmcorpus.pipelines.near_dedup import NearDedupe


def paragraphs(seed: int, n: int = 8, words: int = 40) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(word(rng.randrange(30_000)) for _ in range(words)) + "." for _ in range(n)]


def doc(doc_id: str, host: str, paras: list[str]) -> Document:
    return Document(id=doc_id, url=f"http://{host}.test/{doc_id}", texts=list(paras), images=[None] * len(paras),
                    provenance=Provenance("x.warc", 0, 1, doc_id, "2024-01-01T00:00:00Z"))


def corpus() -> tuple[list[Document], set[str]]:
    """Two articles with copies, one distinct page per site; returns the docs and the ids to keep."""
    a, b = paragraphs(1), paragraphs(2)
    docs = [
        doc("a0", "news", a),
        doc("a1", "mirror", [p.upper() for p in a]),  # exact copy up to case: same words
        doc("a2", "blog", a[:3] + a[4:]),  # a paragraph dropped: fewer words, not the kept one
        doc("a3", "agg", a[:-1]),  # syndicated, last paragraph cut
        doc("b0", "news", b),
        doc("b1", "promo", b + ["Subscribe to our newsletter for more stories like this one every week."]),
        doc("c0", "news", paragraphs(3)),  # distinct page, same site
        doc("d0", "blog", paragraphs(4)),
        doc("e0", "empty", [" ... "]),  # no words: passes untouched
    ]
    # a0 has the most words of its cluster; b1 (with the promo) has more words than b0
    return docs, {"a0", "b1", "c0", "d0", "e0"}


def _save(ids, path):
    with open(path, "w") as f:
        json.dump(sorted(ids), f)


def run_stage(docs, cfg, out):
    """Run the stage alone; returns (kept ids, counters). The kept ids go through a file next to ``out``."""
    ids_file = f"{out}.kept.json"
    p = beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"]))
    kept = p | beam.Create(docs) | NearDedupe(cfg, out) | beam.Map(lambda d: d.id)
    _ = kept | beam.combiners.ToList() | beam.Map(_save, ids_file)
    result = p.run()
    result.wait_until_finish()
    with open(ids_file) as f:
        return json.load(f), ledger_from_result(result)


def test_one_document_per_cluster_and_distinct_pages_kept(tmp_path):
    docs, keep = corpus()
    ids, ledger = run_stage(docs, Config(), str(tmp_path))
    assert ids == sorted(keep)
    assert ledger["dedup/dropped:near_duplicate"] == len(docs) - len(keep)
    audit = list(read_audit(str(tmp_path)))
    assert len(audit) == ledger["dedup/dropped:near_duplicate"]  # the audit accounts for every drop
    by_id = {r["id"]: r for r in audit}
    assert {k: by_id[k]["kept_id"] for k in by_id} == {"a1": "a0", "a2": "a0", "a3": "a0", "b0": "b1"}
    assert by_id["a1"]["similarity"] == 1.0 and by_id["a1"]["url"] == "http://mirror.test/a1"
    assert by_id["a1"]["kept_url"] == "http://news.test/a0" and by_id["a1"]["kept_from"] == "this_run"
    assert 0.7 <= by_id["a2"]["similarity"] < 1.0
    line = (tmp_path / "dedupe" / "audit-00000-of-00001.jsonl").read_text().splitlines()[0]
    assert set(json.loads(line)) == {"id", "url", "kept_id", "kept_url", "kept_from", "similarity", "cluster_size"}
    sig_ids = [r[0] for f in list_files(str(tmp_path), "signatures") for r in read_signature_file(f)]
    assert sorted(sig_ids) == sorted(keep - {"e0"})  # the kept documents that have words
    assert ledger.get("near_dedup/unconverged_nodes", 0) == 0 and ledger["near_dedup/clusters"] == 2


def test_rerun_writes_byte_identical_files_and_stale_files_go(tmp_path):
    docs, _ = corpus()
    cfg = Config()
    run_stage(docs, cfg, str(tmp_path / "one"))
    (tmp_path / "two" / "dedupe").mkdir(parents=True)
    (tmp_path / "two" / "dedupe" / "audit-00003-of-00007.jsonl").write_text("stale\n")
    run_stage(list(reversed(docs)), cfg, str(tmp_path / "two"))
    one = {p.name: p.read_bytes() for p in (tmp_path / "one" / "dedupe").iterdir()}
    two = {p.name: p.read_bytes() for p in (tmp_path / "two" / "dedupe").iterdir()}
    assert one == two and set(one) == {"audit-00000-of-00001.jsonl", "signatures-00000-of-00001.parquet"}


def test_against_an_earlier_run_drops_copies_of_what_it_kept(tmp_path):
    docs, keep = corpus()
    first = str(tmp_path / "first")
    run_stage(docs, Config(), first)
    new_article = paragraphs(9)
    second_docs = [
        doc("n0", "elsewhere", paragraphs(1)[:-1]),  # a copy of a0, which the first run kept
        doc("n1", "elsewhere", new_article),
        doc("n2", "copycat", new_article),  # a within-run copy of n1
    ]
    cfg = Config()
    cfg.near_dedup.against = [first]
    ids, ledger = run_stage(second_docs, cfg, str(tmp_path / "second"))
    assert ids == ["n1"] and ledger["dedup/dropped:near_duplicate"] == 2
    audit = {r["id"]: r for r in read_audit(str(tmp_path / "second"))}
    assert audit["n0"]["kept_id"] == "a0" and audit["n0"]["kept_from"] == "earlier_run"
    assert audit["n0"]["kept_url"] == "http://news.test/a0"
    assert audit["n2"]["kept_id"] == "n1" and audit["n2"]["kept_from"] == "this_run"
    # only against history: the within-run copy survives
    cfg.near_dedup.within_run = False
    ids, _ = run_stage(second_docs, cfg, str(tmp_path / "third"))
    assert ids == ["n1", "n2"]


def test_site_repeated_paragraphs_are_removed_before_hashing(tmp_path):
    """Short pages of one site that share a long boilerplate box stay distinct once it is removed."""
    box = paragraphs(50, n=4)
    docs = [doc(f"s{i}", "site", paragraphs(60 + i, n=1, words=20) + box) for i in range(4)]
    docs.append(doc("o0", "other", paragraphs(70, n=1, words=20) + box))  # another site: its box stays
    cfg = Config()
    ids, ledger = run_stage(docs, cfg, str(tmp_path / "plain"))
    assert len(ids) < 5  # the box makes them near-duplicates
    cfg.near_dedup.repeated_paragraph_pages = 3
    ids, ledger = run_stage(docs, cfg, str(tmp_path / "stripped"))
    assert ids == ["o0", "s0", "s1", "s2", "s3"]
    assert ledger["near_dedup/repeated_paragraphs_removed"] == 4 * 4 and "dedup/dropped:near_duplicate" not in ledger


def test_disabled_stage_is_a_passthrough():
    docs, _ = corpus()
    cfg = Config()
    cfg.near_dedup.enabled = False
    with beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"])) as p:
        out = p | beam.Create(docs) | NearDedupe(cfg) | beam.Map(lambda d: d.id)
        assert_that(out, equal_to([d.id for d in docs]))
        assert NearDedupe(cfg).expand(out) is out


def test_bad_settings_and_missing_history_are_refused_up_front(tmp_path):
    cfg = Config()
    cfg.near_dedup.bands = 0
    with pytest.raises(ConfigError, match="bands"):
        NearDedupe(cfg)
    cfg = Config()
    cfg.near_dedup.against = [str(tmp_path)]
    with pytest.raises(Exception, match="no dedupe/signatures"):
        NearDedupe(cfg)


def test_whole_run_audit_matches_the_ledger_and_a_second_run_dedupes_against_it(sample_run, tmp_path):
    """The bundled sample holds one near-duplicate pair (the /paint page reuses /gardens' paragraphs)."""
    from mmcorpus.pipelines.crawl_to_shards import run
    from mmcorpus.shards.reader import open_dataset
    from mmcorpus.tools.inspect import near_duplicate_summary, render_near_duplicates

    manifest = json.loads((sample_run / "manifest.json").read_text())
    drops = manifest["ledger"].get("dedup/dropped:near_duplicate", 0)
    audit = list(read_audit(str(sample_run)))
    assert drops == len(audit) >= 1 and manifest["balance"]["balanced"]
    assert {(r["url"].rsplit("/", 1)[1], r["kept_url"].rsplit("/", 1)[1]) for r in audit} <= {("gardens", "paint"),
                                                                                              ("paint", "gardens")}
    kept = sum(1 for f in list_files(str(sample_run), "signatures") for _ in read_signature_file(f))
    summary = near_duplicate_summary(open_dataset(str(sample_run)))
    assert summary["dropped"] == drops and summary["clusters"] == 1 and summary["largest"][0]["size"] == 2
    text = "\n".join(render_near_duplicates(summary))
    assert f"near-duplicates: {drops:,} documents dropped in 1 clusters" in text
    assert summary["largest"][0]["kept_url"] in text and summary["largest"][0]["dropped_urls"][0] in text

    # the same crawl again, against the first run: every document is already there
    again = run([str(SAMPLE_WARC), "-o", str(tmp_path / "again"), "--runner", "inprocess", "-q",
                 "--dedupe-against", str(sample_run)])
    assert again["balance"]["balanced"] and again["config"]["near_dedup"]["against"] == [str(sample_run)]
    assert again["ledger"]["dedup/dropped:near_duplicate"] == kept + drops
    assert sum(again["outputs"][s]["samples"] for s in ("interleaved", "text")) == 0
    assert {r["kept_from"] for r in read_audit(str(tmp_path / "again"))} == {"earlier_run"}
