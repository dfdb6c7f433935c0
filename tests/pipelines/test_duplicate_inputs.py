"""The same records in two input files give byte-identical shards, run after run (issue 14).

Copies share their record ids, so which copy survives dedup (and whose provenance is written) must
follow a total order, not the shuffle; and ``x.warc.gz`` and ``/abs/x.warc.gz`` are one input.
"""

import shutil
from pathlib import Path

from conftest import SAMPLE_WARC


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.parent.name in ("interleaved", "pairs", "text")}


def test_duplicated_inputs_give_identical_shards(tmp_path, monkeypatch):
    from mmcorpus.pipelines.crawl_to_shards import run

    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(SAMPLE_WARC, data / "a.warc.gz")
    shutil.copy(SAMPLE_WARC, data / "b.warc.gz")
    monkeypatch.chdir(tmp_path)
    outs = []
    for i, inputs in enumerate([["data/a.warc.gz", "data/b.warc.gz"],
                                [str(data / "b.warc.gz"), "data/a.warc.gz", str(data / "a.warc.gz")]]):
        out = tmp_path / f"out{i}"
        run([*inputs, "-o", str(out), "--runner", "inprocess", "-q"])
        outs.append(_files(out))
    assert outs[0] and any(name.endswith(".tar") for name in outs[0])
    assert outs[0].keys() == outs[1].keys()
    differ = [name for name in outs[0] if outs[0][name] != outs[1][name]]
    assert not differ, differ
    assert b"a.warc.gz" in b"".join(outs[0].values())  # the copy from the first file in path order survives
