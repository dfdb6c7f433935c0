"""Outputs other tools read: the standalone reader (no mmcorpus, no Beam), OBELICS and MMC4 exports,
pairs parquet columns and per-shard stats, and open_clip's webdataset pipeline on enough shards."""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mmcorpus.cli.main import main
from mmcorpus.shards import standalone_reader as sr
from mmcorpus.shards.layout import decode_interleaved


def shard_paths(out: Path, set_name: str) -> list[str]:
    manifest = json.loads((out / "manifest.json").read_text())
    return [str(out / set_name / s["name"]) for s in manifest["outputs"][set_name]["shards"]]


def test_standalone_reader_agrees_with_the_layout_module(sample_run):
    import webdataset as wds

    urls = shard_paths(sample_run, "interleaved")
    raw = list(wds.WebDataset(urls, shardshuffle=False, empty_check=False))
    mine = list(sr.read_samples(urls))
    assert len(raw) == len(mine) > 0
    for sample, got in zip(raw, mine):
        doc, jpegs = decode_interleaved(sample)
        assert got["key"] == doc.id and got["texts"] == doc.texts and got["images"] == jpegs
        assert [i and i["url"] for i in got["image_info"]] == [r and r.url for r in doc.images]
    decoded = list(wds.WebDataset(urls, shardshuffle=False, empty_check=False).decode().map(sr.decode_sample))
    assert [d["images"] for d in decoded] == [m["images"] for m in mine]


def test_standalone_reader_runs_without_mmcorpus_or_beam(sample_run, tmp_path):
    shutil.copy(sr.__file__, tmp_path / "standalone_reader.py")
    manifest = json.loads((sample_run / "manifest.json").read_text())
    pattern = str(sample_run / "interleaved" / manifest["outputs"]["interleaved"]["pattern"])
    code = (
        "import sys\n"
        "for name in ('mmcorpus', 'apache_beam', 'webdataset', 'pyarrow'):\n"
        "    sys.modules[name] = None  # importing any of them now fails\n"
        "from standalone_reader import read_samples, to_pil\n"
        f"docs = list(read_samples({pattern!r}))\n"
        "img = next(i for d in docs for i in d['images'] if i)\n"
        "print(len(docs), to_pil(img).size)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[0] == str(manifest["outputs"]["interleaved"]["samples"])


def test_export_obelics_loads_in_datasets(sample_run, tmp_path, capsys):
    datasets = pytest.importorskip("datasets")
    manifest = json.loads((sample_run / "manifest.json").read_text())
    assert main(["export", str(sample_run), "--to", "obelics", "-o", str(tmp_path / "ob")]) == 0
    ds = datasets.load_dataset("parquet", data_files=str(tmp_path / "ob" / "*.parquet"), split="train")
    n_docs = manifest["outputs"]["interleaved"]["samples"] + manifest["outputs"]["text"]["samples"]
    assert len(ds) == n_docs and {"texts", "images", "metadata", "general_metadata"} <= set(ds.column_names)
    from PIL import Image

    n_images = 0
    for row in ds:
        assert len(row["texts"]) == len(row["images"]) == len(json.loads(row["metadata"]))
        assert all((t is None) != (i is None) for t, i in zip(row["texts"], row["images"]))
        for data in filter(None, row["images"]):
            Image.open(io.BytesIO(data)).verify()
            n_images += 1
    assert n_images > 0
    assert main(["export", str(sample_run), "--to", "obelics", "-o", str(tmp_path / "urls"), "--images", "urls"]) == 0
    urls = datasets.load_dataset("parquet", data_files=str(tmp_path / "urls" / "*.parquet"), split="train")
    assert all(u.startswith("http") for row in urls for u in row["images"] if u is not None)


def test_export_mmc4_reads_like_openflamingo(sample_run, tmp_path):
    """The steps of OpenFlamingo's ``preprocess_interleaved`` (open_flamingo/train/data.py) on our tars:
    ``wds.to_tuple("json")``, then ``text_list``, and per ``image_info`` entry ``image_base64``,
    ``matched_sim`` against the threshold and ``matched_text_index`` into ``text_list``."""
    import webdataset as wds
    from PIL import Image

    assert main(["export", str(sample_run), "--to", "mmc4", "-o", str(tmp_path / "mm")]) == 0
    tars = sorted(str(p) for p in (tmp_path / "mm").glob("mmc4-*.tar"))
    n = 0
    for (raw,) in wds.WebDataset(tars, shardshuffle=False, empty_check=False).to_tuple("json"):
        info = json.loads(raw)
        sentences = info["text_list"]
        assert sentences and all(isinstance(s, str) for s in sentences)
        for image in info["image_info"]:
            assert image["matched_sim"] >= 0.24  # OpenFlamingo's default sim_threshold
            assert 0 <= image["matched_text_index"] < len(sentences)
            Image.open(io.BytesIO(base64.b64decode(image["image_base64"]))).convert("RGB")
            n += 1
    assert n > 0


def test_pairs_index_has_img2dataset_columns_and_stats(sample_run):
    import pyarrow.parquet as pq

    for shard in shard_paths(sample_run, "pairs"):
        table = pq.read_table(shard[:-4] + ".parquet")
        assert {"key", "url", "caption", "width", "height", "sha256", "status"} <= set(table.column_names)
        assert set(table.column("status").to_pylist()) == {"success"}
        stats = json.loads(Path(shard[:-4] + "_stats.json").read_text())
        assert stats["count"] == stats["successes"] == table.num_rows


def test_text_documents_keep_unfetched_image_urls(sample_run):
    for shard in shard_paths(sample_run, "text"):
        for sample in sr.iter_tar(shard):
            body = json.loads(sample["json"])
            assert isinstance(body["image_urls"], list)


def test_open_clip_style_pipeline_reads_pairs_with_dataloader_workers(default_sample_run):
    """open_clip's get_wds_dataset needs torchvision (absent here), so its pipeline is rebuilt from
    webdataset stages as open_clip_train/data.py builds it: brace pattern -> shard list split by
    worker -> samples -> decode("pilrgb") -> rename(image="jpg;png;jpeg;webp", text="txt") -> to_tuple,
    with its checks: shards >= workers, and the size from sizes.json."""
    torch = pytest.importorskip("torch")
    import braceexpand
    import webdataset as wds

    sample_run = default_sample_run
    manifest = json.loads((sample_run / "manifest.json").read_text())
    pattern = str(sample_run / "pairs" / manifest["outputs"]["pairs"]["pattern"])
    shards = list(braceexpand.braceexpand(pattern))
    workers = 2
    assert len(shards) >= workers, "number of shards must be >= total workers"
    sizes = json.loads((sample_run / "pairs" / "sizes.json").read_text())
    total = sum(int(sizes[Path(s).name]) for s in shards)
    pipeline = wds.DataPipeline(
        wds.SimpleShardList(pattern), wds.split_by_worker, wds.tarfile_to_samples(),
        wds.decode("pilrgb"), wds.rename(image="jpg;png;jpeg;webp", text="txt"), wds.to_tuple("image", "text"),
        wds.map_tuple(lambda im: torch.tensor(im.size), lambda t: t),
    )
    loader = torch.utils.data.DataLoader(pipeline, batch_size=None, num_workers=workers)
    got = list(loader)
    assert len(got) == total == manifest["outputs"]["pairs"]["samples"]


def test_a_text_document_lists_the_images_it_could_not_fetch():
    from mmcorpus.config import Config
    from mmcorpus.data import Document, ImageRef, Provenance
    from mmcorpus.images.join import ImageOutcome, slot_id
    from mmcorpus.shards.assemble import assemble_document

    refs = [ImageRef(url="http://a.test/gone.jpg", alt="a boat at sea in the evening"),
            ImageRef(url="http://a.test/tiny.png", alt="an icon")]
    doc = Document(id="d1", url="http://a.test/", texts=["Some text about boats.", None, None], images=[None, *refs],
                   provenance=Provenance("x.warc", 0, 1, "r1", None))
    cfg = Config()
    outcomes = [ImageOutcome(slot_id(refs[0]), None, "not_fetched"), ImageOutcome(slot_id(refs[1]), None, "too_small")]
    routed = assemble_document(doc, outcomes, pairs=cfg.pairs, language=cfg.language, doc_rules=cfg.doc_rules,
                               dedup=cfg.dedup)
    (set_name, (sample, _)), = routed
    assert set_name == "text"
    assert json.loads(sample["json"])["image_urls"] == ["http://a.test/gone.jpg"]  # the small one was fetched
