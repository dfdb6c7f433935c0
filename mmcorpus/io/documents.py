"""Reading and writing Documents as JSON Lines (optionally gzipped) or Parquet.

JSONL rows are exactly ``Document.to_json()`` (schema ``schemas/document.v1.json``). Parquet uses
:data:`ARROW_SCHEMA`: the same fields, with ``images`` a list of structs and ``metadata`` kept as a
JSON string (its keys vary by extractor version, which a fixed Arrow struct cannot hold).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator

import pyarrow as pa

from mmcorpus.data import Document
from mmcorpus.errors import UserError

_PROVENANCE = pa.struct([
    ("warc_file", pa.string()), ("offset", pa.int64()), ("length", pa.int64()),
    ("record_id", pa.string()), ("fetch_date", pa.string()),
])
_IMAGE = pa.struct([
    ("url", pa.string()), ("alt", pa.string()), ("title", pa.string()), ("caption", pa.string()),
    ("declared_width", pa.int64()), ("declared_height", pa.int64()), ("sha256", pa.string()),
    ("phash", pa.string()), ("width", pa.int64()), ("height", pa.int64()), ("n_bytes", pa.int64()),
    ("image_key", pa.string()), ("candidates", pa.list_(pa.string())), ("source_url", pa.string()),
    ("source", pa.string()),
])
ARROW_SCHEMA = pa.schema([
    ("id", pa.string()), ("url", pa.string()), ("title", pa.string()), ("canonical_url", pa.string()),
    ("declared_language", pa.string()), ("language", pa.string()), ("language_score", pa.float64()),
    ("texts", pa.list_(pa.string())), ("images", pa.list_(_IMAGE)), ("provenance", _PROVENANCE),
    ("metadata", pa.string()),
])


def _open_text(path: str, mode: str, gz: bool | None = None):
    if path.endswith(".gz") if gz is None else gz:
        return gzip.open(path, mode + "t", encoding="utf-8", compresslevel=6)
    return open(path, mode, encoding="utf-8")


def output_format(path: str) -> str:
    if path.endswith((".jsonl", ".jsonl.gz", ".json.gz", ".ndjson", ".ndjson.gz")):
        return "jsonl"
    if path.endswith(".parquet"):
        return "parquet"
    raise UserError(f"unknown output format for {path!r}: use .jsonl, .jsonl.gz or .parquet")


class DocumentWriter:
    """Append documents to a JSONL(.gz) or Parquet file, written to a temporary name first."""

    def __init__(self, path: str, batch_size: int = 1000) -> None:
        import os

        self.path = path
        self.format = output_format(path)
        self.tmp = os.path.join(os.path.dirname(path) or ".", f".{os.path.basename(path)}.tmp")
        self.batch_size = batch_size
        self.n = 0
        self._rows: list[dict] = []
        self._f = _open_text(self.tmp, "w", gz=path.endswith(".gz")) if self.format == "jsonl" else None
        self._pq = None

    def write(self, doc: Document) -> None:
        self.n += 1
        row = doc.to_json()
        if self._f is not None:
            self._f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
            return
        row["metadata"] = json.dumps(row["metadata"], sort_keys=True)
        self._rows.append(row)
        if len(self._rows) >= self.batch_size:
            self._flush()

    def _flush(self) -> None:
        import pyarrow.parquet as pq

        if self._pq is None:
            self._pq = pq.ParquetWriter(self.tmp, ARROW_SCHEMA, compression="zstd")
        self._pq.write_table(pa.Table.from_pylist(self._rows, schema=ARROW_SCHEMA))
        self._rows = []

    def close(self) -> None:
        import os

        if self._f is not None:
            self._f.close()
            os.replace(self.tmp, self.path)
            return
        if self._rows or self._pq is None:
            self._flush()
        self._pq.close()
        os.replace(self.tmp, self.path)

    def __enter__(self) -> DocumentWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()


def read_documents(path: str) -> Iterator[Document]:
    if output_format(path) == "jsonl":
        with _open_text(path, "r") as f:
            for line in f:
                if line.strip():
                    yield Document.from_json(json.loads(line))
        return
    import pyarrow.parquet as pq

    for row in pq.read_table(path).to_pylist():
        row["metadata"] = json.loads(row["metadata"] or "{}")
        yield Document.from_json(row)


def write_documents(path: str, docs: Iterable[Document]) -> int:
    with DocumentWriter(path) as w:
        for d in docs:
            w.write(d)
    return w.n
