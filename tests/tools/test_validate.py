"""``mmcorpus validate``: clean pipeline output passes; each kind of damage gives its finding."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest

from mmcorpus.cli.main import main
from mmcorpus.shards.reader import open_dataset
from mmcorpus.tools.validate import check_image, validate_dataset


@pytest.fixture(scope="module")
def out(sample_run):
    return sample_run


def rewrite(tar: Path, edit) -> None:
    """Rewrite ``tar`` with ``edit(list of (name, data)) -> list of (name, data)``."""
    with tarfile.open(tar) as tf:
        members = [(m.name, tf.extractfile(m).read()) for m in tf.getmembers()]
    members = edit(members)
    with tarfile.open(tar, "w", format=tarfile.PAX_FORMAT) as tf:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))


def broken_copy(out: Path, tmp_path: Path, set_name: str, edit=None) -> Path:
    dst = tmp_path / set_name
    shutil.copytree(out / set_name, dst)
    if edit:
        rewrite(dst / f"{set_name}-000000.tar", edit)
    return dst


def kinds(path: Path) -> dict[str, list]:
    found: dict[str, list] = {}
    for f in validate_dataset(open_dataset(str(path))):
        found.setdefault(f.kind, []).append(f)
    return found


def test_pipeline_output_is_valid(out, capsys):
    assert main(["validate", str(out)]) == 0
    assert "valid" in capsys.readouterr().out
    assert main(["validate", str(out), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["valid"] and rep["findings"] == [] and rep["shards"] == 3
    for s in ("interleaved", "pairs", "text"):  # set folders and single tars too
        assert main(["validate", str(out / s)]) == 0
        assert main(["validate", str(out / s / f"{s}-000000.tar")]) == 0
    capsys.readouterr()


def test_truncated_tar(out, tmp_path, capsys):
    d = broken_copy(out, tmp_path, "pairs")
    tar = d / "pairs-000000.tar"
    tar.write_bytes(tar.read_bytes()[:40000])
    found = kinds(d)
    assert "truncated_tar" in found and "sizes_json" in found and "index" in found
    assert main(["validate", str(d)]) == 1
    text = capsys.readouterr().out
    assert "truncated_tar (1)" in text and "pairs-000000.tar" in text


def test_invalid_json_and_schema_violations(out, tmp_path):
    def edit(members):
        jsons = [i for i, (n, _) in enumerate(members) if n.endswith(".json")]
        members[jsons[0]] = (members[jsons[0]][0], b"{not json")
        body = json.loads(members[jsons[1]][1])
        del body["url"]
        members[jsons[1]] = (members[jsons[1]][0], json.dumps(body).encode())
        return members

    found = kinds(broken_copy(out, tmp_path, "pairs", edit))
    assert len(found["invalid_json"]) == 1 and "url" in found["schema"][0].message


def test_parallel_list_rule_and_missing_member(out, tmp_path):
    def edit(members):
        i = next(i for i, (n, _) in enumerate(members) if n.endswith(".json"))
        body = json.loads(members[i][1])
        body["texts"].append(None)
        body["images"].append(None)  # both null at one position
        members[i] = (members[i][0], json.dumps(body).encode())
        return [m for m in members if m[0] != members[-1][0]]  # last sample loses its .json

    found = kinds(broken_copy(out, tmp_path, "interleaved", edit))
    assert "parallel_lists" in found
    assert found["missing_member"][0].message.endswith(".json")


def test_undecodable_images(out, tmp_path):
    def edit(members):
        i, j = [i for i, (n, _) in enumerate(members) if n.endswith(".jpg")][:2]
        members[i] = (members[i][0], b"\xff\xd8\xff\xe0" + b"\x00garbage" * 50)  # not an image
        members[j] = (members[j][0], members[j][1][:2000])  # a JPEG cut short: header reads, data fails
        return members

    found = kinds(broken_copy(out, tmp_path, "pairs", edit))
    assert len(found["image_decode"]) == 2 and set(found) <= {"image_decode", "index"}  # offsets moved
    ok, why = check_image((out / "pairs" / "pairs-000000.tar").read_bytes(), max_pixels=10)
    assert ok is None and why


def test_image_over_the_pixel_cap(out):
    from mmcorpus.shards.reader import iter_samples

    jpg = next(iter_samples(str(out / "pairs" / "pairs-000000.tar")))["jpg"]
    assert check_image(jpg)[0] == (320, 240)
    assert "pixel cap" in check_image(jpg, max_pixels=1000)[1]


@pytest.mark.parametrize(("set_name", "key_field", "txt_field"),
                         [("interleaved", "id", None), ("pairs", "key", "caption"), ("text", "id", "text")])
def test_json_that_disagrees_with_its_sample_key_and_txt(out, tmp_path, set_name, key_field, txt_field):
    def edit(members):
        i = next(i for i, (n, _) in enumerate(members) if n.endswith(".json"))
        body = json.loads(members[i][1])
        body[key_field] = "someone-else"
        if txt_field:
            body[txt_field] += " (edited)"
        members[i] = (members[i][0], json.dumps(body).encode())
        return members

    found = kinds(broken_copy(out, tmp_path, set_name, edit))
    (key,) = found.pop("key_mismatch")
    assert key.message == f"json {key_field} 'someone-else' differs from the sample key"
    if txt_field:
        (txt,) = found.pop(f"{txt_field}_mismatch")
        assert txt.message == f".txt differs from the json {txt_field}"
    assert not found


def test_duplicate_keys_and_keys_with_dots(out, tmp_path):
    def edit(members):
        first = members[0][0].split(".")[0]
        dup = [(n, d) for n, d in members if n.startswith(first + ".")]
        second = members[-1][0].split(".")[0]
        members = [(n.replace(second + ".", second + ".v2.", 1), d) for n, d in members]
        return members + dup

    found = kinds(broken_copy(out, tmp_path, "text", edit))
    assert len(found["duplicate_key"]) == 1
    assert len(found["key_has_dot"]) == 1 and found["key_has_dot"][0].key.endswith(".v2")


def test_member_named_dot_dot_is_flagged_and_never_written(out, tmp_path):
    d = broken_copy(out, tmp_path, "text", lambda m: m + [("../../x", b"evil"), ("/abs.txt", b"evil")])
    before = sorted(p.name for p in tmp_path.parent.rglob("*") if p.is_file())
    found = kinds(d)
    assert len(found["unsafe_member"]) == 2
    assert sorted(p.name for p in tmp_path.parent.rglob("*") if p.is_file()) == before
    assert not (tmp_path.parent / "x").exists() and not Path("/abs.txt").exists()


def test_manifest_with_wrong_counts(out, tmp_path, capsys):
    dst = tmp_path / "out"
    shutil.copytree(out, dst)
    m = json.loads((dst / "manifest.json").read_text())
    m["outputs"]["pairs"]["samples"] += 1
    m["outputs"]["text"]["shards"][0]["sha256"] = "0" * 64
    (dst / "manifest.json").write_text(json.dumps(m))
    found = kinds(dst)
    assert set(found) == {"manifest_count", "manifest_sha256"}
    assert main(["validate", str(dst), "--json"]) == 1
    rep = json.loads(capsys.readouterr().out)
    assert not rep["valid"] and rep["by_kind"] == {"manifest_count": 1, "manifest_sha256": 1}


def test_bad_path_is_a_user_error(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "missing")]) == 2
    assert "no such file" in capsys.readouterr().err
