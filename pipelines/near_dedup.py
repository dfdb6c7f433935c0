"""Stage 3b: near-duplicate documents (MinHash LSH), after exact dedup and before the image join.

Documents -> signatures and 14 band keys each -> GroupByKey on (band, bucket) -> pairs checked in
each bucket, star edges -> connected components by bounded min-label propagation with pointer
jumping (each round two GroupByKeys; no step holds the whole graph) -> one kept document per
cluster, the smallest node key (earlier run first, then most words, then smallest id) -> the other
members dropped as ``dedup/dropped:near_duplicate`` at a CoGroupByKey on document id, each drop
written to ``OUT/dedupe/audit-*.jsonl`` at the same place, so the audit and the ledger always
agree. The kept documents' signatures go to ``OUT/dedupe/signatures-*.parquet``, which a later run
reads with ``--dedupe-against OUT/``. Optionally (``near_dedup.repeated_paragraph_pages``) text
blocks a site repeats on many pages are removed first. The pure logic is in
``mmcorpus.dedup.minhash``, ``mmcorpus.dedup.clusters`` and ``mmcorpus.dedup.paragraphs``;
docs/dedup.md explains the choices and the S-curve.
"""

from __future__ import annotations

import apache_beam as beam
from apache_beam import pvalue

from mmcorpus.config import ConfigError, NearDedupConfig
from mmcorpus.pipelines.metrics import BeamCounter

BANDS = "bands"
INFO = "info"
AUDIT = "audit"
SIGNATURE_ROWS = "signature_rows"


def check_config(nd: NearDedupConfig) -> None:
    if not 1 <= nd.bands <= 255:
        raise ConfigError(f"near_dedup.bands must be 1..255, got {nd.bands}")
    for name in ("rows", "shingle_size", "max_rounds", "rows_per_file"):
        if getattr(nd, name) < 1:
            raise ConfigError(f"near_dedup.{name} must be at least 1, got {getattr(nd, name)}")
    if not 0.0 <= nd.threshold <= 1.0:
        raise ConfigError(f"near_dedup.threshold must be within 0..1, got {nd.threshold}")


def _hasher(nd: NearDedupConfig):
    from mmcorpus.dedup.minhash import MinHasher

    return MinHasher(bands=nd.bands, rows=nd.rows, shingle_size=nd.shingle_size)


class SignatureFn(beam.DoFn):
    """Document -> (id, (document, signature row or None)); tagged: (band key, (node, sketch, url))."""

    def __init__(self, nd: NearDedupConfig, emit_bands: bool) -> None:
        self.nd, self.emit_bands = nd, emit_bands
        self.count = BeamCounter()

    def setup(self):
        self.hasher = _hasher(self.nd)

    def process(self, doc):
        from mmcorpus.dedup import minhash as mh

        ws = mh.words(doc.plain_text)
        sig = self.hasher.signature_of_words(ws)
        if sig is None:  # no words at all: nothing to compare, the document passes
            self.count("near_dedup/no_shingles")
            yield doc.id, (doc, None)
            return
        self.count("near_dedup/signatures")
        if self.emit_bands:
            member = (mh.node_key(doc.id, len(ws)), mh.sketch(sig), doc.url)
            for key in self.hasher.band_keys(sig):
                yield pvalue.TaggedOutput(BANDS, (key, member))
        yield doc.id, (doc, (doc.id, doc.url, len(ws), mh.signature_to_bytes(sig)))


class EarlierRunBandsFn(beam.DoFn):
    """One stored signature file of an earlier run -> (band key, (node, sketch, url)) of every row."""

    def __init__(self, nd: NearDedupConfig) -> None:
        self.nd = nd
        self.count = BeamCounter()

    def setup(self):
        self.hasher = _hasher(self.nd)

    def process(self, path):
        from mmcorpus.dedup import minhash as mh
        from mmcorpus.dedup.dedupe_files import read_signature_file

        for doc_id, url, n_words, data in read_signature_file(path):
            sig = mh.signature_from_bytes(data)
            self.count("near_dedup/earlier_run_signatures")
            member = (mh.node_key(doc_id, n_words, history=True), mh.sketch(sig), url)
            for key in self.hasher.band_keys(sig):
                yield key, member


class BucketFn(beam.DoFn):
    """One LSH bucket -> star edges (node, root); tagged: (node, (url, sketch)) of joined nodes."""

    def __init__(self, nd: NearDedupConfig) -> None:
        self.nd = nd
        self.count = BeamCounter()

    def process(self, element):
        from mmcorpus.dedup.clusters import bucket_edges

        _, members = element
        edges, info, checked = bucket_edges(members, self.nd.threshold, self.nd.within_run)
        if checked:
            self.count("near_dedup/pairs_checked", checked)
        yield from edges
        for node, value in info.items():
            yield pvalue.TaggedOutput(INFO, (node, value))


class ClusterFn(beam.DoFn):
    """(label, members) -> (dropped id, audit record) for every dropped member of this run."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.count = BeamCounter()

    def process(self, element):
        from mmcorpus.dedup.clusters import cluster_outcome

        label, members = element
        records, unlike = cluster_outcome(label, members, self.threshold)
        if unlike:
            self.count("near_dedup/kept_unlike_representative", unlike)
        if records:
            self.count("near_dedup/clusters")
        for r in records:
            yield r["id"], r


class ApplyDropsFn(beam.DoFn):
    """(id, {doc, drop}) -> the document, or a counted drop and its audit record (one place for both)."""

    def __init__(self) -> None:
        self.count = BeamCounter()

    def process(self, element):
        _, grouped = element
        drops = sorted(grouped["drop"], key=lambda r: (r["kept_id"], r["url"]))
        for doc, row in grouped["doc"]:
            if drops:
                self.count("dedup/dropped:near_duplicate")
                yield pvalue.TaggedOutput(AUDIT, drops[0])
            else:
                yield doc
                if row is not None:
                    yield pvalue.TaggedOutput(SIGNATURE_ROWS, row)


def _components(edges, max_rounds: int):
    """(node, root) star edges -> (node, label): min-label propagation with pointer jumping."""
    from mmcorpus.dedup.clusters import jump, spread

    adj = edges | "Adjacency" >> beam.FlatMap(lambda e: [e, (e[1], e[0])])
    labels = (
        edges
        | "FirstLabels" >> beam.FlatMap(lambda e: [(e[0], e[1]), (e[1], e[1])])
        | "MinFirstLabel" >> beam.CombinePerKey(min)
    )
    for i in range(max_rounds):
        spread_out = (
            {"label": labels, "adj": adj}
            | f"Spread{i}" >> beam.CoGroupByKey()
            | f"SpreadLabels{i}" >> beam.FlatMap(lambda kv: spread(kv[0], kv[1]["label"], kv[1]["adj"]))
            | f"MinLabel{i}" >> beam.CombinePerKey(min)
        )
        labels = (
            {"self": spread_out, "members": spread_out | f"ByLabel{i}" >> beam.Map(lambda kv: (kv[1], kv[0]))}
            | f"Jump{i}" >> beam.CoGroupByKey()
            | f"JumpLabels{i}" >> beam.FlatMap(lambda kv: jump(kv[0], kv[1]["self"], kv[1]["members"]))
        )
    return labels, adj


class _CountUnconvergedFn(beam.DoFn):
    """Counts nodes whose label one more propagation would still lower (clusters split, not merged)."""

    def __init__(self) -> None:
        self.count = BeamCounter()

    def process(self, element):
        _, grouped = element
        now, nxt = list(grouped["now"]), list(grouped["next"])
        if now and nxt and min(nxt) < min(now):
            self.count("near_dedup/unconverged_nodes")


def _write_files(rows, kind: str, out: str, rows_per_file: int, key, to_bytes, label: str):
    """Rows -> ``OUT/dedupe/{kind}-NNNNN-of-MMMMM.*``: bucket by id hash, sort, write, clear stale files."""
    from mmcorpus.dedup import dedupe_files as df

    n_rows = rows | f"Count{label}" >> beam.combiners.Count.Globally()

    def write(element, n):
        index, items = element
        n_files = df.file_count(n, rows_per_file)
        name = df.file_name(kind, index, n_files)
        df._atomic_write(f"{out}/{df.DEDUPE_DIR}/{name}", to_bytes(list(items)))
        return name

    def finish(names, n):
        n_files = df.file_count(n, rows_per_file)
        if not names:  # an empty run still leaves its (empty) file: the folder says "deduplicated, none"
            df._atomic_write(f"{out}/{df.DEDUPE_DIR}/{df.file_name(kind, 0, 1)}", to_bytes([]))
        df.remove_stale(out, kind, n_files)
        return sorted(names)

    names = (
        rows
        | f"File{label}" >> beam.Map(lambda r, n: (df.file_of(key(r), df.file_count(n, rows_per_file)), r),
                                     n=pvalue.AsSingleton(n_rows))
        | f"GroupFile{label}" >> beam.GroupByKey()
        | f"Write{label}" >> beam.Map(write, n=pvalue.AsSingleton(n_rows))
    )
    return (names | f"All{label}" >> beam.combiners.ToList()
            | f"Finish{label}" >> beam.Map(finish, n=pvalue.AsSingleton(n_rows)))


class StripParagraphsFn(beam.DoFn):
    """(id, {doc, repeated}) -> the document without its site-repeated text blocks (counted)."""

    def __init__(self) -> None:
        self.count = BeamCounter()

    def process(self, element):
        from mmcorpus.dedup.paragraphs import strip_paragraphs

        _, grouped = element
        repeated = set(grouped["repeated"])
        for doc in grouped["doc"]:
            doc, removed = strip_paragraphs(doc, repeated)
            if removed:
                self.count("near_dedup/repeated_paragraphs_removed", removed)
            yield doc


def _strip_repeated_paragraphs(docs, min_pages: int):
    """Text blocks found on at least ``min_pages`` documents of one site are removed (OBELICS)."""
    from mmcorpus.dedup.paragraphs import paragraph_keys

    def repeated(element):
        key, ids = element
        ids = sorted(set(ids))
        if len(ids) >= min_pages:
            for doc_id in ids:
                yield doc_id, key[1]

    strip = (
        docs
        | "ParagraphKeys" >> beam.FlatMap(lambda d: [(k, d.id) for k in paragraph_keys(d)])
        | "GroupByParagraph" >> beam.GroupByKey()
        | "RepeatedParagraphs" >> beam.FlatMap(repeated)
    )
    return (
        {"doc": docs | "KeyForStrip" >> beam.Map(lambda d: (d.id, d)), "repeated": strip}
        | "GroupForStrip" >> beam.CoGroupByKey()
        | "StripParagraphs" >> beam.ParDo(StripParagraphsFn())
    )


def _cluster_member(element):
    """(node, {label, info}) -> (label, (node, url, sketch))."""
    node, grouped = element
    labels, info = list(grouped["label"]), list(grouped["info"])
    if labels and info:
        yield min(labels), (node, *min(info))


class NearDedupe(beam.PTransform):
    """Documents -> documents with one member per near-duplicate cluster; audit and signatures in OUT/dedupe/.

    With ``near_dedup.enabled`` false the input is returned untouched (no step is added).
    ``out`` None (tests of the transform alone) writes no files.
    """

    def __init__(self, cfg, out: str | None = None) -> None:
        super().__init__()
        self.nd: NearDedupConfig = cfg.near_dedup
        self.out = out.rstrip("/") if out else None
        check_config(self.nd)
        self.earlier_files: list[str] = []
        if self.nd.enabled:
            from mmcorpus.dedup.dedupe_files import signature_files_for

            hasher = _hasher(self.nd)
            for prev in self.nd.against:
                self.earlier_files += signature_files_for(prev, hasher)

    def expand(self, docs):
        if not self.nd.enabled:
            return docs
        nd = self.nd
        if nd.repeated_paragraph_pages > 0:
            docs = _strip_repeated_paragraphs(docs, nd.repeated_paragraph_pages)
        compare = nd.within_run or bool(self.earlier_files)
        signed = docs | "Signatures" >> beam.ParDo(SignatureFn(nd, compare)).with_outputs(BANDS, main="docs")
        drops = None
        if compare:
            bands = signed[BANDS]
            if self.earlier_files:
                earlier = (
                    docs.pipeline
                    | "EarlierRunFiles" >> beam.Create(sorted(self.earlier_files))
                    | "SpreadEarlierFiles" >> beam.Reshuffle()
                    | "EarlierRunBands" >> beam.ParDo(EarlierRunBandsFn(nd))
                )
                bands = (bands, earlier) | "AllBands" >> beam.Flatten()
            buckets = (
                bands
                | "GroupByBucket" >> beam.GroupByKey()
                | "CheckBuckets" >> beam.ParDo(BucketFn(nd)).with_outputs(INFO, main="edges")
            )
            labels, adj = _components(buckets.edges, nd.max_rounds)
            from mmcorpus.dedup.clusters import spread

            check = (
                {"label": labels, "adj": adj}
                | "CheckSpread" >> beam.CoGroupByKey()
                | "CheckLabels" >> beam.FlatMap(lambda kv: spread(kv[0], kv[1]["label"], kv[1]["adj"]))
                | "CheckMin" >> beam.CombinePerKey(min)
            )
            _ = ({"now": labels, "next": check} | "CompareLabels" >> beam.CoGroupByKey()
                 | "CountUnconverged" >> beam.ParDo(_CountUnconvergedFn()))
            info = buckets[INFO] | "OneInfoPerNode" >> beam.CombinePerKey(min)
            drops = (
                {"label": labels, "info": info}
                | "NodeInfo" >> beam.CoGroupByKey()
                | "ByCluster" >> beam.FlatMap(_cluster_member)
                | "GroupByCluster" >> beam.GroupByKey()
                | "Clusters" >> beam.ParDo(ClusterFn(nd.threshold))
            )
        if drops is None:
            drops = docs.pipeline | "NoDrops" >> beam.Create([])
        applied = (
            {"doc": signed.docs, "drop": drops}
            | "GroupById" >> beam.CoGroupByKey()
            | "ApplyDrops" >> beam.ParDo(ApplyDropsFn()).with_outputs(AUDIT, SIGNATURE_ROWS, main="docs")
        )
        if self.out is not None:
            from mmcorpus.dedup import dedupe_files as df

            family = df.hash_family(_hasher(nd))
            _write_files(applied[AUDIT], df.AUDIT, self.out, nd.rows_per_file, lambda r: r["id"],
                         df.audit_file_bytes, "Audit")
            _write_files(applied[SIGNATURE_ROWS], df.SIGNATURES, self.out, nd.rows_per_file, lambda r: r[0],
                         lambda rows: df.signature_file_bytes(rows, family), "Signatures")
        return applied.docs
