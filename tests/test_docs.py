from pathlib import Path

from mmcorpus.config import CONFIG_DOC_HEADER, reference_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_configuration_reference_is_current():
    expected = CONFIG_DOC_HEADER + reference_markdown() + "\n"
    actual = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/configuration.md is stale: run python -m mmcorpus.config > docs/configuration.md"


def test_readme_starts_with_the_two_commands():
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2
    assert "pip install -e ." in commands[0] and "samples/sample.warc.gz" in commands[0]
    assert "pytest" in commands[1]
