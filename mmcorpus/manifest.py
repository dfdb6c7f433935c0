"""The run manifest (``OUT/manifest.json``): config, inputs, outputs, the ledger and its balance.

The balance is computed by :func:`mmcorpus.ledger.balance` from the units declared there
(records, pages, image records). Pairs are derived from kept images and reported beside the
ledger, not inside the identity.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from mmcorpus import __version__
from mmcorpus.ledger import Ledger, balance


def build_manifest(config: dict[str, Any], inputs: list[str], outputs: dict[str, Any],
                   ledger: Ledger, runner: str, seconds: float) -> dict[str, Any]:
    return {
        "schema_version": "manifest.v1",
        "mmcorpus_version": __version__,
        "created": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "runner": runner,
        "seconds": round(seconds, 2),
        "config": config,
        "inputs": list(inputs),
        "outputs": outputs,
        "ledger": ledger.to_dict(),
        "balance": balance(ledger),
    }
