"""MinHash signatures and LSH band keys: which documents are near-duplicate candidates.

The recipe is FineWeb's (Penedo et al., 2024, "The FineWeb Datasets", section 3.4, and datatrove's
``MinhashDedupSignature``): the text is normalised (case folded, diacritics removed, digits
replaced by ``0``, punctuation turned into spaces, whitespace collapsed), cut into word 5-gram
shingles, each shingle hashed to 64 bits, and 112 independent 64-bit hash functions keep their
minimum over the shingle set. The signature is split into 14 bands of 8 rows; two documents become
candidates when all 8 values of at least one band agree (Broder, 1997; Leskovec, Rajaraman and
Ullman, "Mining of Massive Datasets", chapter 3.4). A pair with Jaccard similarity ``s`` is a
candidate with probability ``1 - (1 - s**r)**b`` (:func:`candidate_probability`): the S-curve, whose
steep part for 14 x 8 sits at ``(1/14)**(1/8) ~ 0.72``.

Implementation (measured against datasketch and rensa in docs/dependencies.md): words are hashed
once each with BLAKE2b (deterministic across processes, unlike ``hash()``), shingles are rolled
from the word hashes with uint64 arithmetic in numpy, and the 112 hash functions are
``splitmix64(x ^ seed_i)`` (Steele et al., 2014, the finaliser of SplitMix64), applied to the whole
shingles x seeds matrix at once. Everything is a pure function of the text: every runner, retry and
rerun computes the same signature, which is what lets a later crawl be deduplicated against
signatures stored by an earlier run.

For the pair check after bucketing, only the low 16 bits of each value travel (``sketch``): b-bit
minwise hashing (Li and König, 2010) estimates the Jaccard ``J`` from the fraction of equal
16-bit values, which is ``J + (1 - J) / 2**16`` in expectation, a bias under 2e-5, at a quarter of
the bytes the 64-bit signature would cost in the shuffle.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

# Bump when normalisation, shingling or hashing changes: stored signatures from another version
# cannot be compared (``--dedupe-against`` refuses them with a message).
SIGNATURE_VERSION = 1
_SEED = 0x6D6D636F72707573  # "mmcorpus": the seed of the 64-bit hash family

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_CHUNK_ELEMENTS = 1 << 20  # shingles x hashes per numpy block: bounds memory on 100k-word pages

_DIGITS = re.compile(r"\d+")
_NOT_WORD = re.compile(r"[^\w\s]|_")
_MARKS: dict[int, None] | None = None


def _marks() -> dict[int, None]:
    """A ``str.translate`` table deleting every nonspacing mark (Unicode category Mn), built once per process."""
    global _MARKS
    if _MARKS is None:
        _MARKS = dict.fromkeys(c for c in range(0x110000) if unicodedata.category(chr(c)) == "Mn")
    return _MARKS


def normalise(text: str) -> str:
    """FineWeb-style text normalisation before shingling (datatrove ``simplify_text``).

    Case folded, diacritics removed (NFD, nonspacing marks dropped), digit runs -> ``0``, every
    character that is neither a letter, a digit nor whitespace -> a space, whitespace collapsed.
    So a copy that only differs in punctuation, dates, accents or layout has the same words.
    """
    text = text.casefold()
    if not text.isascii():
        decomposed = unicodedata.normalize("NFD", text)
        # Skipped when NFD changes nothing and the text is NFC (curly quotes, most non-Latin text): then a
        # precomposed and a decomposed copy cannot differ, and the per-character table lookup is the cost.
        if decomposed != text or not unicodedata.is_normalized("NFC", text):
            text = decomposed.translate(_marks())
    text = _DIGITS.sub("0", text)
    text = _NOT_WORD.sub(" ", text)
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """The normalised words of ``text`` (what shingles are made of)."""
    return normalise(text).split()


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser on a uint64 array (wrapping arithmetic)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def _mix_inplace(z: np.ndarray) -> np.ndarray:
    """:func:`_mix` overwriting ``z``: one temporary instead of six on the signature's hot path."""
    t = z >> _S30
    z ^= t
    z *= _M1
    np.right_shift(z, _S27, out=t)
    z ^= t
    z *= _M2
    np.right_shift(z, _S31, out=t)
    z ^= t
    return z


_WORD_HASHES: dict[str, int] = {}
_WORD_CACHE_SIZE = 500_000  # words are Zipf-distributed: a per-process memo skips most BLAKE2b calls


def _word_hash(w: str) -> int:
    h = _WORD_HASHES.get(w)
    if h is None:
        if len(_WORD_HASHES) >= _WORD_CACHE_SIZE:
            _WORD_HASHES.clear()
        h = _WORD_HASHES[w] = int.from_bytes(
            hashlib.blake2b(w.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")
    return h


def shingle_hashes(word_list: list[str], n: int = 5) -> np.ndarray:
    """Unique 64-bit hashes of the word ``n``-grams; fewer than ``n`` words make one shingle.

    Order matters inside a shingle (``a b c`` != ``c b a``); the result is a set (sorted, unique).
    """
    if not word_list:
        return np.empty(0, dtype=np.uint64)
    vocab: dict[str, int] = {}
    ids = [vocab.setdefault(w, len(vocab)) for w in word_list]
    table = np.fromiter((_word_hash(w) for w in vocab), dtype=np.uint64, count=len(vocab))
    wh = table[np.asarray(ids, dtype=np.int64)]
    k = min(n, len(wh))
    m = len(wh) - k + 1
    h = np.zeros(m, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = _mix(h * _GOLDEN + wh[j:j + m])
    return np.unique(h)


@dataclass(frozen=True)
class MinHasher:
    """The hash family: ``bands * rows`` functions and the shingle size (FineWeb: 14 x 8, 5)."""

    bands: int = 14
    rows: int = 8
    shingle_size: int = 5

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows

    @property
    def seeds(self) -> np.ndarray:
        return _seeds(self.num_perm)

    def signature_of_words(self, word_list: list[str]) -> np.ndarray | None:
        """The MinHash signature (uint64[num_perm]) of a word list, or None without any shingle."""
        return signature(shingle_hashes(word_list, self.shingle_size), self.seeds)

    def signature(self, text: str) -> np.ndarray | None:
        return self.signature_of_words(words(text))

    def band_keys(self, sig: np.ndarray) -> list[bytes]:
        return band_keys(sig, self.bands, self.rows)


_SEED_CACHE: dict[int, np.ndarray] = {}


def _seeds(num_perm: int) -> np.ndarray:
    seeds = _SEED_CACHE.get(num_perm)
    if seeds is None:
        with np.errstate(over="ignore"):
            seeds = _mix(np.uint64(_SEED) + _GOLDEN * np.arange(1, num_perm + 1, dtype=np.uint64))
        seeds.setflags(write=False)
        seeds = _SEED_CACHE[num_perm] = seeds
    return seeds


def signature(shingles: np.ndarray, seeds: np.ndarray) -> np.ndarray | None:
    """``min over x in shingles of splitmix64(x ^ seed_i)`` for every seed; None for no shingles."""
    if len(shingles) == 0:
        return None
    out = np.full(len(seeds), np.iinfo(np.uint64).max, dtype=np.uint64)
    step = max(1, _CHUNK_ELEMENTS // len(seeds))
    with np.errstate(over="ignore"):
        for i in range(0, len(shingles), step):
            # seeds x shingles, so each minimum runs along contiguous memory (3.7x faster than the transpose)
            block = _mix_inplace(seeds[:, None] ^ shingles[None, i:i + step])
            np.minimum(out, block.min(axis=1), out=out)
    return out


def band_keys(sig: np.ndarray, bands: int, rows: int) -> list[bytes]:
    """One key per band: the band's index (1 byte) and a 64-bit hash of its ``rows`` values.

    Two signatures share a key exactly when a band agrees in every row (up to 2**-64 collisions).
    """
    values = np.ascontiguousarray(sig[: bands * rows], dtype="<u8").reshape(bands, rows)
    return [bytes([b]) + hashlib.blake2b(values[b].tobytes(), digest_size=8).digest() for b in range(bands)]


def sketch(sig: np.ndarray) -> bytes:
    """The low 16 bits of each value (b-bit minwise hashing): what the pair check compares."""
    return (sig & np.uint64(0xFFFF)).astype("<u2").tobytes()


def sketch_similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two sketches: the fraction of equal 16-bit values."""
    x, y = np.frombuffer(a, dtype="<u2"), np.frombuffer(b, dtype="<u2")
    return float(np.count_nonzero(x == y)) / len(x) if len(x) else 0.0


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two full signatures: the fraction of equal values."""
    return float(np.count_nonzero(a == b)) / len(a)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two shingle-hash sets (for tests and the quality benchmark)."""
    if len(a) == 0 and len(b) == 0:
        return 1.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def signature_to_bytes(sig: np.ndarray) -> bytes:
    return np.ascontiguousarray(sig, dtype="<u8").tobytes()


def signature_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u8").astype(np.uint64)


# --- the S-curve ------------------------------------------------------------------------------

def candidate_probability(s: float, bands: int, rows: int) -> float:
    """Probability that a pair with Jaccard ``s`` shares at least one band: ``1 - (1 - s**r)**b``."""
    return 1.0 - (1.0 - s**rows) ** bands


def lsh_threshold(bands: int, rows: int) -> float:
    """Where the S-curve is steepest, approximately: ``(1/b)**(1/r)`` (0.719 for 14 x 8)."""
    return (1.0 / bands) ** (1.0 / rows)


def s_curve(bands: int, rows: int, points: tuple[float, ...] = (0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
            ) -> list[tuple[float, float]]:
    return [(s, candidate_probability(s, bands, rows)) for s in points]


# --- which copy is kept -----------------------------------------------------------------------

_MAX_WORDS = 10**9 - 1


def node_key(doc_id: str, n_words: int, history: bool = False) -> str:
    """The sortable key of a document in the candidate graph; the smallest key of a cluster is kept.

    Order: documents of an earlier run (``--dedupe-against``) first, since they are already in a
    published corpus; then the most complete text (most normalised words); then the smallest id.
    A fixed-width string, so every runner sorts it the same way.
    """
    return f"{0 if history else 1}{_MAX_WORDS - min(max(n_words, 0), _MAX_WORDS):09d}:{doc_id}"


def parse_node_key(key: str) -> tuple[str, int, bool]:
    """(document id, words, from an earlier run) of a :func:`node_key`."""
    head, doc_id = key.split(":", 1)
    return doc_id, _MAX_WORDS - int(head[1:]), head[0] == "0"
