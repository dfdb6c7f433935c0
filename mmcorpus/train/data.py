"""The trainer's data: three webdataset streams, turned into token rows, mixed by token budget.

Per set (``text/``, ``pairs/``, ``interleaved/``) one webdataset pipeline in open_clip's order
(``open_clip/src/training/data.py``, ``get_wds_dataset``): shard shuffle — resampled with
replacement, as open_clip does for mixing, so a set never runs dry and a worker never gets no
shard — then, for the non-resampled variant, split by node and by worker; tar members to samples;
sample shuffle buffer; decode. Samples are read from raw ``wds`` members (bytes) through
:mod:`mmcorpus.shards.layout`, the one home of the shard format.

Sequences follow KOSMOS-1 (Huang et al., 2023, section 2.1 and 3.1)::

    text         <s> text </s>
    interleaved  <s> paragraph <image> [K slots] </image> paragraph </s>
    pairs        <s> <image> [K slots] </image> caption </s>

Packing is RoBERTa's FULL-SENTENCES (Liu et al., 2019, section 4.2): rows are filled with whole
sentences read contiguously from one or more documents of one set; a row ends where the next
sentence (or image block, or pair) does not fit, and the rest is padding. Only a sentence longer
than a whole row is cut. The loss is on text targets only: image slots, ``<image>``/``</image>``,
``<s>`` and padding are masked (``-1``), ``</s>`` is kept.

Mixing is by token budget: every row of a batch goes to the set furthest behind its share of the
real (non-padding) tokens served so far, so a batch holds the configured shares up to one row per
set and the running totals stay within one row of them. The default is KOSMOS-1's 0.5M text :
0.5M image-caption : 0.2M interleaved tokens per batch (section 3.1), 5 : 5 : 2. Each DataLoader
worker yields whole batches, so the main process only waits; images are decoded last, in the
worker, and not at all for batches skipped on resume.
"""

from __future__ import annotations

import io
import json
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
import webdataset as wds
from PIL import Image

from mmcorpus.shards import layout
from mmcorpus.train.tokenizer import Tokenizer

SOURCES = ("text", "pairs", "interleaved")  # order of per-source outputs (loss, tokens, ids)
DEFAULT_MIX = {"text": 5.0, "pairs": 5.0, "interleaved": 2.0}  # KOSMOS-1 section 3.1
IMAGE_SIZE = 224
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")

# -- samples -> units --------------------------------------------------------------------------


def sentences(text: str) -> list[str]:
    """Sentences of a text, each with its trailing whitespace, so that joining them gives the text.

    Paragraph breaks stay on the sentence before them; a paragraph is at least one sentence.
    """
    out, last = [], 0
    for m in _SENTENCE_END.finditer(text):
        out.append(text[last:m.end()])
        last = m.end()
    if last < len(text):
        out.append(text[last:])
    return [s for s in out if s]


def image_ok(jpeg: bytes) -> bool:
    """Cheap check of the image header (format, size) before an image gets slots in a row."""
    try:
        with Image.open(io.BytesIO(jpeg)) as im:
            return im.width > 0 and im.height > 0
    except Exception:  # noqa: BLE001 - any unreadable header is a counted drop
        return False


def load_image(jpeg: bytes, size: int = IMAGE_SIZE) -> np.ndarray:
    """JPEG bytes -> uint8 array [3, size, size]: shorter side resized to ``size``, centre crop (CLIP).

    ``draft`` lets libjpeg decode at 1/2, 1/4 or 1/8 scale when the image is large, which is most
    of the decode time saved before the resize.
    """
    with Image.open(io.BytesIO(jpeg)) as im:
        im.draft("RGB", (size, size))
        im = im.convert("RGB")
        w, h = im.size
        s = size / min(w, h)
        nw, nh = max(size, round(w * s)), max(size, round(h * s))
        im = im.resize((nw, nh), Image.BICUBIC)
        left, top = (nw - size) // 2, (nh - size) // 2
        im = im.crop((left, top, left + size, top + size))
        return np.asarray(im, dtype=np.uint8).transpose(2, 0, 1).copy()


@dataclass
class Unit:
    """A piece packing never splits: a sentence, or an image block (with its JPEG), or a whole pair."""

    tokens: list[int]
    jpeg: bytes | None = None


def _image_block(tok: Tokenizer, n_slots: int) -> list[int]:
    return [tok.boi] + [tok.slot] * n_slots + [tok.eoi]


def _text_units(tok: Tokenizer, text: str) -> list[Unit]:
    return [Unit(tok.encode(s)) for s in sentences(text)]


def example_units(source: str, sample: dict, tok: Tokenizer, n_slots: int, max_len: int,
                  count) -> list[Unit] | None:
    """The units of one sample, ``<s>`` on the first and ``</s>`` on the last, or None (counted)."""
    try:
        if source == "text":
            units = _text_units(tok, layout.decode_text(sample)[0])
        elif source == "pairs":
            jpeg, caption, _ = layout.decode_pair(sample)
            if not image_ok(jpeg):
                count("train/dropped:bad_image")
                return None
            cap = tok.encode(caption.strip())
            room = max_len - (n_slots + 4)
            if len(cap) > room:
                count("train/truncated:caption")
                cap = cap[:room]
            units = [Unit(_image_block(tok, n_slots) + cap, jpeg)]
        else:
            doc, jpegs = layout.decode_interleaved(sample)
            units = []
            for i, (text, jpeg) in enumerate(zip(doc.texts, jpegs)):
                if text is not None:  # paragraphs that follow each other are separated by a blank line
                    after = doc.texts[i + 1] if i + 1 < len(doc.texts) else None
                    units += _text_units(tok, text + ("\n\n" if after is not None else ""))
                elif jpeg is not None and image_ok(jpeg):
                    units.append(Unit(_image_block(tok, n_slots), jpeg))
                else:
                    count("train/dropped:bad_image")
    except (KeyError, ValueError, TypeError, UnicodeDecodeError):  # json and npy errors are ValueErrors
        count(f"train/dropped:bad_{source}_sample")
        return None
    units = [u for u in units if u.tokens]
    if not units:
        count(f"train/dropped:empty_{source}")
        return None
    units[0].tokens.insert(0, tok.bos)
    units[-1].tokens.append(tok.eos)
    return units


# -- packing -----------------------------------------------------------------------------------


@dataclass
class Row:
    tokens: list[int] = field(default_factory=list)
    jpegs: list[bytes] = field(default_factory=list)
    n_examples: int = 0  # examples that start in this row


def pack_rows(examples: Iterator[list[Unit]], row_len: int) -> Iterator[Row]:
    """Full-sentence packing of examples' units into rows of at most ``row_len`` tokens (unpadded)."""
    row = Row()
    for units in examples:
        first = True
        for unit in units:
            n = len(unit.tokens)
            pieces = [unit] if n <= row_len else [Unit(unit.tokens[i:i + row_len]) for i in range(0, n, row_len)]
            for piece in pieces:
                if len(row.tokens) + len(piece.tokens) > row_len and row.tokens:
                    yield row
                    row = Row()
                row.tokens += piece.tokens
                if piece.jpeg is not None:
                    row.jpegs.append(piece.jpeg)
                row.n_examples += first
                first = False


def targets_for(tokens: np.ndarray, tok: Tokenizer) -> np.ndarray:
    """Next-token targets with everything but text and ``</s>`` masked to -1 (the loss mask)."""
    targets = tokens[..., 1:].copy()
    targets[(targets >= tok.n_text) & (targets != tok.eos)] = -1
    return targets


# -- streams and mixing ------------------------------------------------------------------------


def _seed(*parts) -> int:
    return zlib.crc32(json.dumps(parts).encode())


def sample_stream(urls: list[str], seed: int, shuffle_buffer: int, resampled: bool = True,
                  handler=wds.reraise_exception) -> Iterator[dict]:
    """Raw samples of one set, endlessly, in open_clip's stage order (see the module docstring)."""
    if resampled:
        yield from wds.DataPipeline(
            wds.ResampledShards(urls, seed=seed, worker_seed=lambda: 0, deterministic=True, empty_check=False),
            wds.tarfile_to_samples(handler=handler),
            wds.shuffle(shuffle_buffer, initial=min(100, shuffle_buffer), seed=seed),
        )
        return
    epoch = 0
    while True:
        n = 0
        for sample in wds.DataPipeline(
            wds.SimpleShardList(urls, seed=_seed(seed, epoch)),
            wds.split_by_node, wds.split_by_worker,
            wds.tarfile_to_samples(handler=handler),
            wds.shuffle(shuffle_buffer, initial=min(100, shuffle_buffer), seed=_seed(seed, epoch)),
        ):
            n += 1
            yield sample
        if n == 0:
            raise RuntimeError("a worker got no shard (fewer shards than nodes x workers): use resampled shards")
        epoch += 1


class MixedBatches(torch.utils.data.IterableDataset):
    """Endless batches ``{tokens, targets, images, source, tokens_per_source, examples_per_source, counts}``.

    ``shards`` maps set name to shard URLs (sets with none are left out and the mix renormalised).
    With several DataLoader workers each worker builds whole batches from its own streams (seeded
    by seed, rank and worker); the loader returns them round-robin, so the batch order is a function
    of (seed, num_workers). ``skip_batches`` replays that many batches without decoding their
    images (resume), and gives the same batches after them as an uninterrupted run.
    """

    def __init__(self, shards: dict[str, list[str]], tok: Tokenizer, *, seq_len: int, batch_size: int,
                 n_slots: int, mix: dict[str, float] | None = None, seed: int = 0, shuffle_buffer: int = 500,
                 resampled: bool = True, skip_batches: int = 0, image_size: int = IMAGE_SIZE) -> None:
        super().__init__()
        mix = dict(DEFAULT_MIX if mix is None else mix)
        unknown = set(mix) - set(SOURCES)
        if unknown:
            raise ValueError(f"unknown sets in mix: {sorted(unknown)} (sets are {', '.join(SOURCES)})")
        active = [s for s in SOURCES if shards.get(s) and mix.get(s, 0) > 0]
        if not active:
            raise ValueError("no shards in any set with a positive mix weight")
        if n_slots + 4 > seq_len + 1:
            raise ValueError(f"seq_len {seq_len} cannot hold one image block of {n_slots} slots")
        total = sum(mix[s] for s in active)
        self.share = {s: mix[s] / total for s in active}
        self.shards, self.tok = {s: list(shards[s]) for s in active}, tok
        self.seq_len, self.batch_size, self.n_slots = seq_len, batch_size, n_slots
        self.seed, self.shuffle_buffer, self.resampled = seed, shuffle_buffer, resampled
        self.skip_batches, self.image_size = skip_batches, image_size

    def _examples(self, source: str, worker_seed: int, counts: Counter) -> Iterator[list[Unit]]:
        def count(name: str, n: int = 1) -> None:
            counts[name] += n

        def on_error(exn: Exception) -> bool:
            count("train/error:bad_tar")
            return True

        stream = sample_stream(self.shards[source], _seed(worker_seed, source), self.shuffle_buffer,
                               self.resampled, on_error)
        for sample in stream:
            units = example_units(source, sample, self.tok, self.n_slots, self.seq_len + 1, count)
            if units is not None:
                yield units

    def __iter__(self) -> Iterator[dict]:
        info = torch.utils.data.get_worker_info()
        worker, n_workers = (info.id, info.num_workers) if info else (0, 1)
        rank = torch.distributed.get_rank() if torch.distributed.is_initialized() else 0
        # The loader takes batches round-robin from worker 0. After skipping S batches, worker w plays
        # the part worker (w + S) % n had in the uninterrupted run, so batch S + i is the same batch.
        role = (worker + self.skip_batches) % n_workers
        worker_seed = _seed(self.seed, rank, role)
        counts: Counter = Counter()
        rows = {s: pack_rows(self._examples(s, worker_seed, counts), self.seq_len + 1) for s in self.share}
        paid = dict.fromkeys(self.share, 0)  # real tokens each set has had so far
        index = role
        while True:
            picked: list[tuple[str, Row]] = []
            for _ in range(self.batch_size):
                s = min(paid, key=lambda k: (paid[k] / self.share[k], SOURCES.index(k)))
                row = next(rows[s])
                paid[s] += min(len(row.tokens), self.seq_len)
                picked.append((s, row))
            if index >= self.skip_batches:
                yield self.collate(picked, counts)
                counts = Counter()
            index += n_workers

    def collate(self, picked: list[tuple[str, Row]], counts: Counter) -> dict:
        tok, width = self.tok, self.seq_len + 1
        tokens = np.full((len(picked), width), tok.pad, dtype=np.int64)
        for i, (_, row) in enumerate(picked):
            tokens[i, :len(row.tokens)] = row.tokens
        images = []
        for _, row in picked:
            for jpeg in row.jpegs:
                try:
                    images.append(load_image(jpeg, self.image_size))
                except Exception:  # noqa: BLE001 - header was fine, data was not: keep slots, count it
                    counts["train/error:image_decode"] += 1
                    images.append(np.zeros((3, self.image_size, self.image_size), np.uint8))
        inputs = tokens[:, :-1]
        per_source_tokens = [sum(min(len(r.tokens), self.seq_len) for s, r in picked if s == src) for src in SOURCES]
        return {
            "tokens": torch.from_numpy(inputs.copy()),
            "targets": torch.from_numpy(targets_for(tokens, tok)),
            "images": torch.from_numpy(np.stack(images)) if images else torch.zeros(
                (0, 3, self.image_size, self.image_size), dtype=torch.uint8),
            "source": torch.tensor([SOURCES.index(s) for s, _ in picked]),
            "tokens_per_source": torch.tensor(per_source_tokens),
            "examples_per_source": torch.tensor([sum(r.n_examples for s, r in picked if s == src)
                                                 for src in SOURCES]),
            "counts": dict(counts),
        }


def make_loader(dataset: MixedBatches, num_workers: int) -> torch.utils.data.DataLoader:
    """A DataLoader over whole batches (``batch_size=None``); workers are seeded by the dataset."""
    return torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=num_workers,
                                       prefetch_factor=4 if num_workers else None,
                                       persistent_workers=False, pin_memory=torch.cuda.is_available())


def set_shards(out_dir: str) -> dict[str, list[str]]:
    """Shard URLs per set of a run's output folder (or of one set folder)."""
    from mmcorpus.shards.reader import open_dataset

    ds = open_dataset(out_dir)
    return {s: list(ds.sets.get(s, [])) for s in SOURCES}
