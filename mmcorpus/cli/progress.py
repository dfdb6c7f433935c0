"""Progress lines and closing tables for long-running commands.

Progress is one periodic line on stderr (img2dataset's ``SpeedLogger`` style): counts, rate and,
when the amount of input is known, an ETA. On a terminal the line is rewritten in place; in logs
(not a TTY) a new line is printed every ``interval`` seconds.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Sequence


def format_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h:d}:{m:02d}:{s:02d}" if h else f"{m:d}:{s:02d}"


class Progress:
    """Throttled progress reporting: ``update(**counts)`` is cheap to call per record."""

    def __init__(self, what: str, total_files: int | None = None, interval: float = 2.0, stream=None,
                 enabled: bool = True) -> None:
        self.what = what
        self.total_files = total_files
        self.files_done = 0
        self.interval = interval
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.start = time.monotonic()
        self._last = 0.0
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.counts: dict[str, int] = {}

    def file_done(self) -> None:
        self.files_done += 1
        self.update(force=True)

    def update(self, force: bool = False, **counts: int) -> None:
        self.counts.update(counts)
        now = time.monotonic()
        if not self.enabled or (not force and now - self._last < self.interval):
            return
        self._last = now
        self._emit(self.line(now), final=False)

    def line(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        elapsed = max(now - self.start, 1e-9)
        parts = [f"{k} {v:,}" for k, v in self.counts.items()]
        n = self.counts.get(self.what, 0)
        if elapsed >= 1.0:  # a rate over less than a second says nothing
            parts.append(f"{self.what}/s {n / elapsed:,.1f}")
        if self.total_files:
            parts.append(f"files {self.files_done}/{self.total_files}")
            if 0 < self.files_done < self.total_files:
                eta = elapsed / self.files_done * (self.total_files - self.files_done)
                parts.append(f"eta {format_duration(eta)}")
        parts.append(f"elapsed {format_duration(elapsed)}")
        return " - ".join(parts)

    def close(self) -> float:
        """Print the last line and return the elapsed seconds."""
        elapsed = time.monotonic() - self.start
        if self.enabled:
            self._emit(self.line(), final=True)
        return elapsed

    def _emit(self, text: str, final: bool) -> None:
        if self._tty:
            self.stream.write("\r\x1b[2K" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def format_table(rows: Iterable[Sequence[object]], headers: Sequence[str]) -> str:
    """A plain-text table with right-aligned numbers."""
    rows = [[_cell(c) for c in r] for r in rows]
    widths = [len(h) for h in headers]
    for r in rows:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))

    def fmt(r, is_header=False):
        cells = []
        for i, c in enumerate(r):
            numeric = not is_header and _is_number(c)
            cells.append(c.rjust(widths[i]) if numeric else c.ljust(widths[i]))
        return "  ".join(cells).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(headers, True), sep] + [fmt(r) for r in rows])


def _cell(c: object) -> str:
    if isinstance(c, float):
        return f"{c:,.2f}"
    if isinstance(c, int) and not isinstance(c, bool):
        return f"{c:,}"
    return "" if c is None else str(c)


def _is_number(s: str) -> bool:
    try:
        float(s.replace(",", "").rstrip("%"))
        return True
    except ValueError:
        return False
