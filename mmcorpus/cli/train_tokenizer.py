"""``mmcorpus train-tokenizer OUT/ -o tokenizer.json``: learn a byte-level BPE from a run's text.

Reads the text of ``text/`` and ``interleaved/`` documents and the ``pairs/`` captions (up to
``--max-chars``), learns merges with :func:`mmcorpus.train.tokenizer.train_bpe` and writes the
JSON that ``mmcorpus train --tokenizer`` (or the config key ``tokenizer``) loads.
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", metavar="OUT", help="a run's output folder (or one set folder, or a .tar)")
    p.add_argument("-o", "--output", required=True, metavar="JSON", help="where to write the tokenizer")
    p.add_argument("--vocab-size", type=int, default=4096, help="vocabulary incl. 256 bytes and specials (4096)")
    p.add_argument("--max-chars", type=int, default=20_000_000, help="stop reading text after this many characters")
    p.add_argument("--min-frequency", type=int, default=2, help="do not merge pairs seen fewer times (2)")


def iter_texts(out: str, max_chars: int):
    """Texts of every set, in shard order, until ``max_chars`` characters have been read."""
    from mmcorpus.shards import layout
    from mmcorpus.shards.reader import iter_dataset, open_dataset

    n = 0
    for set_name, sample in iter_dataset(open_dataset(out)):
        if set_name == "interleaved":
            texts = layout.decode_interleaved(sample)[0].text_blocks
        elif set_name == "pairs":
            texts = [layout.decode_pair(sample)[1]]
        else:
            texts = [layout.decode_text(sample)[0]]
        for t in texts:
            yield t
            n += len(t)
        if n >= max_chars:
            return


def run(args: argparse.Namespace) -> int:
    import time

    from mmcorpus.errors import UserError
    from mmcorpus.train.tokenizer import Tokenizer, train_bpe

    if args.vocab_size < 262:
        raise UserError("--vocab-size must be at least 262 (256 bytes + 6 specials)")
    t0 = time.perf_counter()
    texts = list(iter_texts(args.out, args.max_chars))
    if not texts:
        raise UserError(f"{args.out}: no text to learn from")
    tok = train_bpe(texts, args.vocab_size, args.min_frequency)
    tok.save(args.output)
    chars = sum(len(t) for t in texts)
    n_tokens = sum(len(tok.encode(t)) for t in texts)
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)
    print(f"{len(tok.merges)} merges from {chars:,} characters in {time.perf_counter() - t0:.1f} s; "
          f"{n_bytes / max(1, n_tokens):.2f} bytes per token on that text (bytes: 1.00); written to {args.output}")
    print(f"vocab size {Tokenizer.load(args.output).vocab_size}")
    return 0
