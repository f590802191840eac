"""`medops backfill --from --to`: the landing archive's daily partitions loaded again through the
Dagster job `backfill_archive` (one run over the range, as a single-run backfill in the UI)."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from click.testing import CliRunner

from medops.cli import main
from medops.generator import generate_exports

pytestmark = pytest.mark.slow

# the landing sensor's layout: archive/<day>/<batch>/<system>/<file>
DAYS = {"2026-11-20": ("crm",), "2026-11-21": ("erp", "service")}


def _archive(exports: Path, drop: Path) -> dict[str, set[str]]:
    """The generated exports archived as two days' batches; file names by day."""
    names: dict[str, set[str]] = {}
    for day, systems in DAYS.items():
        batch = drop / "archive" / day / f"batch{day[-2:]}"
        for system in systems:
            shutil.copytree(exports / system, batch / system)
            names.setdefault(day, set()).update(p.name for p in (exports / system).iterdir())
    return names


def _ledger(home: Path) -> set[str]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select file_name from raw._ingest_ledger where status = 'loaded'"
        ).fetchall()
    finally:
        con.close()
    return {name for (name,) in rows}


def test_backfill_loads_the_archived_days_of_the_range_once(tmp_path: Path, monkeypatch):
    exports = tmp_path / "exports"
    generate_exports(exports, scale=0.002, seed=5, dirty_rate=0.0)
    drop, home = tmp_path / "drop", tmp_path / "home"
    by_day = _archive(exports, drop)
    # a day of files found again is not a batch
    (drop / "archive" / "2026-11-21" / "duplicates" / "crm").mkdir(parents=True)
    monkeypatch.setenv("MEDOPS_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.setenv("MEDOPS_DROP_DIR", str(drop))
    runner = CliRunner()

    first = runner.invoke(
        main, ["backfill", "--from", "2026-11-20", "--to", "2026-11-20", "--no-build"]
    )
    assert first.exit_code == 0, first.output
    assert "1 archived batches of 2026-11-20..2026-11-20" in first.output
    assert _ledger(home) == by_day["2026-11-20"]

    # the range over both days: the first day's files are skipped, the second's loaded
    both = runner.invoke(
        main, ["backfill", "--from", "2026-11-20", "--to", "2026-11-21", "--no-build"]
    )
    assert both.exit_code == 0, both.output
    assert f"'skipped': {len(by_day['2026-11-20'])}" in both.output
    assert f"'loaded': {len(by_day['2026-11-21'])}" in both.output
    assert _ledger(home) == by_day["2026-11-20"] | by_day["2026-11-21"]

    # each backfill is one Dagster run over its range of daily partitions
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs(filters=dg.RunsFilter(job_name="backfill_archive"))
        assert [run.status for run in runs] == [dg.DagsterRunStatus.SUCCESS] * 2
        assert (
            runs[0].tags["dagster/asset_partition_range_start"],
            runs[0].tags["dagster/asset_partition_range_end"],
        ) == ("2026-11-20", "2026-11-21")
        materialized = instance.get_materialized_partitions(dg.AssetKey("archived_exports"))
    assert materialized == {"2026-11-20", "2026-11-21"}

    wrong = runner.invoke(main, ["backfill", "--from", "2026-11-21", "--to", "2026-11-20"])
    assert wrong.exit_code == 1 and "--to is before --from" in wrong.output


@pytest.mark.parametrize(
    ("tags", "rebuilds"),
    [({}, True), ({"medops/rebuild": "by-caller"}, False)],
    ids=["launched from the UI", "launched by medops backfill"],
)
def test_a_backfill_is_followed_by_one_rebuild_unless_its_caller_rebuilds(tags, rebuilds):
    from dagster_project.defs.backfill import rebuild_after_backfill

    backfill = dg.DagsterRun(job_name="backfill_archive", run_id="b4ckf111", tags=tags)
    success = dg.DagsterEvent(
        event_type_value=dg.DagsterEventType.RUN_SUCCESS.value, job_name="backfill_archive"
    )
    with dg.instance_for_test() as instance:
        context = dg.build_run_status_sensor_context(
            sensor_name=rebuild_after_backfill.name,
            dagster_instance=instance,
            dagster_run=backfill,
            dagster_event=success,
        )
        outcome = rebuild_after_backfill(context)
    if rebuilds:
        assert isinstance(outcome, dg.RunRequest)
        assert outcome.run_key == "rebuild-after-b4ckf111"  # once per backfill run
        assert rebuild_after_backfill.job_name == "nightly_warehouse"
    else:
        assert isinstance(outcome, dg.SkipReason)
