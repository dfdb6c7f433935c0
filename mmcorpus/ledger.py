"""Counting: the ledger every stage writes into.

Every record read ends in exactly one place: an output, a drop with a named reason, or an error
with a named reason (ARCHITECTURE.md, "Accounting"). Stages report through a ``count(name, n=1)``
callback (the TFDS C4 ``counter_inc_fn`` pattern), so the same pure function counts into a
:class:`Ledger` locally and into Beam ``Metrics`` counters in a pipeline.

Counter names are ``"<stage>/<what>"``; drops are ``"<stage>/dropped:<reason>"`` and errors
``"<stage>/error:<reason>"``. Reasons are stable snake_case identifiers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping

CountFn = Callable[..., None]


def no_count(name: str, n: int = 1) -> None:
    """The default counter: counts nothing."""


class Ledger:
    """A named-counter bag with helpers to check that the books balance."""

    def __init__(self, counts: Mapping[str, int] | None = None) -> None:
        self.counts: Counter[str] = Counter(counts or {})

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] += n

    __call__ = count

    def merge(self, other: Ledger | Mapping[str, int]) -> Ledger:
        self.counts.update(other.counts if isinstance(other, Ledger) else other)
        return self

    def get(self, name: str) -> int:
        return self.counts.get(name, 0)

    def stage(self, stage: str) -> dict[str, int]:
        """The counters of one stage, without the stage prefix."""
        prefix = stage + "/"
        return {k[len(prefix):]: v for k, v in sorted(self.counts.items()) if k.startswith(prefix)}

    def by_prefix(self, stage: str, kind: str) -> dict[str, int]:
        """Reasons of one kind in a stage: ``by_prefix("warc", "skipped")`` -> {reason: n}."""
        out = {}
        for name, n in self.stage(stage).items():
            if name.startswith(kind + ":"):
                out[name[len(kind) + 1:]] = n
        return out

    def total(self, stage: str, kinds: Iterable[str]) -> int:
        return sum(sum(self.by_prefix(stage, k).values()) for k in kinds)

    def to_dict(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))

    def __repr__(self) -> str:
        return f"Ledger({self.to_dict()!r})"


def warc_balance(ledger: Ledger) -> tuple[int, int]:
    """(records read, pages + images + skipped + errors) for the WARC reading stage."""
    s = ledger.stage("warc")
    read = s.get("records_read", 0)
    accounted = (
        s.get("pages", 0)
        + s.get("images", 0)
        + ledger.total("warc", ["skipped", "error"])
    )
    return read, accounted
