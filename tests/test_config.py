import json

import pytest

from mmcorpus.config import Config, ConfigError


def test_defaults_are_kosmos1_recipe():
    cfg = Config()
    assert cfg.doc_rules.max_images == 5
    assert cfg.doc_rules.single_image_keep_rate == 0.5
    assert cfg.image.min_side == 64
    assert cfg.language.languages == ["en"]


def test_yaml_toml_json_and_overrides(tmp_path):
    (tmp_path / "c.yaml").write_text("text:\n  min_words: 30\nlanguage:\n  languages: [en, de]\n")
    (tmp_path / "c.toml").write_text("[image]\nmin_side = 128\n")
    (tmp_path / "c.json").write_text(json.dumps({"doc_rules": {"seed": 7}}))
    assert Config.load(tmp_path / "c.yaml").text.min_words == 30
    assert Config.load(tmp_path / "c.yaml").language.languages == ["en", "de"]
    assert Config.load(tmp_path / "c.toml").image.min_side == 128
    assert Config.load(tmp_path / "c.json").doc_rules.seed == 7
    cfg = Config.load(tmp_path / "c.yaml", ["text.min_words=12", "language.languages=fr,es", "dedup.url=false"])
    assert cfg.text.min_words == 12 and cfg.language.languages == ["fr", "es"] and cfg.dedup.url is False


def test_roundtrip_through_dict():
    cfg = Config.load(None, ["doc_rules.seed=3"])
    assert Config.from_dict(cfg.to_dict()) == cfg


@pytest.mark.parametrize(
    "override, message",
    [
        ("text.nope=1", "unknown config key 'text.nope'"),
        ("nosection.x=1", "unknown config key 'nosection'"),
        ("image.min_side=big", "cannot use 'big'"),
        ("image.min_side", "section.field=value"),
        ("min_side=3", "section.field"),
        ("dedup.url=maybe", "cannot use 'maybe'"),
    ],
)
def test_bad_overrides_say_what_is_wrong(override, message):
    with pytest.raises(ConfigError, match=message):
        Config.load(None, [override])


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        Config.load(tmp_path / "absent.yaml")
    (tmp_path / "bad.toml").write_text("[image\n")
    with pytest.raises(ConfigError, match="cannot parse"):
        Config.load(tmp_path / "bad.toml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="mapping"):
        Config.load(tmp_path / "list.yaml")
