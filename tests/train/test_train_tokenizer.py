"""Tokenizers: bytes by default, a byte-level BPE that round-trips any text, ids of the specials."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mmcorpus.train.tokenizer import PRETOKENIZE, SPECIALS, Tokenizer, train_bpe

CORPUS = ["the cat sat on the mat. the cat sat on the hat_rack!", "Über 300 Katzen; the mat 2024."] * 20


def test_bytes_tokenizer_is_utf8_with_specials_after():
    tok = Tokenizer()
    assert tok.kind == "bytes" and tok.encode("é!") == [0xC3, 0xA9, 0x21] and tok.n_text == 256
    assert [tok.pad, tok.bos, tok.eos, tok.boi, tok.eoi, tok.slot] == list(range(256, 256 + len(SPECIALS)))
    assert tok.vocab_size == 262 and tok.decode([tok.bos, 104, 105, tok.eos]) == "<s>hi</s>"


def test_bpe_learns_frequent_pieces_deterministically(tmp_path):
    tok = train_bpe(CORPUS, vocab_size=300)
    assert tok.kind == "bpe" and 0 < len(tok.merges) <= 300 - 262
    assert tok.merges == train_bpe(CORPUS, vocab_size=300).merges
    assert len(tok.encode(" the cat sat")) < len(b" the cat sat")
    assert tok.vocab_size == 262 + len(tok.merges) and tok.slot == tok.vocab_size - 1
    tok.save(tmp_path / "t.json")
    again = Tokenizer.load(tmp_path / "t.json")
    assert again.merges == tok.merges and again.encode(CORPUS[1]) == tok.encode(CORPUS[1])


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_pretokenizer_covers_every_character_and_bpe_round_trips(text):
    assert "".join(PRETOKENIZE.findall(text)) == text
    tok = _TRAINED
    ids = tok.encode(text)
    assert all(i < tok.n_text for i in ids)
    assert tok.decode(ids) == text.encode("utf-8", "replace").decode("utf-8", "replace")


_TRAINED = train_bpe(CORPUS, vocab_size=320)
