"""Perceptual near-duplicate images: pHash Hamming distance, and grouping that scales.

The hash is ``imagehash.phash`` (a 64-bit DCT hash; Zauner, 2010) of the processed image, stored
as 16 hex digits by :func:`mmcorpus.images.process.process_image`. Two images are near-duplicates
when their hashes differ in at most ``dedup.image_phash_distance`` bits.

The threshold, 10, was measured with ``benchmarks/image_phash_threshold.py`` on 99 distinct real
images from ../shared/data (24 Kodak photos, 49 web images from WARCs, 26 scikit-image photos)
and 585 copies of them (resized to 50%/25%, JPEG quality 60/30, cropped by 2 and 4 px, resized +
recompressed): at 10 bits, 555 of 585 copies match (0.949; every Kodak copy), and of the 4,851
pairs of distinct images only 2 do: scikit-image's chessboard in grey and in RGB (the same
picture) and its left/right motorcycle stereo pair (distance 4). The closest truly different
pair is at 16. The copies that do not match are near-flat images (a grey gradient, a banner,
a logo on white), whose DCT hash is mostly noise, and 4 px crops of sub-100 px thumbnails.

Grouping without comparing all pairs: split the 64 bits into ``distance + 1`` bands; two hashes
within ``distance`` bits agree exactly on at least one band (pigeonhole), so candidates meet
under a band key (:func:`band_keys`) and only those are compared (the multi-index hashing of
Norouzi et al., 2012). Rule for a set of images (pairs): an image is dropped when an image with a
smaller key lies within the distance (:func:`dropped_by_smaller`): the smallest key of each
near-duplicate group is kept, the same rule as exact duplicates (``pairs/dropped:duplicate_image``).
"""

from __future__ import annotations

from collections.abc import Iterable

PHASH_BITS = 64
DEFAULT_DISTANCE = 10  # measured; see the module docstring


def distance(a_hex: str, b_hex: str) -> int:
    """Hamming distance between two hex hashes of equal length."""
    if len(a_hex) != len(b_hex):
        raise ValueError(f"hashes differ in length: {len(a_hex)} != {len(b_hex)}")
    return (int(a_hex, 16) ^ int(b_hex, 16)).bit_count()


def near_duplicate(a_hex: str | None, b_hex: str | None, max_distance: int = DEFAULT_DISTANCE) -> bool:
    """Both hashes known and within ``max_distance`` bits (a negative distance disables the test)."""
    if not a_hex or not b_hex or max_distance < 0 or len(a_hex) != len(b_hex):
        return False
    return distance(a_hex, b_hex) <= max_distance


def band_keys(phash_hex: str, max_distance: int = DEFAULT_DISTANCE) -> list[str]:
    """``max_distance + 1`` band keys; near-duplicates share at least one of them."""
    value, bits = int(phash_hex, 16), len(phash_hex) * 4
    n = max(1, min(max_distance + 1, bits))
    bounds = [round(i * bits / n) for i in range(n + 1)]
    keys = []
    for i in range(n):
        lo, hi = bounds[i], bounds[i + 1]
        part = (value >> lo) & ((1 << (hi - lo)) - 1)
        keys.append(f"{i}:{part:x}")
    return keys


def dropped_by_smaller(items: Iterable[tuple[str, str] | tuple[str, str, str]],
                       max_distance: int = DEFAULT_DISTANCE) -> set[str]:
    """Keys of ``(key, phash[, exact id])`` items that have a near-duplicate with a smaller key.

    Items with the same exact id (sha256 of the bytes) are not compared: exact duplicates are the
    exact dedup's to count. Quadratic in the number of items given: call it per band group
    (:func:`band_keys`), where the items are already candidates, or on small sets.
    """
    ordered = sorted({(it[0], it[1], it[2] if len(it) > 2 else None) for it in items})
    dropped = set()
    for i, (key, h, exact) in enumerate(ordered):
        for other_key, other, other_exact in ordered[:i]:
            if other_key == key or (exact is not None and exact == other_exact):
                continue
            if near_duplicate(h, other, max_distance):
                dropped.add(key)
                break
    return dropped
