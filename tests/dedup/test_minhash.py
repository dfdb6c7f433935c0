"""MinHash signatures, band keys, the S-curve and the kept-copy order (mmcorpus.dedup.minhash)."""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np
import pytest
from conftest import word

from mmcorpus.dedup import minhash as mh


def words_of(seed: int, n: int, vocab: int = 3000) -> list[str]:
    rng = random.Random(seed)
    return [word(rng.randrange(vocab)) for _ in range(n)]


def test_normalise_folds_case_diacritics_digits_punctuation_and_whitespace():
    assert mh.normalise("Héllo,  WORLD!\n It's 2024-05-01; naïve CAFÉ_x\t") == "hello world it s 0 0 0 naive cafe x"
    assert mh.normalise("Ünïcödé — ΆΈΉ") == "unicode αεη"
    assert mh.words("") == []


def test_a_copy_that_differs_only_in_layout_has_the_same_signature():
    text = "The quick brown fox jumps over the lazy dog near the river bank in 2021."
    copy = "THE quick  brown fox, jumps over the lazy dog -- near the river bank in 1999!"
    h = mh.MinHasher()
    assert np.array_equal(h.signature(text), h.signature(copy))


def test_shingles_are_an_ordered_set_and_short_texts_make_one_shingle():
    a = mh.shingle_hashes(["a", "b", "c", "d", "e", "f"], 5)
    assert len(a) == 2 and a.dtype == np.uint64
    abcde = ["a", "b", "c", "d", "e"]
    assert len(mh.shingle_hashes(abcde + abcde, 5)) == 5  # (a b c d e) twice: one shingle
    assert len(mh.shingle_hashes(["a", "b"], 5)) == 1
    assert not np.array_equal(mh.shingle_hashes(abcde), mh.shingle_hashes(abcde[::-1]))
    assert len(mh.shingle_hashes([], 5)) == 0
    assert mh.MinHasher().signature("  ,,, ") is None


def test_estimated_jaccard_tracks_the_true_jaccard():
    h = mh.MinHasher()
    errors = []
    for seed in range(60):
        a = words_of(seed, 400)
        rng = random.Random(1000 + seed)
        cut = rng.randrange(50, 400)
        b = a[:cut] + words_of(5000 + seed, rng.randrange(0, 150))
        true = mh.jaccard(mh.shingle_hashes(a), mh.shingle_hashes(b))
        sig_a, sig_b = h.signature_of_words(a), h.signature_of_words(b)
        est = mh.estimated_jaccard(sig_a, sig_b)
        errors.append(est - true)
        # the 16-bit sketch agrees with the full signature up to rare low-bit collisions
        assert abs(mh.sketch_similarity(mh.sketch(sig_a), mh.sketch(sig_b)) - est) <= 2 / 112
    errors = np.array(errors)
    assert abs(errors.mean()) < 0.02  # unbiased
    assert errors.std() < 0.06  # binomial: sqrt(J(1-J)/112) <= 0.047


def test_long_documents_are_hashed_in_blocks_with_the_same_result():
    shingles = mh.shingle_hashes(words_of(7, 30_000, vocab=50_000))
    seeds = mh._seeds(112)
    whole = mh._mix(shingles[:, None] ^ seeds[None, :]).min(axis=0)
    assert len(shingles) * 112 > mh._CHUNK_ELEMENTS  # more than one block
    assert np.array_equal(mh.signature(shingles, seeds), whole)


def test_signatures_are_the_same_in_another_process():
    code = ("from mmcorpus.dedup import minhash as mh; text = 'Über 5 kleine Äpfel fielen vom Baum, sagte sie';"
            "print(mh.signature_to_bytes(mh.MinHasher().signature(text)).hex())")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": str(seed), "PATH": ""}).stdout for seed in (1, 2)}
    here = mh.signature_to_bytes(mh.MinHasher().signature("Über 5 kleine Äpfel fielen vom Baum, sagte sie")).hex()
    assert outs == {here + "\n"}


def test_band_keys_agree_exactly_on_the_bands_that_agree():
    h = mh.MinHasher(bands=14, rows=8)
    sig = h.signature_of_words(words_of(1, 300))
    other = sig.copy()
    other[8 * 3 + 2] ^= np.uint64(1)  # one value of band 3 changed
    a, b = h.band_keys(sig), h.band_keys(other)
    assert len(a) == 14 and len(set(a)) == 14
    assert [i for i in range(14) if a[i] != b[i]] == [3]
    assert all(k[0] == i for i, k in enumerate(a))  # the band index is part of the key
    assert np.array_equal(mh.signature_from_bytes(mh.signature_to_bytes(sig)), sig)


def test_s_curve_for_fineweb_bands():
    assert mh.lsh_threshold(14, 8) == pytest.approx(0.719, abs=1e-3)
    curve = mh.s_curve(14, 8)
    probs = [p for _, p in curve]
    assert probs == sorted(probs)
    assert mh.candidate_probability(0.5, 14, 8) < 0.06 and mh.candidate_probability(0.9, 14, 8) > 0.999
    assert mh.candidate_probability(1.0, 14, 8) == 1.0 and mh.candidate_probability(0.0, 14, 8) == 0.0


def test_candidate_rate_matches_the_s_curve():
    """Pairs near Jaccard 0.7 share a band about as often as 1-(1-s^8)^14 says."""
    h = mh.MinHasher()
    hits, sims = 0, []
    for seed in range(150):
        a = words_of(seed, 300, vocab=100_000)
        b = a[:255] + words_of(9000 + seed, 45, vocab=100_000)
        sims.append(mh.jaccard(mh.shingle_hashes(a), mh.shingle_hashes(b)))
        hits += bool(set(h.band_keys(h.signature_of_words(a))) & set(h.band_keys(h.signature_of_words(b))))
    expected = np.mean([mh.candidate_probability(s, 14, 8) for s in sims])
    assert abs(hits / 150 - expected) < 0.15


def test_node_keys_order_earlier_runs_then_most_words_then_smallest_id():
    keys = [mh.node_key("b", 100), mh.node_key("a", 100), mh.node_key("z", 500), mh.node_key("y", 10, history=True)]
    assert [mh.parse_node_key(k)[0] for k in sorted(keys)] == ["y", "z", "a", "b"]
    assert mh.parse_node_key(mh.node_key("id:with:colons", 42, history=True)) == ("id:with:colons", 42, True)
