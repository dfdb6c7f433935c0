"""Memory per image is bounded (issue 14): refused by decoded size before decoding, JPEGs decoded
at reduced size, no whole-image float64 copy, corrupt PNGs dropped rather than half-accepted.

Each amplifier is processed in a fresh subprocess that reports its own peak RSS (``VmHWM``: unlike
``ru_maxrss`` it does not inherit the parent's high-water mark across fork and exec); the bound
checked is 400 MB (measured here: ~110-200 MB; before the fix a 16-bit PNG of 9400x9400 px took
2.5 GB and an 80 Mpx JPEG 1 GB).
"""

import io
import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import shared
from PIL import Image

from mmcorpus.config import ImageConfig
from mmcorpus.images.process import _to_uint8, decoded_bytes, process_image

CHILD = r"""
import json, sys
from mmcorpus.config import ImageConfig
from mmcorpus.images.process import process_image
data = open(sys.argv[1], "rb").read()
img, reason = process_image(data, ImageConfig())
print(json.dumps({"reason": reason, "size": img and [img.width, img.height],
                  "orig": img and [img.original_width, img.original_height],
                  "rss_mb": int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024}))
"""


def _in_child(path) -> dict:
    p = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def _png(path, mode, size, **kw):
    im = Image.new(mode, size)
    im.save(path, format="PNG", compress_level=1, **kw)
    return path


def test_16bit_png_bomb_refused_before_decoding(tmp_path):
    path = _png(tmp_path / "i16.png", "I;16", (9400, 9400))
    got = _in_child(path)
    assert got["reason"] == "too_many_decoded_bytes" and got["rss_mb"] < 400, got


def test_rgba_png_bomb_refused_before_decoding(tmp_path):
    path = _png(tmp_path / "rgba.png", "RGBA", (7000, 7000))
    got = _in_child(path)
    assert got["reason"] == "too_many_decoded_bytes" and got["rss_mb"] < 400, got


def test_large_jpeg_decoded_at_reduced_size(tmp_path):
    rng = np.random.default_rng(0)
    small = Image.fromarray(rng.integers(0, 255, (250, 400, 3), dtype=np.uint8))
    big = small.resize((8000, 5000), Image.Resampling.NEAREST)  # 40 Mpx, 120 MB decoded at full size
    path = tmp_path / "big.jpg"
    big.save(path, quality=80)
    del big
    got = _in_child(path)
    assert got["reason"] is None and got["size"] == [1024, 640] and got["orig"] == [8000, 5000]
    assert got["rss_mb"] < 400, got


def test_decoded_bytes_before_loading():
    buf = io.BytesIO()
    Image.new("I;16", (300, 200)).save(buf, format="PNG")
    with Image.open(io.BytesIO(buf.getvalue())) as im:
        assert decoded_bytes(im) == 300 * 200 * 2
    buf = io.BytesIO()
    Image.new("RGB", (300, 200)).save(buf, format="PNG")
    with Image.open(io.BytesIO(buf.getvalue())) as im:
        assert decoded_bytes(im) == 300 * 200 * 4
    small = ImageConfig(max_decoded_bytes=300 * 200 * 4 - 1)
    assert process_image(buf.getvalue(), small)[1] == "too_many_decoded_bytes"


def test_to_uint8_blocks_match_the_whole_image_rule():
    a = np.arange(0, 65536, 7, dtype=np.uint16)[:9000].reshape(90, 100)
    assert np.array_equal(_to_uint8(a, rows=7), np.clip(np.rint(a / 257.0), 0, 255).astype(np.uint8))
    f = np.linspace(-5, 5, 1000, dtype=np.float32).reshape(10, 100)
    f[0, 0] = np.nan
    want = np.clip(np.rint((np.nan_to_num(f).astype(np.float64) + 5) * (255.0 / 10)), 0, 255).astype(np.uint8)
    assert np.abs(_to_uint8(f, rows=3).astype(int) - want).max() <= 1


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["broken_data_stream.png", "truncated_end_chunk.png"])
def test_corrupt_pngs_are_counted_drops(name):
    folder = shared("images-pillow-testimages")
    data = next(folder.rglob(name)).read_bytes()
    counts = {}
    img, reason = process_image(data, ImageConfig(), lambda n, k=1: counts.__setitem__(n, counts.get(n, 0) + k))
    assert img is None and reason == "undecodable" and counts == {"image/dropped:undecodable": 1}
