"""What users and Dataflow workers install is a wheel, not this checkout: build one and use it.

The wheel goes into a fresh virtual environment that sees the already-installed dependencies
(through a path entry, not an install), run from a folder outside the checkout, so only the
wheel's own files can serve ``import mmcorpus``. The sample job and ``mmcorpus validate`` must
work there, which needs the JSON schemas shipped as package data and ``mmcorpus.pipelines``.
"""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, SAMPLE_WARC

pytestmark = pytest.mark.slow
SOURCES = ("mmcorpus", "pipelines", "schemas", "pyproject.toml", "setup.py", "README.md")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:  # a copy, so the build leaves no build/ or egg-info in the checkout
        p = REPO / name
        if p.is_dir():
            shutil.copytree(p, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(p, src / name)
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(dist), str(src)], check=True, capture_output=True)
    (whl,) = dist.glob("mmcorpus-*.whl")
    return whl


def test_wheel_ships_schemas_and_no_bare_pipelines_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/", 1)[0] for n in names if not n.startswith("mmcorpus-")}
    assert tops == {"mmcorpus"}, tops  # nothing named bare "pipelines" or "schemas" is installed
    assert "mmcorpus/schemas/document.v1.json" in names and "mmcorpus/schemas/manifest.v1.json" in names
    assert "mmcorpus/pipelines/crawl_to_shards.py" in names
    packaged = {n.rsplit("/", 1)[0].replace("/", ".") for n in names if n.endswith("/__init__.py")}
    in_tree = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "mmcorpus").rglob("__init__.py")}
    assert in_tree <= packaged, f"subpackages missing from pyproject.toml's package list: {in_tree - packaged}"


def test_installed_wheel_runs_the_sample_and_validates_it(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    target = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 check=True, capture_output=True, text=True).stdout.strip())
    # the wheel's files, unpacked as pip would; the dependencies come from this interpreter's site dirs
    zipfile.ZipFile(wheel).extractall(target)
    deps = [p for p in {*site.getsitepackages(), sysconfig.get_paths()["purelib"]} if Path(p).is_dir()]
    (target / "zz_deps.pth").write_text("\n".join(deps) + "\n")
    work = tmp_path / "work"
    work.mkdir()

    def mmcorpus(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(py), "-m", "mmcorpus", *args], cwd=work, capture_output=True, text=True,
                              timeout=600)

    where = subprocess.run([str(py), "-c", "import mmcorpus, mmcorpus.pipelines, mmcorpus.schemas as s;"
                            "print(mmcorpus.__file__); print(s.schema_dir())"],
                           cwd=work, capture_output=True, text=True, check=True).stdout.split()
    assert all(str(target) in w for w in where), where
    run = mmcorpus("run", str(SAMPLE_WARC), "-o", "out", "--runner", "inprocess", "-q")
    assert run.returncode == 0, run.stderr[-2000:]
    check = mmcorpus("validate", "out")
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr[-2000:]
