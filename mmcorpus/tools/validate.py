"""Checks behind ``mmcorpus validate``: is a written dataset what the format promises?

Each check yields :class:`Finding`\\ s with a stable snake_case ``kind``; an empty list means valid.

* tar integrity: cut-off data or a missing end-of-archive marker (``truncated_tar``), unsafe or
  non-file members (names are untrusted, docs/architecture.md "Safety"; see :mod:`mmcorpus.shards.reader`);
* keys (docs/architecture.md "Keys"): ``^[0-9a-z_-]+$``, no dots, unique across the set;
* members complete per layout (:mod:`mmcorpus.shards.layout`): interleaved ``json`` + ``images.npy``,
  pairs ``jpg`` + ``txt`` + ``json`` (img2dataset/LAION), text ``txt`` + ``json``;
* every ``.json`` against its schema in ``schemas/`` (document.v1 plus the parallel-list rule,
  pair.v1, text_document.v1), ``.txt`` equal to the caption / text it repeats;
* images decode with PIL under a pixel cap and have the size their JSON records;
* ``sizes.json``, the parquet indexes and ``manifest.json`` (schema, counts, bytes, sha256, and
  whether its ledger balances) agree with the files.
"""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from mmcorpus.shards.layout import KEY_RE, MEMBERS, SCHEMA_OF, set_of_members
from mmcorpus.shards.reader import Dataset, ShardError, iter_samples, read_index, read_json

MAX_PIXELS = 1 << 26  # 67 Mpx: far above the pipeline's own cap, low enough to stop decompression bombs


@dataclass(frozen=True)
class Finding:
    kind: str
    file: str
    key: str | None
    message: str


def _layout_of(set_name: str, exts: set[str]) -> str:
    return set_name if set_name in MEMBERS else set_of_members(exts)


def _dotted_key(key: str, exts: set[str], expected: tuple[str, ...]) -> str | None:
    """If the members look like ``{key.with.dots}.{ext}``, the full dotted key; else None."""
    firsts = {e.split(".", 1)[0] for e in exts}
    if len(firsts) != 1 or not all("." in e for e in exts):
        return None
    seg = firsts.pop()
    rest = {e.split(".", 1)[1] for e in exts}
    if rest <= set(expected):
        return f"{key}.{seg}"
    deeper = _dotted_key(seg, rest, expected)
    return f"{key}.{deeper}" if deeper else None


def check_image(data: bytes, max_pixels: int = MAX_PIXELS) -> tuple[tuple[int, int] | None, str | None]:
    """((width, height), None) when ``data`` decodes under the pixel cap, else (None, why)."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                w, h = im.size
                if w * h > max_pixels:
                    return None, f"{w}x{h} exceeds the {max_pixels:,}-pixel cap"
                im.load()
                return (w, h), None
    except Exception as e:  # PIL raises many types on hostile bytes
        return None, f"does not decode: {type(e).__name__}: {e}"


def _schema_findings(add, layout: str, body: Any) -> None:
    from mmcorpus import schemas

    name = SCHEMA_OF[layout]
    for err in schemas.errors(name, body):
        add("schema", f"{name}: {err}")
    if layout == "interleaved" and isinstance(body, dict):
        for err in schemas.check_parallel_lists(body):
            add("parallel_lists", err)


def _check_interleaved(add, sample: dict[str, Any], body: dict[str, Any], max_pixels: int) -> None:
    import numpy as np

    _check_key(add, sample, body, "id")
    try:
        arr = np.lib.format.read_array(io.BytesIO(sample["images.npy"]), allow_pickle=False)
        blob = np.asarray(arr, dtype=np.uint8).reshape(-1).tobytes()
    except Exception as e:
        add("npy_decode", f"images.npy does not load without pickle: {type(e).__name__}: {e}")
        return
    for i, im in enumerate(body.get("images") or []):
        if not isinstance(im, dict):
            continue
        off, length = im.get("offset"), im.get("length")
        if not isinstance(off, int) or not isinstance(length, int) or off < 0 or length <= 0 \
                or off + length > len(blob):
            add("image_range", f"slot {i}: offset/length {off}/{length} outside images.npy ({len(blob)} bytes)")
            continue
        size, why = check_image(blob[off:off + length], max_pixels)
        if why:
            add("image_decode", f"slot {i}: {why}")
        elif (im.get("width"), im.get("height")) != size:
            add("image_size", f"slot {i}: json says {im.get('width')}x{im.get('height')}, image is {size[0]}x{size[1]}")


def _check_pair(add, sample: dict[str, Any], body: dict[str, Any], max_pixels: int) -> None:
    _check_key(add, sample, body, "key")
    _check_txt(add, sample, body, "caption")
    size, why = check_image(sample["jpg"], max_pixels)
    if why:
        add("image_decode", f"jpg: {why}")
    elif (body.get("width"), body.get("height")) != size:
        add("image_size", f"json says {body.get('width')}x{body.get('height')}, image is {size[0]}x{size[1]}")


def _check_text(add, sample: dict[str, Any], body: dict[str, Any], max_pixels: int) -> None:
    _check_key(add, sample, body, "id")
    _check_txt(add, sample, body, "text")


def _check_key(add, sample: dict[str, Any], body: dict[str, Any], field: str) -> None:
    """The JSON member names its sample: ``field`` (``id`` of a document, ``key`` of a pair) is the tar key."""
    if body.get(field) != sample["__key__"]:
        add("key_mismatch", f"json {field} {body.get(field)!r} differs from the sample key")


def _check_txt(add, sample: dict[str, Any], body: dict[str, Any], field: str) -> None:
    """The ``.txt`` member says what the JSON's ``field`` says.

    Finding ``<field>_mismatch``: ``caption_mismatch`` for pairs, ``text_mismatch`` for text documents.
    """
    if sample["txt"].decode("utf-8", "replace") != body.get(field):
        add(f"{field}_mismatch", f".txt differs from the json {field}")


_CHECKS = {"interleaved": _check_interleaved, "pairs": _check_pair, "text": _check_text}


def check_sample(set_name: str, sample: dict[str, Any], max_pixels: int = MAX_PIXELS) -> list[Finding]:
    """Every finding about one sample on its own (keys across samples are checked by the caller)."""
    out: list[Finding] = []
    shard, key = sample["__url__"].rsplit("/", 1)[-1], sample["__key__"]

    def add(kind: str, message: str) -> None:
        out.append(Finding(kind, shard, key, message))

    exts = {k for k in sample if not k.startswith("__")}
    layout = _layout_of(set_name, exts)
    expected = MEMBERS[layout]
    dotted = _dotted_key(key, exts, expected) if not set(expected) <= exts else None
    if dotted:
        out.append(Finding("key_has_dot", shard, dotted,
                           f"key {dotted!r} contains a dot: readers take {key!r} as the key"))
        return out
    if not KEY_RE.match(key):
        add("bad_key", f"key {key!r} does not match {KEY_RE.pattern}")
    missing = [e for e in expected if e not in exts]
    if missing:
        add("missing_member", f"{layout} sample lacks {', '.join('.' + e for e in missing)}")
    extra = sorted(exts - set(expected))
    if extra:
        add("extra_member", f"unexpected member(s) {', '.join('.' + e for e in extra)}")
    if "json" not in exts:
        return out
    try:
        body = json.loads(sample["json"])
    except ValueError as e:
        add("invalid_json", f".json is not valid JSON: {e}")
        return out
    _schema_findings(add, layout, body)
    if isinstance(body, dict) and not missing:
        _CHECKS[layout](add, sample, body, max_pixels)
    return out


def _sha256(url: str) -> tuple[str, int]:
    import fsspec

    h, n = hashlib.sha256(), 0
    with fsspec.open(url, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            n += len(chunk)
    return h.hexdigest(), n


def validate_set(name: str, urls: list[str], set_dir: str | None, max_pixels: int = MAX_PIXELS
                 ) -> tuple[list[Finding], dict[str, dict[str, Any]]]:
    """Findings for one set, and what was found per shard: {name: {samples, bytes, sha256}}."""
    findings: list[Finding] = []
    first_seen: dict[str, str] = {}
    seen: dict[str, dict[str, Any]] = {}
    for url in urls:
        shard = url.rsplit("/", 1)[-1]

        def note(exc: ShardError, shard=shard) -> bool:
            findings.append(Finding(exc.kind, shard, exc.key, exc.message))
            return True

        positions = []
        for sample in iter_samples(url, note):
            key = sample["__key__"]
            findings.extend(check_sample(name, sample, max_pixels))
            if key in first_seen:
                findings.append(Finding("duplicate_key", shard, key, f"key also in {first_seen[key]}"))
            else:
                first_seen[key] = shard
            positions.append((key, sample["__offset__"], sample.get("__size__", 0)))
        sha, nbytes = _sha256(url)
        seen[shard] = {"samples": len(positions), "bytes": nbytes, "sha256": sha}
        findings.extend(_check_index(url, shard, positions))
    if set_dir is not None:
        try:
            sizes = read_json(set_dir.rstrip("/") + "/sizes.json")
        except (ValueError, OSError) as e:
            sizes = f"not valid JSON: {e}"
        if isinstance(sizes, str) or (sizes is not None and not isinstance(sizes, dict)):
            what = sizes if isinstance(sizes, str) else f"a {type(sizes).__name__}, not an object"
            findings.append(Finding("sizes_json", f"{name}/sizes.json", None, f"{name}/sizes.json is {what}"))
        elif sizes is None:
            findings.append(Finding("sizes_json", f"{name}/sizes.json", None, f"{name}/sizes.json is missing"))
        elif isinstance(sizes, dict):
            for shard, got in seen.items():
                if sizes.get(shard) != got["samples"]:
                    findings.append(Finding("sizes_json", f"{name}/sizes.json", None,
                                            f"{shard}: sizes.json says {sizes.get(shard)}, tar has {got['samples']}"))
            for shard in sorted(set(sizes) - set(seen)):
                findings.append(Finding("sizes_json", f"{name}/sizes.json", None, f"lists {shard}, which is not here"))
    return findings, seen


def _check_index(url: str, shard: str, positions: list[tuple[str, int, int]]) -> list[Finding]:
    idx = shard[: -len(".tar")] + ".parquet"
    try:
        rows = read_index(url)
    except Exception as e:  # noqa: BLE001 - pyarrow raises many types on a broken file
        return [Finding("index", idx, None, f"parquet index does not read: {type(e).__name__}: {e}")]
    if rows is None:
        return [Finding("index", idx, None, "parquet index is missing")]
    out = []
    got = [(r.get("key"), r.get("tar_offset"), r.get("tar_size")) for r in rows]
    if len(got) != len(positions):
        out.append(Finding("index", idx, None, f"{len(got)} rows, tar has {len(positions)} samples"))
    for a, b in zip(got, positions):
        if a != b:
            out.append(Finding("index", idx, b[0], f"row (key, offset, size) {a} != tar {b}"))
    for r in rows:
        if r.get("shard") != shard:
            out.append(Finding("index", idx, r.get("key"), f"row names shard {r.get('shard')!r}"))
            break
    return out


def _check_manifest(ds: Dataset, seen: dict[str, dict[str, dict[str, Any]]]) -> list[Finding]:
    from mmcorpus import schemas

    m = ds.manifest
    out = [Finding("manifest_schema", "manifest.json", None, e) for e in schemas.errors("manifest.v1", m)]
    if not isinstance(m, dict):
        return out
    out.extend(_check_ledger(m))
    outputs = m.get("outputs") if isinstance(m.get("outputs"), dict) else {}
    for name in sorted(set(outputs) | set(seen)):
        entry, files = outputs.get(name), seen.get(name, {})
        entry = entry if isinstance(entry, dict) else {}
        total = sum(f["samples"] for f in files.values())
        if entry.get("samples") != total:
            out.append(Finding("manifest_count", "manifest.json", None,
                               f"{name}: manifest says {entry.get('samples')} samples, shards hold {total}"))
        shards = entry.get("shards") if isinstance(entry.get("shards"), list) else []
        listed = {s.get("name"): s for s in shards if isinstance(s, dict)}
        for shard in sorted(set(listed) | set(files)):
            s, f = listed.get(shard), files.get(shard)
            if s is None or f is None:
                where = "not in the manifest" if s is None else "missing from the folder"
                out.append(Finding("manifest_shards", "manifest.json", None, f"{name}/{shard} is {where}"))
                continue
            for field in ("samples", "bytes", "sha256"):
                if s.get(field) != f[field]:
                    out.append(Finding(f"manifest_{'count' if field == 'samples' else field}", "manifest.json",
                                       None, f"{name}/{shard}: manifest {field} {s.get(field)!r} != file {f[field]!r}"))
    return out


def _check_ledger(m: dict[str, Any]) -> list[Finding]:
    """The ledger's balance recomputed from the manifest's counters (:func:`mmcorpus.ledger.balance`,
    the one home of the rule), never the stored ``balanced`` flag, which anyone could have set."""
    from mmcorpus.ledger import balance

    counters = m.get("ledger")
    if not isinstance(counters, dict) or not all(isinstance(v, int) for v in counters.values()):
        return [Finding("manifest_ledger", "manifest.json", None, "ledger is not an object of integer counters")]
    got = balance(counters)
    out = []
    if not got["balanced"]:
        bad = [k for k, v in got.items() if isinstance(v, dict) and not v.get("balanced", True)]
        out.append(Finding("manifest_ledger", "manifest.json", None,
                           f"ledger does not add up: {got['records_read']} read, {got['accounted']} accounted"
                           + (f" (units: {', '.join(bad)})" if bad else "")))
    stored = m.get("balance")
    if isinstance(stored, dict) and stored.get("balanced") != got["balanced"]:
        out.append(Finding("manifest_ledger", "manifest.json", None,
                           f"stored balance says balanced={stored.get('balanced')!r}, "
                           f"the counters say {got['balanced']}"))
    return out


def _leftovers(ds: Dataset) -> list[Finding]:
    """Temporary and staging files a killed run left behind (``.NAME.tmp*``, ``_staging/``)."""
    import fsspec

    out = []
    roots = [ds.root] + [d for d in ds.set_dirs.values()]
    for root in dict.fromkeys(roots):
        try:
            fs, p = fsspec.core.url_to_fs(root)
            names = [q.rstrip("/").rsplit("/", 1)[-1] for q in fs.ls(p, detail=False)]
        except (OSError, ValueError):
            continue
        for n in sorted(names):
            if (n.startswith(".") and ".tmp" in n) or n == "_staging":
                rel = root.rstrip("/").rsplit("/", 1)[-1] + "/" + n
                out.append(Finding("leftover", rel, None, f"{rel} is left over from an unfinished run"))
    return out


def validate_dataset(ds: Dataset, max_pixels: int = MAX_PIXELS) -> list[Finding]:
    """All findings for a dataset (output folder, set folder or single tar)."""
    findings: list[Finding] = []
    seen: dict[str, dict[str, dict[str, Any]]] = {}
    for name, urls in ds.sets.items():
        f, seen[name] = validate_set(name, urls, ds.set_dirs.get(name) if ds.kind != "tar" else None, max_pixels)
        findings.extend(f)
    if ds.kind == "out":
        if ds.manifest is None:
            findings.append(Finding("manifest_missing", "manifest.json", None, "no manifest.json in the output folder"))
        else:
            findings.extend(_check_manifest(ds, seen))
    if ds.kind != "tar":
        findings.extend(_leftovers(ds))
    return findings


def report_json(ds: Dataset, findings: list[Finding]) -> dict[str, Any]:
    return {"path": ds.root, "valid": not findings, "shards": ds.n_shards,
            "by_kind": dict(Counter(f.kind for f in findings).most_common()),
            "findings": [asdict(f) for f in findings]}


def render(ds: Dataset, findings: list[Finding], per_kind: int = 20) -> str:
    """Findings grouped by kind, each with its file and key."""
    if not findings:
        sets = ", ".join(f"{k} ({len(v)} shard{'s' if len(v) != 1 else ''})" for k, v in ds.sets.items())
        return f"{ds.root}: valid — {sets}; no findings\n"
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.kind, []).append(f)
    out = [f"{ds.root}: {len(findings)} finding(s) in {len(groups)} kind(s)", ""]
    for kind, items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        out.append(f"{kind} ({len(items)})")
        for f in items[:per_kind]:
            where = f.file + (f" [{f.key}]" if f.key else "")
            out.append(f"  {where}: {f.message}")
        if len(items) > per_kind:
            out.append(f"  ... and {len(items) - per_kind} more (use --json for all)")
        out.append("")
    return "\n".join(out)
