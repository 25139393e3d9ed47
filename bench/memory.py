"""Peak resident memory (RSS) of server processes, sampled in a background thread.

Each target is a name and a function that returns the server's process id (or ``None`` before it
is started). A sample adds up the RSS of the process and all its children (the process tree), so a
server that forks workers is counted whole. Sampling runs from start-up through the load, so the
peak covers loading the model and serving 20 conversations at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

MB = 1024 * 1024


def tree_rss(pid: int) -> int:
    """Bytes resident for a process and its descendants (0 when it is gone)."""
    import psutil

    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            continue
    return total


def tree_cpu_seconds(pids: int | list[int] | None) -> float:
    """User + system CPU seconds used so far by processes and their descendants (0 for gone ones).

    Unlike latency it hardly depends on what else the machine runs: ``make bench`` reports CPU per
    message beside the latencies."""
    import psutil

    total = 0.0
    for pid in pids if isinstance(pids, (list, tuple)) else [pids] if pids else []:
        try:
            root = psutil.Process(pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            continue
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
    return total


class PeakSampler:
    """Samples every ``interval`` seconds until ``stop()``; keeps the peak and a coarse timeline."""

    def __init__(self, targets: dict[str, Callable[[], int | list[int] | None]], interval: float = 0.25,
                 timeline_every: float = 2.0) -> None:
        self.targets = dict(targets)
        self.interval = interval
        self.timeline_every = timeline_every
        self.peak: dict[str, int] = {name: 0 for name in targets}
        self.samples: dict[str, int] = {name: 0 for name in targets}
        self.timeline: list[tuple[float, str, float]] = []  # (seconds since start, name, MB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)
        self._lock = threading.Lock()
        self._started = 0.0

    def add(self, name: str, pid_of: Callable[[], int | None]) -> None:
        with self._lock:
            self.targets[name] = pid_of
            self.peak.setdefault(name, 0)
            self.samples.setdefault(name, 0)

    def start(self) -> PeakSampler:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def sample_once(self) -> dict[str, int]:
        now: dict[str, int] = {}
        with self._lock:
            targets = list(self.targets.items())
        for name, pid_of in targets:
            try:
                pid = pid_of()
            except (KeyError, LookupError, AttributeError):
                pid = None
            if not pid:
                continue
            # A target may be several processes (Naast's Rasa processes): their sum.
            rss = sum(tree_rss(p) for p in pid) if isinstance(pid, (list, tuple)) else tree_rss(pid)
            if rss:
                now[name] = rss
                self.samples[name] += 1
                self.peak[name] = max(self.peak[name], rss)
        return now

    def _loop(self) -> None:
        last_timeline = -self.timeline_every
        while not self._stop.is_set():
            now = self.sample_once()
            elapsed = time.monotonic() - self._started
            if elapsed - last_timeline >= self.timeline_every:
                last_timeline = elapsed
                self.timeline += [(round(elapsed, 1), name, round(rss / MB, 1)) for name, rss in now.items()]
            self._stop.wait(self.interval)

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        return self.result()

    def result(self) -> dict[str, Any]:
        return {
            "interval_seconds": self.interval,
            "peak_rss_mb": {name: round(peak / MB, 1) for name, peak in self.peak.items() if peak},
            "samples": {name: n for name, n in self.samples.items() if n},
            "timeline": self.timeline,
        }
