"""The docs' snippets run as written on the sample run.

Each ```python block of the docs listed below that reads ``OUT/`` runs in a folder where ``OUT`` is
the sample run (a symlink) and ``standalone_reader.py`` is a copy of the reader, as the docs tell a
user to do; each ``mmcorpus ... OUT/ ...`` line of their ```bash blocks runs first. The one
rewrite: a shard brace pattern in a snippet is replaced by the one the sample run printed when the
two differ (the number of shards depends on the sample, the pattern's form does not).
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from mmcorpus.cli.main import main

DOCS = Path(__file__).resolve().parents[1] / "docs"
SNIPPET_DOCS = ("output-format.md", "quickstart.md", "inspect.md")
PATTERN = re.compile(r"\b(interleaved|pairs|text)-\{\d{6}\.\.\d{6}\}\.tar")


def blocks(lang: str) -> list[tuple[str, str]]:
    out = []
    for name in SNIPPET_DOCS:
        text = (DOCS / name).read_text(encoding="utf-8")
        out += [(name, b) for b in re.findall(rf"```{lang}\n(.*?)```", text, re.S)]
    return out


def python_snippets() -> list[tuple[str, str]]:
    return [(n, b) for n, b in blocks("python") if "OUT" in b]


def command_lines() -> list[str]:
    lines = []
    for _, block in blocks("bash"):
        for line in block.splitlines():
            line = line.split("  #", 1)[0].strip()
            if line.startswith("mmcorpus ") and " OUT/" in line and " run " not in f" {line} ":
                lines.append(line)
    return lines


@pytest.fixture(scope="module")
def workdir(default_sample_run, tmp_path_factory):
    import json

    from mmcorpus.shards import standalone_reader

    sample_run = default_sample_run
    work = tmp_path_factory.mktemp("docs")
    (work / "OUT").symlink_to(sample_run, target_is_directory=True)
    shutil.copy(standalone_reader.__file__, work / "standalone_reader.py")
    manifest = json.loads((sample_run / "manifest.json").read_text())
    patterns = {name: entry["pattern"] for name, entry in manifest["outputs"].items()}
    return work, patterns


def test_there_are_snippets_to_run():
    assert len(python_snippets()) >= 5 and len(command_lines()) >= 2


def test_doc_commands_run(workdir, monkeypatch, capsys):
    work, _ = workdir
    monkeypatch.chdir(work)
    for line in command_lines():
        assert main(shlex.split(line)[1:]) == 0, line
    capsys.readouterr()


@pytest.mark.parametrize("index", range(len(python_snippets())))
def test_doc_python_snippet_runs(index, workdir, monkeypatch):
    work, patterns = workdir
    name, code = python_snippets()[index]
    if "OUT-obelics" in code and not (work / "OUT-obelics").exists():
        assert main(["export", "OUT/", "--to", "obelics", "-o", "OUT-obelics/"]) == 0
    code = PATTERN.sub(lambda m: patterns[m.group(1)], code)
    monkeypatch.chdir(work)
    monkeypatch.syspath_prepend(str(work))
    exec(compile(code, f"{name} snippet {index}", "exec"), {"__name__": "__doc_snippet__"})


def test_inspect_doc_shows_what_inspect_prints_today(workdir, monkeypatch, capsys):
    """docs/inspect.md's `$ mmcorpus inspect out` block is the command's output on the sample run.
    After a change to the recipe, paste the new output (`mmcorpus inspect out` after
    `mmcorpus run samples/sample.warc.gz -o out --runner inprocess`)."""
    work, _ = workdir
    if not (work / "out").exists():
        (work / "out").symlink_to((work / "OUT").resolve(), target_is_directory=True)
    monkeypatch.chdir(work)
    capsys.readouterr()
    assert main(["inspect", "out"]) == 0
    printed = capsys.readouterr().out
    doc = (DOCS / "inspect.md").read_text(encoding="utf-8")
    block = doc.split("$ mmcorpus inspect out\n", 1)[1].split("```", 1)[0]
    assert block == printed


def test_readme_summary_shows_what_run_prints_today(default_sample_run):
    import json

    from mmcorpus.cli.summary import render_summary

    manifest = json.loads((default_sample_run / "manifest.json").read_text())
    table = render_summary(manifest).strip().split("\n\n", 1)[0]
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert table in readme, "README's summary example is stale; paste the table `mmcorpus run` prints on the sample"
