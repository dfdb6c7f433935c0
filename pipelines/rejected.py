"""Write the capped, deterministic sample of rejected pages (:mod:`mmcorpus.tools.rejected`)."""

from __future__ import annotations

import apache_beam as beam

from mmcorpus.config import Config


def _write(item, folder: str, cfg: Config) -> str:
    import json

    import fsspec

    from mmcorpus.tools.rejected import file_name, rejected_entry

    reason, ranked = item
    lines = [json.dumps(rejected_entry(reason, record, cfg), ensure_ascii=False, sort_keys=True)
             for _, record in sorted(ranked, key=lambda r: r[0])]
    with fsspec.open(f"{folder}/{file_name(reason)}", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return reason


class WriteRejectedSample(beam.PTransform):
    """(reason, HtmlRecord) -> at most ``cap`` pages per reason in ``folder``/``{reason}.jsonl``.

    ``Top.SmallestPerKey`` keeps ``cap`` per reason in each bundle before the shuffle, so the
    pages that move are bounded by cap x reasons x bundles, not by the number of drops.
    """

    def __init__(self, folder: str, cfg: Config, cap: int) -> None:
        super().__init__()
        self.folder, self.cfg, self.cap = folder, cfg, cap

    def expand(self, rejected):
        from mmcorpus.tools.rejected import rank

        seed = self.cfg.doc_rules.seed
        return (
            rejected
            | "Rank" >> beam.MapTuple(lambda reason, record: (reason, (rank(seed, record), record)))
            | "SmallestPerReason" >> beam.combiners.Top.PerKey(self.cap, key=lambda r: r[0], reverse=True)
            | "WriteReason" >> beam.Map(_write, self.folder, self.cfg)
        )
