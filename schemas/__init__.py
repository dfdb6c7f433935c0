"""The versioned JSON Schemas (the ``*.json`` files beside this module) and validation against them.

This folder is installed as the package ``mmcorpus.schemas`` (see ``pyproject.toml``), so the
schema files travel inside the wheel as package data and a non-editable install finds them.

Writers and ``mmcorpus validate`` use the same files, so what the code writes and what the
validator accepts cannot drift apart. A schema change bumps the version in its file name.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

SCHEMA_NAMES = ("provenance.v1", "image_ref.v1", "document.v1", "text_document.v1", "pair.v1", "manifest.v1")


def schema_dir() -> Path:
    """The folder holding the schema files: this package's own directory."""
    return Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def _registry():
    from referencing import Registry, Resource

    resources = []
    for name in SCHEMA_NAMES:
        doc = json.loads((schema_dir() / f"{name}.json").read_text(encoding="utf-8"))
        res = Resource.from_contents(doc)
        resources.append((doc["$id"], res))
        resources.append((f"{name}.json", res))
    return Registry().with_resources(resources)


@cache
def validator(name: str):
    """A cached jsonschema validator for ``name`` (e.g. ``"document.v1"``)."""
    from jsonschema import Draft202012Validator

    if name not in SCHEMA_NAMES:
        raise KeyError(f"unknown schema {name!r}; known: {', '.join(SCHEMA_NAMES)}")
    doc = json.loads((schema_dir() / f"{name}.json").read_text(encoding="utf-8"))
    return Draft202012Validator(doc, registry=_registry())


def errors(name: str, instance: Any) -> list[str]:
    """Every violation of schema ``name`` as 'path: message' strings (empty when valid)."""
    out = []
    for err in sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(root)"
        out.append(f"{where}: {err.message}")
    return out


def check_parallel_lists(doc: dict[str, Any]) -> list[str]:
    """The rule JSON Schema cannot say: texts/images equal length, exactly one null per slot."""
    texts, images = doc.get("texts") or [], doc.get("images") or []
    if len(texts) != len(images):
        return [f"texts ({len(texts)}) and images ({len(images)}) differ in length"]
    return [f"position {i}: exactly one of texts/images must be null"
            for i, (t, im) in enumerate(zip(texts, images)) if (t is None) == (im is None)]


def validate(name: str, instance: Any) -> None:
    """Raise ValueError listing every violation (and the parallel-list rule for documents)."""
    problems = errors(name, instance)
    if name == "document.v1" and isinstance(instance, dict):
        problems += check_parallel_lists(instance)
    if problems:
        raise ValueError(f"{name}: " + "; ".join(problems))
