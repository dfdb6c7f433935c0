import pytest

from mmcorpus import schemas
from mmcorpus.data import Document, ImageRef, Provenance

PROV = Provenance("x.warc.gz", 0, 10, "urn:uuid:1", "2024-01-01T00:00:00Z")


def test_document_to_json_is_schema_valid_and_roundtrips():
    doc = Document(id="abc123", url="http://a.test/", texts=["Hello", None, "World"],
                   images=[None, ImageRef(url="http://a.test/i.jpg", alt="a cat", declared_width=300), None],
                   provenance=PROV, title="T", language="en", language_score=0.9)
    data = doc.to_json()
    schemas.validate("document.v1", data)
    assert Document.from_json(data) == doc


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(id="Has.Dot"), "does not match"),
    (lambda d: d["texts"].append("extra"), "differ in length"),
    (lambda d: d.update(texts=["a", "b"], images=[None, {"url": "u"}]), "exactly one"),
    (lambda d: d.pop("provenance"), "'provenance' is a required property"),
    (lambda d: d["images"].__setitem__(0, {"alt": "no url"}), "images/0"),
])
def test_schema_violations_are_reported(mutate, message):
    data = Document(id="abc", url="u", texts=[None, "t"], images=[ImageRef(url="i"), None], provenance=PROV).to_json()
    mutate(data)
    with pytest.raises(ValueError, match=message):
        schemas.validate("document.v1", data)


def test_document_rejects_unequal_lists():
    with pytest.raises(ValueError, match="parallel"):
        Document(id="a", url="u", texts=["x"], images=[], provenance=PROV)


def test_every_schema_loads():
    for name in schemas.SCHEMA_NAMES:
        assert schemas.validator(name) is not None
    with pytest.raises(KeyError):
        schemas.validator("nope.v9")
