"""Small shard sets for the trainer's tests, written with the shard layout's own encoders.

The trainer's unit tests must not depend on the whole pipeline: these shards are written in
well under a second, with as many shards per set as a test needs. The real pipeline output is
covered by the end-to-end test on ../shared/data.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import webdataset as wds
from PIL import Image

from mmcorpus.data import Document, ImageRef, Provenance
from mmcorpus.shards.layout import encode_interleaved, encode_pair, encode_text, shard_name

COLOURS = {"red": (220, 30, 30), "green": (30, 200, 40), "blue": (30, 40, 220), "yellow": (230, 220, 30)}
WORDS = ["the", "a", "cat", "dog", "bird", "sat", "ran", "on", "under", "near", "mat", "tree", "house", "small",
         "big", "quiet", "loud", "old", "new"]


def jpeg(rgb, size=(96, 72), seed=0) -> bytes:
    im = Image.new("RGB", size, rgb)
    rnd = random.Random(seed)
    for _ in range(40):
        x, y = rnd.randrange(size[0]), rnd.randrange(size[1])
        im.putpixel((x, y), (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def sentence(rnd: random.Random) -> str:
    return " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(4, 9))).capitalize() + "."


def paragraph(rnd: random.Random) -> str:
    return " ".join(sentence(rnd) for _ in range(rnd.randint(2, 5)))


def write_shards(root: Path, n_shards: int = 1, per_shard: int = 6, seed: int = 0) -> Path:
    """root/{text,pairs,interleaved}/<set>-00000N.tar with ``per_shard`` samples each."""
    rnd = random.Random(seed)
    for set_name in ("text", "pairs", "interleaved"):
        (root / set_name).mkdir(parents=True, exist_ok=True)
        for s in range(n_shards):
            with wds.TarWriter(str(root / set_name / shard_name(set_name, s)), mtime=0) as w:
                for i in range(per_shard):
                    key = f"{set_name[0]}{s}x{i}"
                    prov = Provenance("t.warc.gz", i, 1, f"<urn:{key}>", None)
                    name, rgb = rnd.choice(sorted(COLOURS.items()))
                    if set_name == "text":
                        doc = Document(key, f"http://t.test/{key}", [paragraph(rnd), paragraph(rnd)], [None, None],
                                       prov)
                        w.write(encode_text(doc)[0])
                    elif set_name == "pairs":
                        ref = ImageRef(f"http://t.test/{key}.jpg", alt=f"a {name} square", width=96, height=72)
                        doc = Document(key, f"http://t.test/{key}", [None], [ref], prov)
                        w.write(encode_pair(doc, ref, jpeg(rgb, seed=i), f"a {name} square", "alt")[0])
                    else:
                        ref = ImageRef(f"http://t.test/{key}.jpg", image_key="img0", width=96, height=72)
                        doc = Document(key, f"http://t.test/{key}", [paragraph(rnd), None, f"It is {name}."],
                                       [None, ref, None], prov)
                        w.write(encode_interleaved(doc, {"img0": jpeg(rgb, seed=i)})[0])
    return root
