"""Deduplication: which copy of a page or image survives."""
