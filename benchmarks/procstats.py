"""Peak resident memory and CPU time of a process tree, read from /proc (Linux)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants alive now."""
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += _children(pid)
    return tree


def peak_rss_kib(pid: int) -> int:
    """The process's high-water mark of resident memory (VmHWM), 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()[:120]


def _cpu_ticks(pid: int, reaped: bool = False) -> int:
    """utime + stime of ``pid``, plus cutime + cstime (its ended children) when ``reaped``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return sum(int(f) for f in fields[11 : 15 if reaped else 13])


def service_cpu_seconds(root: int) -> float:
    """CPU seconds used so far by a long-running ``root`` and its descendants, including the
    children that have already ended (a worker pool's finished workers)."""
    ticks = sum(_cpu_ticks(pid, reaped=True) for pid in process_tree(root))
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds used so far by ``root`` and its live descendants."""
    return sum(_cpu_ticks(pid) for pid in process_tree(root)) / os.sysconf("SC_CLK_TCK")


class TreeMonitor:
    """Polls a process tree in a thread: peak RSS and CPU time of every process seen.

    ``exclude`` pids (the benchmark itself, say) are walked through but not counted.
    """

    def __init__(self, root: int, interval: float = 0.1, exclude: tuple[int, ...] = ()) -> None:
        self._root = root
        self._interval = interval
        self._exclude = set(exclude)
        self._stop = threading.Event()
        self.peak_kib: dict[int, int] = {}
        self.cpu_ticks: dict[int, int] = {}
        self.commands: dict[int, str] = {}
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self._poll()
            if self._stop.wait(self._interval):
                return

    def _poll(self) -> None:
        for pid in process_tree(self._root):
            if pid in self._exclude:
                continue
            self.peak_kib[pid] = max(self.peak_kib.get(pid, 0), peak_rss_kib(pid))
            self.cpu_ticks[pid] = max(self.cpu_ticks.get(pid, 0), _cpu_ticks(pid))
            self.commands.setdefault(pid, _command(pid))

    @property
    def largest_mib(self) -> float:
        return max(self.peak_kib.values(), default=0) / 1024

    def busy_processes(self, min_cpu_seconds: float) -> int:
        """How many processes used at least ``min_cpu_seconds`` of CPU."""
        hz = os.sysconf("SC_CLK_TCK")
        return sum(1 for t in self.cpu_ticks.values() if t / hz >= min_cpu_seconds)

    def cpu_seconds(self) -> dict[int, float]:
        hz = os.sysconf("SC_CLK_TCK")
        return {pid: t / hz for pid, t in self.cpu_ticks.items()}
