"""Full build against a one-day incremental run of the nightly job, measured in one go.

Usage: ``python benchmarks/incremental_build.py DROP WORK_DIR`` with DROP a generated drop
(``medops generate --scale 1 --seed 42 --out DROP``). The drop is split into the exports of
day N and those of the morning after (``medops.generator.next_day.split_last_day``); then, in a
fresh ``WORK_DIR/home``, ``medops run`` builds day N from scratch (the full build), the next
day's files are added to the export folder, and ``medops run`` runs again (the one-day run:
ingest skips the files it has, the incremental models read only the new loads). Each run is
timed as a whole (wall clock of the ``medops run`` process) and per Dagster step (from the run's
step statistics); the dbt nodes each run executed and their summed seconds come from dbt's
run_results.json of the run.

``measure_incremental(drop, work_dir)`` returns the figures as a dict, for ``medops bench``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from medops.generator.next_day import split_last_day
from medops.settings import DBT_PROJECT_DIR

RUN_ID = re.compile(r"^run ([0-9a-f-]{36}):", re.MULTILINE)


def _copy_drop(source: Path, exports: Path) -> dict[str, int]:
    """Copy a drop's files into the export folder; returns each file's size in bytes."""
    sizes = {}
    for path in sorted(source.rglob("*")):
        if path.is_file():
            target = exports / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            sizes[str(path.relative_to(source))] = path.stat().st_size
    return sizes


def _step_seconds(dagster_home: Path, run_id: str) -> dict[str, float]:
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        return {
            stats.step_key: round(stats.end_time - stats.start_time, 1)
            for stats in instance.get_run_step_stats(run_id)
            if stats.start_time and stats.end_time
        }


def _dbt_nodes(run_id: str) -> dict[str, float]:
    """Nodes dbt executed in the run (models, tests, seeds, snapshots) and their seconds.
    dagster-dbt gives each invocation its own target folder named by the run id's prefix."""
    nodes = 0
    seconds = 0.0
    for results in (DBT_PROJECT_DIR / "target").glob(f"*-{run_id[:7]}-*/run_results.json"):
        for result in json.loads(results.read_text())["results"]:
            if result["status"] not in ("skipped", "no-op"):
                nodes += 1
                seconds += result["execution_time"]
    return {"dbt_nodes": nodes, "dbt_node_seconds": round(seconds, 1)}


def _medops_run(home: Path, exports: Path) -> dict:
    env = {**os.environ, "MEDOPS_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "medops"), "run", "--exports", str(exports)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    found = RUN_ID.search(done.stdout)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"medops run failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
    run_id = found.group(1)
    return {
        "run_id": run_id,
        "seconds": round(seconds, 1),
        "steps": _step_seconds(home / "dagster", run_id),
        **_dbt_nodes(run_id),
    }


def measure_incremental(drop: Path, work_dir: Path) -> dict:
    """Full nightly build on day N, then the one-day run on the next morning's files (see the
    module's description). ``work_dir`` is emptied first. Returns
    ``{"full": run, "one_day": run, "next_day_files": {file: bytes}, "load_average": ...}``,
    each run ``{"run_id", "seconds", "steps": {step: seconds}, "dbt_nodes",
    "dbt_node_seconds"}``."""
    if work_dir.exists():
        shutil.rmtree(work_dir)
    day_n, next_day = split_last_day(drop, work_dir / "split")
    home = work_dir / "home"
    exports = home / "exports"
    (home / "dagster").mkdir(parents=True)
    _copy_drop(day_n, exports)
    load_before = os.getloadavg()
    full = _medops_run(home, exports)
    next_files = _copy_drop(next_day, exports)
    one_day = _medops_run(home, exports)
    return {
        "full": full,
        "one_day": one_day,
        "next_day_files": next_files,
        "load_average": {"before": load_before, "after": os.getloadavg()},
    }


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    figures = measure_incremental(Path(sys.argv[1]), Path(sys.argv[2]))
    for name in ("full", "one_day"):
        run = figures[name]
        sys.stdout.write(
            f"{name:<8} {run['seconds']:8.1f} s wall, {run['dbt_nodes']} dbt nodes "
            f"({run['dbt_node_seconds']} s summed)\n"
        )
        for step, seconds in sorted(run["steps"].items(), key=lambda item: -item[1]):
            sys.stdout.write(f"    {step:<40} {seconds:8.1f} s\n")
    sys.stdout.write(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
