"""The ``count(name, n=1)`` callback of ``mmcorpus`` functions, backed by Beam counters.

All counters live in one namespace so the launcher can read the whole ledger back with one
``MetricsFilter().with_namespace(NAMESPACE)`` query after the run.
"""

from __future__ import annotations

from apache_beam.metrics import Metrics
from apache_beam.metrics.metric import MetricsFilter

NAMESPACE = "mmcorpus"


class BeamCounter:
    """Callable counter; create it in a DoFn's ``__init__`` or ``setup``."""

    def __init__(self, namespace: str = NAMESPACE) -> None:
        self.namespace = namespace
        self._counters: dict = {}

    def __call__(self, name: str, n: int = 1) -> None:
        counter = self._counters.get(name)
        if counter is None:
            counter = self._counters[name] = Metrics.counter(self.namespace, name)
        counter.inc(n)

    def __getstate__(self):
        return {"namespace": self.namespace, "_counters": {}}


def ledger_from_result(result, namespace: str = NAMESPACE) -> dict[str, int]:
    """Sum the committed (or, where a runner has none, attempted) counters of a finished run."""
    totals: dict[str, int] = {}
    for m in result.metrics().query(MetricsFilter().with_namespace(namespace))["counters"]:
        value = m.committed if m.committed is not None else m.attempted
        totals[m.key.metric.name] = totals.get(m.key.metric.name, 0) + int(value or 0)
    return dict(sorted(totals.items()))
