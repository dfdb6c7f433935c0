"""Tokenizers for the reference trainer: raw bytes (the default) or a byte-level BPE trained here.

Nothing may be downloaded from a model hub, so the trainer either reads UTF-8 bytes directly
(vocabulary 256 + specials, no training step, no unknown tokens) or a byte-level BPE (GPT-2's
scheme: Radford et al., 2019, section 2.2) trained on the corpus' own text shards by
``mmcorpus train-tokenizer``. Both are pure Python: no extra dependency (docs/training.md says why
bytes are the default and when BPE pays).

Token ids: 0..255 are bytes, then the learned merges (BPE only), then the specials in
:data:`SPECIALS` order. ``<slot>`` marks the K positions an image's resampled features replace
(KOSMOS-1, Huang et al., 2023, section 2.1: ``<s> ... <image> Image Embedding </image> ... </s>``).
"""

from __future__ import annotations

import heapq
import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

SPECIALS = ("<pad>", "<s>", "</s>", "<image>", "</image>", "<slot>")

# GPT-2's pre-tokenizer (contractions, letter runs, digit runs, punctuation runs, spaces), written
# with the standard library's ``re`` (``_`` counts as punctuation, as in GPT-2): the pieces cover
# the whole text, and merges never cross them.
PRETOKENIZE = re.compile(r"""'(?:[sdmt]|ll|ve|re)| ?[^\W\d_]+| ?\d{1,3}| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+""")


class Tokenizer:
    """Byte-level BPE; with no merges it is the plain byte tokenizer."""

    def __init__(self, merges: Iterable[tuple[int, int]] = ()) -> None:
        self.merges: list[tuple[int, int]] = [tuple(m) for m in merges]
        self.ranks = {pair: i for i, pair in enumerate(self.merges)}
        base = 256 + len(self.merges)
        self.pad, self.bos, self.eos, self.boi, self.eoi, self.slot = range(base, base + len(SPECIALS))
        self.vocab_size = base + len(SPECIALS)
        self.n_text = base  # ids below this are text (bytes or merged bytes)
        self._pieces: dict[int, bytes] = {i: bytes([i]) for i in range(256)}
        for i, (a, b) in enumerate(self.merges):
            self._pieces[256 + i] = self._pieces[a] + self._pieces[b]
        self._cache: dict[str, list[int]] = {}

    @property
    def kind(self) -> str:
        return "bpe" if self.merges else "bytes"

    def encode(self, text: str) -> list[int]:
        data = text.encode("utf-8", "replace")
        if not self.merges:
            return list(data)
        out: list[int] = []
        for piece in PRETOKENIZE.findall(text):
            ids = self._cache.get(piece)
            if ids is None:
                ids = self._merge(list(piece.encode("utf-8", "replace")))
                if len(self._cache) < 200_000:
                    self._cache[piece] = ids
            out.extend(ids)
        return out

    def _merge(self, ids: list[int]) -> list[int]:
        """Apply merges lowest rank first, as they were learned."""
        while len(ids) > 1:
            best, best_rank = None, len(self.merges)
            for pair in zip(ids, ids[1:]):
                r = self.ranks.get(pair)
                if r is not None and r < best_rank:
                    best, best_rank = pair, r
            if best is None:
                break
            ids = _replace(ids, best, 256 + best_rank)
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        names = {self.pad + i: s for i, s in enumerate(SPECIALS)}
        parts: list[bytes] = []
        for i in ids:
            parts.append(self._pieces[i] if i < self.n_text else names[i].encode())
        return b"".join(parts).decode("utf-8", "replace")

    def to_json(self) -> dict:
        return {"kind": self.kind, "specials": list(SPECIALS), "merges": [list(m) for m in self.merges]}

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json()) + "\n")

    @classmethod
    def from_json(cls, d: dict) -> Tokenizer:
        if tuple(d.get("specials", SPECIALS)) != SPECIALS:
            raise ValueError(f"tokenizer specials {d.get('specials')} differ from {list(SPECIALS)}")
        return cls([tuple(m) for m in d.get("merges", [])])

    @classmethod
    def load(cls, path: str | Path | None) -> Tokenizer:
        """The tokenizer saved at ``path``; the byte tokenizer when ``path`` is None."""
        if path is None:
            return cls()
        return cls.from_json(json.loads(Path(path).read_text()))


def _replace(ids: list[int], pair: tuple[int, int], new: int) -> list[int]:
    out, i, n = [], 0, len(ids)
    while i < n:
        if i < n - 1 and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def train_bpe(texts: Iterable[str], vocab_size: int, min_frequency: int = 2) -> Tokenizer:
    """Learn ``vocab_size - 256 - len(SPECIALS)`` merges from ``texts`` (GPT-2 byte-level BPE).

    Pieces are counted once per distinct pre-token (weighted by frequency); each merge updates only
    the words that hold the merged pair (an index pair -> words) and the best pair comes from a lazy
    heap. Ties break on the smaller pair, so training is deterministic.
    """
    n_merges = vocab_size - 256 - len(SPECIALS)
    if n_merges < 0:
        raise ValueError(f"vocab_size must be at least {256 + len(SPECIALS)}")
    freq: Counter[str] = Counter()
    for t in texts:
        freq.update(PRETOKENIZE.findall(t))
    words = [list(w.encode("utf-8", "replace")) for w in freq]
    counts = list(freq.values())
    pair_count: Counter[tuple[int, int]] = Counter()
    where: dict[tuple[int, int], set[int]] = {}
    for wi, w in enumerate(words):
        for pair in zip(w, w[1:]):
            pair_count[pair] += counts[wi]
            where.setdefault(pair, set()).add(wi)
    heap = [(-c, pair) for pair, c in pair_count.items()]  # lazy max-heap: stale entries are skipped
    heapq.heapify(heap)
    merges: list[tuple[int, int]] = []
    while len(merges) < n_merges and heap:
        neg, best = heapq.heappop(heap)
        if pair_count.get(best) != -neg:
            continue
        if -neg < min_frequency:
            break
        new = 256 + len(merges)
        merges.append(best)
        changed: set[tuple[int, int]] = set()
        for wi in sorted(where.pop(best, ())):
            w, c = words[wi], counts[wi]
            for pair in zip(w, w[1:]):
                pair_count[pair] -= c
                changed.add(pair)
            w = words[wi] = _replace(w, best, new)
            for pair in zip(w, w[1:]):
                pair_count[pair] += c
                where.setdefault(pair, set()).add(wi)
                changed.add(pair)
        pair_count.pop(best, None)
        for pair in changed - {best}:
            if pair_count[pair] > 0:
                heapq.heappush(heap, (-pair_count[pair], pair))
            else:
                del pair_count[pair]
    return Tokenizer(merges)
