"""Cost of the near-dedupe stage: docs/s per core and peak memory at 10k, 100k (and more) documents.

    python benchmarks/near_dedup_cost.py --sizes 10000,100000 [--data ../shared/data] [--json OUT]
    python benchmarks/near_dedup_cost.py --libraries        # numpy MinHash vs datasketch vs rensa

Documents are synthesised from real text: the paragraphs that our extractor keeps from WCXB's
real pages (``extraction-wcxb-dev``, all page types) form a pool, and each synthetic document is 4-12
paragraphs drawn from it with a seeded RNG; 10% of the documents are near-copies of an earlier
one (a paragraph dropped and a promo line added), so the stage has real clusters to find.

Each size runs in a fresh process: the documents are built, then the stage alone (``NearDedupe``,
default config, output files written) runs on Beam's FnApiRunner in one process, so CPU seconds
are one core's. Reported: wall and CPU seconds, docs per CPU-second, the process's peak RSS and
how much of it the stage added over the documents themselves, and the signature step alone (the
pure-Python/numpy part that every runner pays per document).

``--libraries`` times signatures on the same documents with our numpy implementation, datasketch
and rensa (when importable; put them on PYTHONPATH, they are not project dependencies) and checks
each one's Jaccard estimates against the exact Jaccard.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PROMO = "Follow us on social media and sign up for our newsletter to never miss a story."


def paragraph_pool(data: Path, limit_pages: int = 400) -> list[str]:
    """Paragraphs (>= 80 characters) our extractor keeps from real WCXB pages."""
    from mmcorpus.config import Config
    from mmcorpus.data import HtmlRecord, Provenance
    from mmcorpus.extract.document import extract_document

    cfg = Config().extract
    pool: list[str] = []
    pages = sorted((data / "extraction-wcxb-dev" / "dev" / "html").glob("*.html.gz"))[:limit_pages]
    for p in pages:
        body = gzip.decompress(p.read_bytes())
        prov = Provenance("cost", 0, len(body), p.name, None)
        rec = HtmlRecord(f"https://{p.stem}.example/", body, 200, "text/html", {}, prov)
        doc, _ = extract_document(rec, cfg)
        if doc is not None:
            pool += [t for t in doc.text_blocks if len(t) >= 80]
    return pool


def synthesise(pool: list[str], n: int, seed: int = 0, dup_rate: float = 0.1):
    from mmcorpus.data import Document, Provenance

    rng = random.Random(seed)
    docs, texts = [], []
    for i in range(n):
        if texts and rng.random() < dup_rate:
            src = list(rng.choice(texts))
            if len(src) > 2:
                src.pop(rng.randrange(len(src)))
            paras = src + [PROMO]
        else:
            paras = [rng.choice(pool) for _ in range(rng.randint(4, 12))]
            texts.append(paras)
        doc_id = f"{i:012x}"
        docs.append(Document(id=doc_id, url=f"https://site{i % 997}.example/{doc_id}", texts=paras,
                             images=[None] * len(paras), provenance=Provenance("cost", i, 1, doc_id, None)))
    return docs


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _chunk(index: int, pool: list[str], size: int):
    """Synthetic documents of one chunk (ids unique across chunks); built inside the pipeline."""
    docs = synthesise(pool, size, seed=index)
    for d in docs:
        d.id = f"{index:06d}{d.id}"
        d.url = f"{d.url}-{index}"
    return docs


def _run(pool: list[str], n: int, with_stage: bool, out: str, chunk: int = 1000):
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from mmcorpus.config import Config
    from mmcorpus.pipelines.near_dedup import NearDedupe

    w0, c0 = time.perf_counter(), time.process_time()
    p = beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner", "--direct_running_mode=in_memory"]))
    docs = (p | beam.Create(list(range(0, n, chunk)))
            | beam.FlatMap(lambda start, pool: _chunk(start // chunk, pool, min(chunk, n - start)), pool))
    if with_stage:
        docs = docs | NearDedupe(Config(), out)
    _ = docs | beam.combiners.Count.Globally()
    result = p.run()
    result.wait_until_finish()
    return time.perf_counter() - w0, time.process_time() - c0, result


def measure_one(data: Path, n: int, with_stage: bool) -> dict:
    """Run the pipeline on ``n`` synthetic documents with or without the stage (in a fresh child process)."""
    import tempfile

    from mmcorpus.dedup import minhash as mh
    from mmcorpus.pipelines.metrics import ledger_from_result

    pool = paragraph_pool(data)
    sample = synthesise(pool, 3000)
    hasher = mh.MinHasher()
    hasher.signature("warm-up: builds the mark table once")
    c0 = time.process_time()
    for d in sample:
        hasher.signature_of_words(mh.words(d.plain_text))
    sig_rate = len(sample) / (time.process_time() - c0)
    rss_before = _rss_mb()
    with tempfile.TemporaryDirectory() as out:
        wall, cpu, result = _run(pool, n, with_stage, out)
    ledger = ledger_from_result(result)
    return {"docs": n, "stage": with_stage, "mean_words": round(sum(len(d.plain_text.split()) for d in sample) / 3000),
            "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "signature_docs_per_cpu_s": round(sig_rate),
            "peak_rss_mb": round(_rss_mb()), "rss_before_run_mb": round(rss_before),
            "dropped": ledger.get("dedup/dropped:near_duplicate", 0), "clusters": ledger.get("near_dedup/clusters", 0),
            "pairs_checked": ledger.get("near_dedup/pairs_checked", 0),
            "unconverged_nodes": ledger.get("near_dedup/unconverged_nodes", 0)}


def libraries(data: Path, n: int = 2000) -> None:
    """Signature speed and accuracy: our numpy MinHash vs datasketch and rensa on the same shingles."""
    import numpy as np

    from mmcorpus.dedup import minhash as mh

    docs = synthesise(paragraph_pool(data, 200), n, dup_rate=0.3)
    word_lists = [mh.words(d.plain_text) for d in docs]

    def shingles_of(w: list[str]) -> list[str]:  # the libraries take shingle strings; building them is timed too
        return [" ".join(w[i:i + 5]) for i in range(max(1, len(w) - 4))]

    shingle_strs = [shingles_of(w) for w in word_lists]
    pairs = [(i, j) for i in range(len(docs)) for j in range(max(0, i - 30), i)][:20000]
    exact_sets = [set(s) for s in shingle_strs]
    truth = {(i, j): len(exact_sets[i] & exact_sets[j]) / len(exact_sets[i] | exact_sets[j]) for i, j in pairs}
    close = [(i, j) for (i, j), t in truth.items() if t > 0.3]

    def report(name, make, estimate):
        t0 = time.process_time()
        sigs = [make(k) for k in range(len(docs))]
        rate = len(docs) / (time.process_time() - t0)
        err = [estimate(sigs[i], sigs[j]) - truth[(i, j)] for i, j in close]
        print(f"  {name:34s} {rate:8.0f} docs/s   estimate - exact on {len(close)} similar pairs: "
              f"mean {np.mean(err):+.4f}, sd {np.std(err):.4f}")

    print(f"{len(docs)} documents, {np.mean([len(w) for w in word_lists]):.0f} words on average, 112 hashes, one core")
    hasher = mh.MinHasher()
    report("mmcorpus numpy", lambda k: hasher.signature_of_words(word_lists[k]),
           mh.estimated_jaccard)
    try:
        from datasketch import MinHash

        def ds(k):
            m = MinHash(num_perm=112, seed=1)
            m.update_batch([s.encode() for s in shingles_of(word_lists[k])])
            return m

        report("datasketch MinHash.update_batch", ds, lambda a, b: a.jaccard(b))
    except ImportError:
        print("  datasketch: not importable")
    try:
        from rensa import RMinHash

        def rs(k):
            m = RMinHash(num_perm=112, seed=1)
            m.update(shingles_of(word_lists[k]))
            return m

        report("rensa RMinHash.update", rs, lambda a, b: a.jaccard(b))
    except ImportError:
        print("  rensa: not importable")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--libraries", action="store_true", help="compare signature implementations instead")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: one size in this process
    ap.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)  # internal: without the stage
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if not (args.data / "extraction-wcxb-dev").exists():
        print(f"no data at {args.data}/extraction-wcxb-dev", file=sys.stderr)
        return 2
    if args.libraries:
        libraries(args.data)
        return 0
    if args.one:
        print(json.dumps(measure_one(args.data, args.one, not args.baseline)))
        return 0
    rows = []
    for n in (int(x) for x in args.sizes.split(",")):
        row = {}
        for baseline in (True, False):  # the same documents without and with the stage, in fresh processes
            cmd = [sys.executable, __file__, "--data", str(args.data), "--one", str(n)] + (["--baseline"] * baseline)
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            row["baseline" if baseline else "stage"] = json.loads(out.strip().splitlines()[-1])
        b, st = row["baseline"], row["stage"]
        cpu = st["cpu_s"] - b["cpu_s"]
        row["stage_cpu_s"] = round(cpu, 1)
        row["stage_docs_per_cpu_s"] = round(n / cpu) if cpu > 0 else None
        row["stage_rss_mb"] = st["peak_rss_mb"] - b["peak_rss_mb"]
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
