"""The one-day incremental run against the full build before it, measured in one go.

The scale's drop is split into the exports of day N and those of the morning after
(``medops.generator.next_day.split_last_day``: the last day's rows of the event exports become
the next day's delta files, snapshots are sent again). In a fresh home, ``medops run`` builds
day N from scratch (the full build); the next day's files are added to the export folder and
``medops run`` runs again (the one-day run: ingest skips the files it has, the incremental
staging models read only the new loads). Both runs are timed as ``medops bench`` times the
nightly job (wall clock, peak memory of the process tree, Dagster step times).

``python -m medops.bench.incremental DROP WORK_DIR`` measures a drop on its own.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from medops.bench.runner import dagster_run, fresh_home
from medops.generator.next_day import split_last_day


def _copy_files(source: Path, exports: Path) -> int:
    """Copy a folder's files into the export folder; returns their bytes."""
    copied = 0
    for path in sorted(source.rglob("*")):
        if path.is_file():
            target = exports / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            copied += path.stat().st_size
    return copied


def measure_incremental(drop: Path, work: Path) -> dict:
    """Full build on day N, then the one-day run; ``work`` is emptied first. Returns the
    one-day run's seconds, the full build's, and both runs as ``dagster_run`` reports them."""
    shutil.rmtree(work, ignore_errors=True)
    day_n, next_day = split_last_day(drop, work / "split")
    home = fresh_home(work / "home")
    exports = home / "exports"
    _copy_files(day_n, exports)
    full = dagster_run(home, exports, work / "full.log")
    next_day_bytes = _copy_files(next_day, exports)
    one_day = dagster_run(home, exports, work / "one_day.log")
    return {
        "status": "measured",
        "seconds": one_day["seconds"],
        "full_seconds": full["seconds"],
        "next_day_bytes": next_day_bytes,
        "full": full,
        "one_day": one_day,
    }


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    figures = measure_incremental(Path(sys.argv[1]), Path(sys.argv[2]))
    for name in ("full", "one_day"):
        run = figures[name]
        sys.stdout.write(f"{name:<8} {run['seconds']:8.1f} s wall\n")
        for step, seconds in sorted(run["steps"].items(), key=lambda item: -item[1]):
            sys.stdout.write(f"    {step:<40} {seconds:8.1f} s\n")
    sys.stdout.write(json.dumps(figures, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
