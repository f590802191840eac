"""The Dagster daemon itself, as a deployment runs it: `dagster-daemon run` with a fresh
DAGSTER_HOME holding deploy/dagster.yaml (run queue, run monitoring). The shared build's exports
are dropped into the landing folder; the landing sensor, ticking in the daemon, launches the
nightly job through the queued run coordinator; the run succeeds, and its published copy holds
what the uninterrupted run of the `clean_build` fixture published (same exports, same code).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from conftest import assert_same_tables, table_fingerprints

from medops.settings import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.long]

DAEMON = str(Path(sys.executable).parent / "dagster-daemon")
# the sensor needs two looks (30 s apart) at an unchanged file, then the run builds everything
RUN_TIMEOUT_SECONDS = 1800
POLL_SECONDS = 5


def _drop_exports(exports: Path, drop: Path) -> int:
    """Copy the export files into the drop folder's system subfolders, as an SFTP upload
    leaves them (not the generator's answer key)."""
    copied = 0
    for system in sorted(p for p in exports.iterdir() if p.is_dir()):
        if system.name.startswith("_"):
            continue
        (drop / system.name).mkdir(parents=True)
        for path in sorted(system.iterdir()):
            shutil.copy(path, drop / system.name / path.name)
            copied += 1
    return copied


def _finished_run(instance: dg.DagsterInstance, daemon: subprocess.Popen) -> dg.DagsterRun:
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        assert daemon.poll() is None, "the daemon exited"
        runs = instance.get_runs(filters=dg.RunsFilter(job_name="nightly_warehouse"))
        done = [run for run in runs if run.is_finished]
        if done:
            return done[0]
        time.sleep(POLL_SECONDS)
    raise AssertionError("no nightly run finished in time")


def test_the_daemon_runs_the_landing_sensor_and_the_queued_run(clean_build, tmp_path: Path):
    reference_home, exports, reference = clean_build
    assert reference.success
    home, drop = tmp_path / "home", tmp_path / "drop"
    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True)
    shutil.copy(REPO_ROOT / "deploy" / "dagster.yaml", dagster_home / "dagster.yaml")
    dropped = _drop_exports(exports, drop)
    empty_exports = tmp_path / "no_exports"  # what the 02:00 schedule would read
    empty_exports.mkdir()
    env = {
        **os.environ,
        "MEDOPS_HOME": str(home),
        "DAGSTER_HOME": str(dagster_home),
        "MEDOPS_DROP_DIR": str(drop),
        "MEDOPS_EXPORTS_DIR": str(empty_exports),
        "MEDOPS_LANDING_SETTLE_SECONDS": "0",
    }
    log = (tmp_path / "daemon.log").open("wb")
    daemon = subprocess.Popen(
        [DAEMON, "run", "-m", "dagster_project.definitions"],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
            run = _finished_run(instance, daemon)
            assert run.status == dg.DagsterRunStatus.SUCCESS, (tmp_path / "daemon.log").read_text()
            # launched by the landing sensor, through the run queue
            assert run.tags["dagster/sensor_name"] == "landing_sensor"
            assert run.tags["medops/warehouse"] == "writer"
            queued = instance.get_records_for_run(
                run.run_id, of_type=dg.DagsterEventType.RUN_ENQUEUED
            ).records
            assert queued, "the run did not go through the queued run coordinator"
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait()
        log.close()

    # the files were taken: the drop folder shows nothing still to come
    assert not [p for p in drop.glob("*/*") if p.is_file()]
    archived = [p for p in drop.glob("archive/*/*/*/*") if p.is_file()]
    assert len(archived) == dropped
    assert_same_tables(
        table_fingerprints(home / "published.duckdb", ("main",)),
        table_fingerprints(reference_home / "published.duckdb", ("main",)),
        "published",
    )
