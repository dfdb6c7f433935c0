"""Which command-line flags go to Beam: only the ones Beam knows.

``mmcorpus run`` hands every flag it does not declare itself to Beam (``--project``,
``--temp_location``, ``--num_workers``, ...). Beam's own parser silently discards what it cannot
parse (``PipelineOptions.get_all_options`` drops unknown flags unless ``retain_unknown_options``),
so a typo such as ``--wokers 3`` would run with the default and exit 0. Here the leftover flags
are parsed by a parser holding the flags of every ``PipelineOptions`` subclass Beam has registered
(the same set ``get_all_options`` builds), and anything left over is refused up front.
"""

from __future__ import annotations

import argparse
import difflib

from mmcorpus.errors import UserError


class BeamFlagError(UserError):
    """A flag neither mmcorpus nor Beam knows, or a Beam flag with a bad value."""


class _RaisingParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print usage and exit; we want one line
        raise BeamFlagError(f"bad Beam option: {message}")


def _beam_parser() -> argparse.ArgumentParser:
    # import the modules whose options classes the runners register, then collect every subclass
    import apache_beam.options.pipeline_options as po

    try:  # Dataflow-specific classes live with the runner when apache-beam[gcp] is installed
        import apache_beam.runners.dataflow.dataflow_runner  # noqa: F401
    except ImportError:
        pass
    parser = _RaisingParser(allow_abbrev=False, add_help=False)
    seen: dict[str, type] = {}
    stack = list(po.PipelineOptions.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        seen.setdefault(f"{cls.__module__}.{cls.__qualname__}", cls)
    added: set[str] = set()
    for cls in seen.values():
        sub = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
        try:
            cls._add_argparse_args(sub)  # noqa: SLF001 - Beam's own registration hook
        except Exception:  # noqa: BLE001 - a third-party options class that cannot register is skipped
            continue
        for action in sub._actions:  # noqa: SLF001
            flags = [f for f in action.option_strings if f not in added]
            if not flags or len(flags) != len(action.option_strings):
                continue
            added.update(flags)
            parser._add_action(action)  # noqa: SLF001
    return parser


def known_beam_flags() -> set[str]:
    return {f for a in _beam_parser()._actions for f in a.option_strings}  # noqa: SLF001


def check_beam_args(beam_args: list[str], own_flags: list[str] | None = None) -> None:
    """Raise :class:`BeamFlagError` naming every flag Beam does not know (with a suggestion)."""
    if not beam_args:
        return
    parser = _beam_parser()
    _, unknown = parser.parse_known_args(list(beam_args))
    if not unknown:
        return
    flags = [u.split("=", 1)[0] for u in unknown if u.startswith("-")]
    if not flags:
        raise BeamFlagError(f"unexpected arguments: {' '.join(unknown)} (inputs go before the flags)")
    candidates = sorted({f for a in parser._actions for f in a.option_strings} | set(own_flags or []))  # noqa: SLF001
    parts = []
    for f in flags:
        close = difflib.get_close_matches(f, candidates, n=1, cutoff=0.75)
        parts.append(f"{f} (did you mean {close[0]}?)" if close else f)
    raise BeamFlagError(
        "unknown option(s): " + ", ".join(parts)
        + "; flags not listed by `mmcorpus run --help` must be Beam pipeline options"
    )


class _Interrupts:
    """Ctrl-C during a local run: one line, not Beam's tracebacks (workers and runner threads).

    The local runner starts its workers with ``subprocess.Popen`` in the launcher's process group,
    so a Ctrl-C on the terminal reaches every worker, and each prints a KeyboardInterrupt
    traceback; the runner's threads then print theirs. Here the workers start in a session of
    their own (the terminal's SIGINT reaches the launcher only; Beam stops the workers when the
    launcher unwinds), and exceptions of the runner's threads after an interrupt are dropped.

    The workers are stopped at the Ctrl-C itself, not after the run unwinds: Beam's own cleanup
    (``close_all``) joins the threads that wait for the worker processes, and a worker still
    starting up (it has not reached the control service yet) never ends on its own, so waiting
    for the unwind could wait forever (seen on a loaded 2-core machine).
    """

    def __init__(self) -> None:
        self.interrupted = False

    def __enter__(self) -> _Interrupts:
        import threading

        try:
            from apache_beam.runners.portability import local_job_service as ljs
        except ImportError:  # another Beam layout: leave it as it is
            ljs = None
        self._ljs, self._real = ljs, getattr(ljs, "subprocess", None)
        self.workers: list = []
        if ljs is not None and self._real is not None:
            real, workers = self._real, self.workers

            class _Subprocess:
                def __getattr__(self, name):
                    return getattr(real, name)

                @staticmethod
                def Popen(*args, **kwargs):  # noqa: N802 - the name Beam calls
                    kwargs.setdefault("start_new_session", True)
                    proc = real.Popen(*args, **kwargs)
                    workers.append(proc)
                    return proc

            ljs.subprocess = _Subprocess()
        self._hook = threading.excepthook

        def hook(args):
            if not self.interrupted:
                self._hook(args)

        threading.excepthook = hook
        self._sigint = None
        if threading.current_thread() is threading.main_thread():  # only there can a handler be set
            import signal

            self._sigint = signal.getsignal(signal.SIGINT)

            def stop_soon() -> None:  # twice: a worker being started at the Ctrl-C is caught too
                import time

                self._stop_workers()
                time.sleep(1)
                self._stop_workers()

            def on_sigint(signum, frame):
                self.interrupted = True
                _quiet_runner_shutdown()
                threading.Thread(target=stop_soon, daemon=True).start()
                raise KeyboardInterrupt

            signal.signal(signal.SIGINT, on_sigint)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        import threading

        if self._sigint is not None:
            import signal

            signal.signal(signal.SIGINT, self._sigint)
        if exc_type is KeyboardInterrupt:
            self.interrupted = True
            _quiet_runner_shutdown()
            self._stop_workers()
        if self._ljs is not None and self._real is not None:
            self._ljs.subprocess = self._real
        if not self.interrupted:
            threading.excepthook = self._hook
        # after an interrupt the hook stays: the runner's threads report their ends a moment later


    def _stop_workers(self) -> None:
        """The workers are outside the terminal's process group: stop them (their whole session)."""
        import os
        import signal
        import time

        for proc in list(self.workers):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except OSError:
                    pass
        deadline = time.monotonic() + 5
        for proc in list(self.workers):
            while proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    pass


def _quiet_runner_shutdown() -> None:
    """After a Ctrl-C, Beam logs each worker handler it fails to close (with a gRPC traceback):
    the expected end of an interrupted run, not news. Silenced unless the user asked for debug logs."""
    import logging

    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        for name in ("apache_beam", "grpc"):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def local_interrupts() -> _Interrupts:
    return _Interrupts()
