"""Counting: the ledger every stage writes into, and the one place its balance is computed.

Every record read ends in exactly one place: an output, a drop with a named reason, or an error
with a named reason (docs/architecture.md, "Accounting"). Stages report through a ``count(name, n=1)``
callback (the TFDS C4 ``counter_inc_fn`` pattern), so the same pure function counts into a
:class:`Ledger` locally and into Beam ``Metrics`` counters in a pipeline.

Counter names are ``"<stage>/<what>"``; drops are ``"<stage>/dropped:<reason>"`` and errors
``"<stage>/error:<reason>"``. Reasons are stable snake_case identifiers. :func:`outcome` writes
the usual "kept or dropped for a reason" counter, so every filter counts the same way (datatrove's
``BaseFilter`` does this for all its filters).

What must add up is declared once, in :data:`UNITS`: for each kind of item (WARC records, pages,
image records), the counter saying how many entered, the counters of the places an item can end
well, and the stages whose ``dropped:``/``error:`` (or other terminal kinds) end an item. The
manifest, ``mmcorpus extract`` and ``mmcorpus validate`` all call :func:`balance`; adding a stage
means adding its name to one unit here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

CountFn = Callable[..., None]


def no_count(name: str, n: int = 1) -> None:
    """The default counter: counts nothing."""


def outcome(count: CountFn, stage: str, reason: str | None) -> bool:
    """Count one item's fate in ``stage`` and return whether it is kept.

    ``reason`` None counts ``<stage>/kept``; otherwise ``<stage>/dropped:<reason>``.
    """
    if reason is None:
        count(f"{stage}/kept")
        return True
    count(f"{stage}/dropped:{reason}")
    return False


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


@dataclass(frozen=True)
class Unit:
    """One kind of item the ledger follows from where it enters to where it ends.

    ``entered`` counts items in; each ends in one of the ``ended`` counters or in a
    ``<stage>/<kind>:<reason>`` counter of one of ``stages`` with ``kind`` in ``kinds``.
    """

    name: str
    entered: str
    ended: tuple[str, ...]
    stages: tuple[str, ...]
    kinds: tuple[str, ...] = ("dropped", "error")
    of_records: bool = True  # False: not a WARC record (wanted image URLs), balanced on its own only

    def endings(self, ledger: Ledger) -> dict[str, int]:
        """Every counter that ends an item of this unit, with its count (zeros left out)."""
        out = {name: ledger.get(name) for name in self.ended if ledger.get(name)}
        for stage in self.stages:
            for kind in self.kinds:
                for reason, n in ledger.by_prefix(stage, kind).items():
                    out[f"{stage}/{kind}:{reason}"] = n
        return out


#: What must add up. The whole-job pipeline follows all three units; ``mmcorpus extract``
#: (no images, no shards) follows records and its own page unit, :data:`EXTRACT_PAGES`.
UNITS: tuple[Unit, ...] = (
    Unit("records", entered="warc/records_read", ended=("warc/pages", "warc/images"), stages=("warc",),
         kinds=("skipped", "error")),
    Unit("pages", entered="warc/pages", ended=("output/interleaved", "output/text"),
         stages=("extract", "language", "text", "dedup", "doc_rules", "pipeline")),
    Unit("images", entered="warc/images", ended=("image/kept",), stages=("image", "image_join")),
    # every wanted image (a slot of the kept documents) ends in exactly one image_fetch outcome
    Unit("image_urls", entered="image_fetch/wanted", ended=("image_fetch/found_in_warc", "image_fetch/downloaded"),
         stages=("image_fetch",), kinds=("refused", "failed", "skipped"), of_records=False),
    Unit("downloads", entered="image_fetch/downloaded", ended=("image_download/kept",), stages=("image_download",),
         of_records=False),
)
EXTRACT_PAGES = Unit("pages", entered="warc/pages", ended=("text/kept",), stages=("extract", "language", "text"))


def unit(name: str) -> Unit:
    return next(u for u in UNITS if u.name == name)


def balance(ledger: Ledger | Mapping[str, int], units: Iterable[Unit] = UNITS) -> dict[str, Any]:
    """Per unit (``records``, ``pages``, ``images``): how many were read, how they ended, whether
    every one is accounted for; and the whole job's ``records_read``/``accounted``/``balanced``.

    ``accounted`` counts every record once, where it finally ended: a record read as a page is
    followed into the pages unit instead of being counted as "read as a page".
    """
    if not isinstance(ledger, Ledger):
        ledger = Ledger(ledger)
    units = tuple(units)
    out: dict[str, Any] = {}
    followed = {e for u in units for e in u.ended if any(v.entered == e for v in units)}
    accounted = 0
    for u in units:
        endings = u.endings(ledger)
        read = ledger.get(u.entered)
        total = sum(endings.values())
        out[u.name] = {"read": read, "outcomes": endings, "accounted": total, "balanced": read == total}
        if u.of_records:
            accounted += sum(n for name, n in endings.items() if name not in followed)
    read = ledger.get(units[0].entered)
    return {
        "records_read": read,
        "accounted": accounted,
        "balanced": read == accounted and all(out[u.name]["balanced"] for u in units),
        **out,
        "pairs_written": ledger.get("output/pairs"),
    }


def warc_balance(ledger: Ledger) -> tuple[int, int]:
    """(records read, records that became a page, an image record, a skip or an error)."""
    b = balance(ledger, (unit("records"),))["records"]
    return b["read"], b["accounted"]
