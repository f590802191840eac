"""Peak resident memory of a process and all its descendants, sampled while it runs."""

from __future__ import annotations

import subprocess
import threading
import time

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
