"""Progress lines of a long run, from the pipeline's metrics while it runs.

Every ``--progress_interval`` seconds the reporter queries the running job's ``news`` counters
and logs the articles read, cleaned and extracted so far, the events written, the rate at
which articles reached their end (events, none, duplicate or dead letter) since the last line,
and the elapsed time. Runners that hand back a running job can be queried: Prism through the
job's result; Flink's job server gives metrics only at the end, so a streaming job on a Flink
cluster is read through Flink's REST API (``pipelines.flink_rest``). The in-process
DirectRunner (FnApiRunner) returns only when the run has ended, and a runner may answer with
no counters until the end (Flink batch jobs): the reporter says so once and stays quiet.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from pipelines import counting

log = logging.getLogger(__name__)
# Runners whose run() returns only when the job has ended (so there is nothing to query).
SYNCHRONOUS = "(FnApiRunner)"
# How long a running job may answer metrics queries without a counter before the reporter
# says that its runner gives none while running.
SILENT_SECONDS_BEFORE_NOTICE = 120


def current_totals(result) -> dict[str, int]:
    """The ``news`` counters of a running job, by name.

    The larger of each counter's attempted and committed values: Prism keeps the running
    totals as committed values and gives as attempted only the bundles in flight, while
    runners that report no committed values keep the totals as attempted ones."""
    totals = counting.totals_by_name(result, lambda c: max(c.attempted or 0, c.committed or 0))
    # A portable runner's result keeps the first metrics it fetched (``_metrics``) for good:
    # forget them, or the next line and the final summary would show this moment's counts.
    if hasattr(result, "_metrics"):
        result._metrics = None
    return totals


def elapsed_text(seconds: float) -> str:
    """``42s``, ``3m05s``, ``2h07m``."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def progress_line(totals: dict[str, int], rate: float, elapsed: float) -> str:
    get = totals.get
    extracted = get(counting.WITH_EVENTS, 0) + get(counting.WITHOUT_EVENTS, 0)
    return (
        f"progress: {get(counting.READ, 0):,} read, {get(counting.CLEANED, 0):,} cleaned, "
        f"{extracted:,} extracted ({get(counting.EVENTS, 0):,} events), "
        f"{get(counting.DUPLICATES, 0):,} duplicates, {get(counting.DEAD_LETTERS, 0):,} dead "
        f"letters; {rate:.1f} articles/s done; elapsed {elapsed_text(elapsed)}"
    )


class ProgressReporter:
    """Logs a progress line every ``interval`` seconds while a pipeline runs.

    ``start()`` before ``pipeline.run()``, ``attach(result)`` when it returns, ``stop()`` when
    the run is over. ``totals`` reads the counters when the job's result cannot
    (``flink_rest.RunningJobCounters``).
    """

    def __init__(
        self, interval: float, runner: str, totals: Callable[[], dict[str, int]] | None = None
    ) -> None:
        self._interval = interval
        self._runner = runner
        self._totals = totals
        self._result = None
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="progress", daemon=True)
        self._started = time.monotonic()
        self._said_cannot = False
        self._attached = 0.0
        self._last = (self._started, 0)

    def start(self) -> None:
        if self._interval > 0 and self._runner.endswith(SYNCHRONOUS):
            self._cannot(f"{self._runner} reports its metrics only when the run has ended")
        elif self._interval > 0:
            self._started = time.monotonic()
            self._last = (self._started, 0)
            self._thread.start()

    def attach(self, result) -> None:
        self._attached = time.monotonic()
        self._result = result

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _cannot(self, why: str) -> None:
        if not self._said_cannot:
            self._said_cannot = True
            log.info("no progress lines: %s; the summary follows at the end", why)

    def _loop(self) -> None:
        while not self._stopped.wait(self._interval):
            if self._result is None:
                continue  # the job is still being submitted
            try:
                totals = self._totals() if self._totals else current_totals(self._result)
            except Exception as e:  # a metrics query must never disturb the run
                self._cannot(f"{self._runner} did not answer a metrics query ({e})")
                continue
            if not totals:
                # The first bundles may still be running: judge after a while.
                if time.monotonic() - self._attached > SILENT_SECONDS_BEFORE_NOTICE:
                    self._cannot(f"{self._runner} reports no metrics while the job runs")
                continue
            now, done = time.monotonic(), sum(totals.get(n, 0) for n in counting.OUTCOMES)
            last_time, last_done = self._last
            rate = (done - last_done) / max(now - last_time, 1e-9)
            self._last = (now, done)
            log.info(progress_line(totals, rate, now - self._started))
