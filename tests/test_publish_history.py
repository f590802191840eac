"""Kept published copies and `medops rollback`, on a small real warehouse file; and runs whose
process was killed are marked failed instead of staying STARTED."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from click.testing import CliRunner

from dagster_project.defs.recovery import fail_dead_runs
from medops.cli import main
from medops.publish import (
    KEEP_COPIES,
    RollbackError,
    UnchangedMarts,
    current_copy_id,
    publish_marts,
    published_copies,
    rollback,
)
from medops.settings import Paths


def _write_warehouse(home: Paths, night: int) -> None:
    """A warehouse whose one mart says which night built it."""
    home.home.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(home.warehouse))
    try:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.rpt_nights as select ? as night", [night])
        con.execute("create or replace table marts.helper_not_published as select 1 as x")
    finally:
        con.close()


def _night_published(home: Paths) -> int:
    con = duckdb.connect(str(home.published), read_only=True)
    try:
        return con.execute("select night from rpt_nights").fetchone()[0]
    finally:
        con.close()


def _publish_nights(home: Paths, nights: range) -> None:
    for night in nights:
        _write_warehouse(home, night)
        publish_marts(home, run_id=f"run{night:05d}-0000")


def test_publish_keeps_the_last_seven_copies_with_their_audit(tmp_path: Path):
    home = Paths(tmp_path / "home")
    _publish_nights(home, range(1, 10))
    copies = published_copies(home)
    assert len(copies) == KEEP_COPIES == 7
    assert [c.audit["run_id"][:8] for c in copies] == [f"run{n:05d}" for n in range(9, 2, -1)]
    assert _night_published(home) == 9
    assert current_copy_id(home) == copies[0].copy_id
    assert list(copies[0].audit["tables"]) == ["rpt_nights"]  # marts only, by prefix
    assert copies[0].audit["tables"]["rpt_nights"]["rows"] == 1
    # no stray staging files are left behind
    assert sorted(p.name for p in home.home.iterdir()) == [
        "build_status.json",
        "published.duckdb",
        "published_history",
        "warehouse.duckdb",
    ]


def test_rollback_restores_the_previous_copy_byte_for_byte(tmp_path: Path):
    home = Paths(tmp_path / "home")
    _publish_nights(home, range(1, 4))
    copies = published_copies(home)
    night_two = copies[1]

    restored = rollback(home)

    assert restored.copy_id == night_two.copy_id
    assert _night_published(home) == 2
    assert home.published.read_bytes() == night_two.path.read_bytes()
    assert current_copy_id(home) == night_two.copy_id
    # rolling back again goes one further
    assert rollback(home).copy_id == copies[2].copy_id
    assert _night_published(home) == 1
    with pytest.raises(RollbackError, match="no kept copy"):
        rollback(home)


def test_rollback_to_a_time_and_the_cli(tmp_path: Path, monkeypatch):
    home = Paths(tmp_path / "home")
    for night in range(1, 4):  # a second apart: `--to` takes seconds
        _publish_nights(home, range(night, night + 1))
        time.sleep(1.1)
    copies = published_copies(home)
    monkeypatch.setenv("MEDOPS_HOME", str(home.home))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    runner = CliRunner()

    listed = runner.invoke(main, ["rollback", "--list"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.count("\n") == 3 and listed.output.startswith("*")

    # the second after night 2 was published: night 2 is the newest copy by then
    second_after = copies[1].published_at.replace(microsecond=0) + dt.timedelta(seconds=1)
    restored = runner.invoke(main, ["rollback", "--to", f"{second_after:%Y-%m-%d %H:%M:%S}"])
    assert restored.exit_code == 0, restored.output
    assert _night_published(home) == 2
    assert current_copy_id(home) == copies[1].copy_id

    too_early = runner.invoke(main, ["rollback", "--to", "2000-01-01"])
    assert too_early.exit_code == 1
    assert "no kept copy" in too_early.output and "Traceback" not in too_early.output
    assert _night_published(home) == 2


def _published_tables(home: Paths) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(home.published), read_only=True)
    try:
        names = [row[0] for row in con.execute("show tables").fetchall()]
        return {
            name: con.execute(f'select * from "{name}" order by all').fetchall() for name in names
        }
    finally:
        con.close()


def test_a_night_publishes_only_the_marts_it_rebuilt(tmp_path: Path):
    home = Paths(tmp_path / "home")
    _publish_nights(home, range(1, 2))
    con = duckdb.connect(str(home.warehouse))
    try:
        con.execute("create table marts.dim_regions as select 'east' as region")
    finally:
        con.close()
    _, first = publish_marts(home, run_id="run00001-full")
    # night 2 rebuilds rpt_nights and keeps dim_regions. The warehouse's dim_regions is made
    # to differ from what was published, so the test sees where the kept mart came from (in a
    # real night they are equal: the warehouse holds what the last publish's build made).
    _write_warehouse(home, 2)
    con = duckdb.connect(str(home.warehouse))
    try:
        con.execute("create or replace table marts.dim_regions as select 'not copied' as region")
    finally:
        con.close()
    _, second = publish_marts(
        home,
        run_id="run00002-0000",
        unchanged=UnchangedMarts("run00001-full", frozenset({"dim_regions"})),
    )
    assert second.audit["kept_from"] == first.copy_id
    assert second.audit["kept_tables"] == ["dim_regions"]
    assert second.audit["tables"]["dim_regions"] == first.audit["tables"]["dim_regions"]
    tables = _published_tables(home)
    assert tables["dim_regions"] == [("east",)]  # from the first copy
    assert tables["rpt_nights"] == [(2,)]  # from the warehouse
    assert tables["_published"][0][1] == "run00002-0000"
    # the first copy is left as it was published
    con = duckdb.connect(str(first.path), read_only=True)
    try:
        assert con.execute("select night from rpt_nights").fetchone() == (1,)
    finally:
        con.close()

    # after a rollback the published copy is no longer that run's: every mart from the warehouse
    rollback(home)
    _, third = publish_marts(
        home,
        run_id="run00003-0000",
        unchanged=UnchangedMarts("run00002-0000", frozenset({"dim_regions"})),
    )
    assert third.audit["kept_from"] is None and third.audit["kept_tables"] == []
    assert _published_tables(home)["dim_regions"] == [("not copied",)]


SLOW_JOB = textwrap.dedent(
    """
    import time
    import dagster as dg

    @dg.op
    def wait_long():
        time.sleep(600)

    @dg.job
    def waits():
        wait_long()

    if __name__ == "__main__":
        with dg.DagsterInstance.get() as instance:
            dg.execute_job(dg.reconstructable(waits), instance=instance)
    """
)


def test_a_killed_run_is_marked_failed_not_left_started(tmp_path: Path, monkeypatch):
    dagster_home = tmp_path / "dagster"
    dagster_home.mkdir()
    (tmp_path / "slow_job.py").write_text(SLOW_JOB, encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    process = subprocess.Popen(
        [sys.executable, "slow_job.py"], cwd=tmp_path, start_new_session=True
    )
    try:
        with dg.DagsterInstance.get() as instance:
            deadline = time.monotonic() + 60
            while not instance.get_runs(
                filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])
            ):
                assert time.monotonic() < deadline, "the run did not start"
                time.sleep(0.5)
            # alive: left alone
            assert fail_dead_runs(instance) == []
            os.killpg(process.pid, signal.SIGKILL)  # the run and its step process
            process.wait()
            [run] = instance.get_runs()
            assert run.status == dg.DagsterRunStatus.STARTED  # what Dagster alone leaves

            assert fail_dead_runs(instance) == [run.run_id]

            run = instance.get_run_by_id(run.run_id)
            assert run.status == dg.DagsterRunStatus.FAILURE
            assert fail_dead_runs(instance) == []
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


# The error dagster-dbt raised when a model failed in a real nightly run (command shortened).
DBT_STEP_ERROR = "\n".join(
    [
        "dagster_dbt.errors.DagsterDbtCliRuntimeError: The dbt CLI process with command",
        "",
        "`/srv/medops/.venv/bin/dbt build --select medops.marts.sales.fct_funnel_stage_reached "
        "medops.marts.receivables.rpt_ar_kpis_monthly`",
        "",
        "failed with exit code `1`. Check the stdout in the Dagster compute logs for the full "
        "information about the error, or view the dbt debug log: "
        "/srv/medops/dbt/target/warehouse_dbt_assets-24f66d5/dbt.log.",
        "",
        "Errors parsed from dbt logs:",
        "",
        "409 of 443 ERROR creating sql table model marts.rpt_zz_broken .................. "
        "[\x1b[31mERROR\x1b[0m in 0.05s]",
        "",
        "\x1b[31mFailure in model rpt_zz_broken "
        "(models/marts/receivables/rpt_zz_broken.sql)\x1b[0m",
        "  Runtime Error in model rpt_zz_broken (models/marts/receivables/rpt_zz_broken.sql)",
        '  Binder Error: Referenced column "no_such_column" not found in FROM clause!',
    ]
)


def test_a_dbt_failure_is_told_by_model_and_reason():
    from dagster_project.defs.warehouse.run_results import _short_error

    short = _short_error(DBT_STEP_ERROR)
    assert short.splitlines() == [
        "409 of 443 ERROR creating sql table model marts.rpt_zz_broken .................. "
        "[ERROR in 0.05s]",
        "Failure in model rpt_zz_broken (models/marts/receivables/rpt_zz_broken.sql)",
        "Runtime Error in model rpt_zz_broken (models/marts/receivables/rpt_zz_broken.sql)",
        'Binder Error: Referenced column "no_such_column" not found in FROM clause!',
    ]
