"""estimated_depth's vectorised bounds decide as the per-chunk ``bytes.count`` loop they replaced."""

import random

import pytest

from mmcorpus.extract.document import estimated_depth, tag_depth


def _reference(body: bytes, limit: int) -> int:
    """The former implementation: a count of "<", then "<" minus 2x"</" per 32 KB chunk."""
    if body.count(b"<") <= limit:
        return 0
    imbalance, worst = 0, 0
    for i in range(0, len(body), 32768):
        chunk = body[i:i + 32768]
        closes = chunk.count(b"</")
        imbalance += chunk.count(b"<") - 2 * closes
        worst = max(worst, imbalance)
    if worst <= limit:
        return 0
    return tag_depth(body, limit)  # the exact step is the same code: the bounds are under test


def _random_page(rng: random.Random, size: int) -> bytes:
    pieces = [b"<div>", b"</div>", b"<br>", b"<p>", b"</", b"<", b"x" * rng.randint(1, 3000), b"/"]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(pieces)
    return bytes(out[:size])


@pytest.mark.parametrize("seed", range(40))
def test_same_as_the_count_loop(seed):
    rng = random.Random(seed)
    body = _random_page(rng, rng.randint(0, 200_000))
    for limit in (0, 5, 50, 500, 5_000):
        assert estimated_depth(body, limit) == _reference(body, limit)


@pytest.mark.parametrize("body", [
    b"", b"<", b"</", b"x" * 32767 + b"</" + b"<div>" * 20,  # a "</" across a chunk's end counts in neither
    b"<a>" * 10 + b"x" * (32767 - 30) + b"</b>",  # ...so at limit 10 the exact scan runs (depth 10)
    b"<div>" * 6553 + b"xx" + b"</div>" * 30 + b"</" * 10, (b"<div>" * 7000)[:32768 * 2 - 1] + b"<",
])
def test_edges(body):
    for limit in (0, 3, 10, 5_000):
        assert estimated_depth(body, limit) == _reference(body, limit)


def test_deep_page_is_measured():
    assert estimated_depth(b"<div>" * 12_000, 5_000) > 5_000
    assert estimated_depth(b"<div></div>" * 12_000, 5_000) == 0
