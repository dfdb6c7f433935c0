"""Progress of the later stages for the local launcher: pass-through taps that count elements.

The local runner's workers are separate processes, and Beam's counters are read only after the
run, so each tap writes its bundle's count to a small JSON file in ``OUT/_progress/`` when the
bundle finishes (:func:`write_progress`; the WARC reader writes one per file, the downloader one
per batch); the launcher sums them once a second and prints one line per stage
(:class:`mmcorpus.pipelines.crawl_to_shards._ProgressWatcher`).
Only local runs have taps: on Dataflow the job's own UI shows element counts per step.
"""

from __future__ import annotations

import json
import os
import uuid

import apache_beam as beam


class CountTapFn(beam.DoFn):
    """Yield every element unchanged; count them (per ``what(element)``) into a progress file."""

    def __init__(self, directory: str, stage: str, what=None) -> None:
        self.directory, self.stage, self.what = directory, stage, what

    def start_bundle(self):
        self._counts: dict[str, int] = {}

    def process(self, element):
        name = self.what(element) if self.what else "n"
        self._counts[name] = self._counts.get(name, 0) + 1
        yield element

    def finish_bundle(self):
        if not self._counts:
            return
        write_progress(self.directory, f"{self.stage}-{uuid.uuid4().hex}", {"stage": self.stage, **self._counts})


def write_progress(directory: str, name: str, counts: dict) -> None:
    """Write ``counts`` to ``directory/name.json`` for the launcher to sum.

    Written to a hidden temporary file and renamed, so the launcher, which reads the folder while
    the run goes on, never sees half a file. Best effort: an error is ignored, since the run's
    results do not depend on its progress line.
    """
    try:
        tmp = os.path.join(directory, f".{name}.tmp")
        with open(tmp, "w") as f:
            json.dump(counts, f)
        os.replace(tmp, os.path.join(directory, f"{name}.json"))
    except OSError:
        pass


def tap(pcoll, directory: str | None, stage: str, label: str, what=None):
    """``pcoll`` with a counting tap when ``directory`` is set, else ``pcoll`` itself."""
    if not directory:
        return pcoll
    return pcoll | label >> beam.ParDo(CountTapFn(directory, stage, what))
