"""Peak resident memory of a process and all its descendants, sampled while it runs."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psutil

SAMPLE_SECONDS = 0.2


def tree_rss(root: psutil.Process) -> int:
    """Bytes resident in ``root`` and every process below it now."""
    total = 0
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            continue  # ended between the listing and the reading
    return total


def run_measured(command: list[str], **popen) -> tuple[int, float, int]:
    """Run ``command`` to its end; return its exit code, wall seconds and the peak resident
    bytes of its whole process tree (Dagster's step processes, dbt, the ingest reader)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, **popen)
    root = psutil.Process(child.pid)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(root))
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = child.wait()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return code, seconds, peak


class StagePeaks:
    """The peak resident memory of this process's whole tree during each named stage: a
    thread samples it every ``SAMPLE_SECONDS`` and charges the sample to the stage running.
    Use as a context manager, entering each stage with ``stage(name)``."""

    def __init__(self) -> None:
        self.peaks: dict[str, int] = {}
        self._current: str | None = None
        self._root = psutil.Process()
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample_until_done, daemon=True)

    def __enter__(self) -> StagePeaks:
        self._sampler.start()
        return self

    def __exit__(self, *_) -> None:
        self._done.set()
        self._sampler.join()

    def _charge(self) -> None:
        stage = self._current
        if stage is not None:
            self.peaks[stage] = max(self.peaks.get(stage, 0), tree_rss(self._root))

    def _sample_until_done(self) -> None:
        while not self._done.is_set():
            self._charge()
            self._done.wait(SAMPLE_SECONDS)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self._current = name
        self._charge()
        try:
            yield
        finally:
            self._charge()  # a stage shorter than a sample still gets one at its end
            self._current = None
