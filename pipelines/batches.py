"""``--append``: documents already in an earlier batch of the same folder are not written again.

Keys must be unique across the corpus (docs/architecture.md, "Keys"). A document's key is a hash of
its URL and WARC record id, so the only way a new batch can repeat one is to read the same record
again (the same WARC listed twice, or a record copied into two files). Such documents are dropped
right after deduplication as ``dedup/dropped:earlier_batch``, before any image work.
"""

from __future__ import annotations

from typing import Any

import apache_beam as beam

from mmcorpus.pipelines.metrics import BeamCounter

#: the sets whose keys are document ids (pairs are keyed by document id and image URL)
DOCUMENT_SETS = ("interleaved", "text")


def earlier_document_ids(out: str, manifest: dict[str, Any]) -> list[str]:
    """Document ids written by the batches ``manifest`` lists (read from the parquet indexes)."""
    import pyarrow.parquet as pq

    from mmcorpus.io.output_dir import filesystem
    from mmcorpus.shards.layout import index_name

    fs, root = filesystem(out)
    ids: set[str] = set()
    for set_name in DOCUMENT_SETS:
        for shard in manifest.get("outputs", {}).get(set_name, {}).get("shards", []):
            path = f"{root.rstrip('/')}/{set_name}/{shard.get('index') or index_name(shard['name'])}"
            with fs.open(path, "rb") as f:
                ids.update(pq.read_table(f, columns=["key"], use_threads=False).column("key").to_pylist())
    return sorted(ids)


class DropEarlierBatchesFn(beam.DoFn):
    def __init__(self) -> None:
        self.count = BeamCounter()

    def process(self, doc, known):
        # only the drop is counted: the dedup stage's kept counter already counted the survivors
        if doc.id in known:
            self.count("dedup/dropped:earlier_batch")
        else:
            yield doc


class DropEarlierBatches(beam.PTransform):
    """Documents -> those whose id no earlier batch wrote (a no-op when there is none)."""

    def __init__(self, known_ids: list[str]) -> None:
        super().__init__()
        self.known_ids = known_ids

    def expand(self, docs):
        if not self.known_ids:
            return docs
        known = docs.pipeline | "EarlierIds" >> beam.Create([(i, True) for i in self.known_ids])
        return docs | "DropKnown" >> beam.ParDo(DropEarlierBatchesFn(), beam.pvalue.AsDict(known))
