"""Run the nightly job the way the Dagster daemon and UI do: on the job's own (in-process,
warehouse-serialized) executor, one step after another, recorded in a Dagster instance.
`medops run` and the end-to-end tests use this, so they exercise what a schedule launches."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from dagster_project.definitions import backfill_job, nightly_job
from dagster_project.defs.backfill import REBUILT_BY_CALLER_TAG
from dagster_project.defs.schedules import nightly_warehouse_job
from medops.build_changes import BUILD_TAG, FULL_BUILD


def nightly_run_config(exports_dir: Path, log_level: str = "INFO") -> dict:
    return {
        "ops": {"raw_exports": {"config": {"exports_dir": str(exports_dir)}}},
        "loggers": {"console": {"config": {"log_level": log_level}}},
    }


def run_nightly(
    instance: dg.DagsterInstance, exports_dir: Path, log_level: str = "INFO", full: bool = False
) -> dg.JobExecutionResult:
    """Execute the nightly job to its end (a failed step does not raise: read the result);
    ``full`` rebuilds every dbt node, not only what changed since the last publish."""
    return dg.execute_job(
        dg.reconstructable(nightly_job),
        instance=instance,
        run_config=nightly_run_config(exports_dir, log_level),
        tags={BUILD_TAG: FULL_BUILD} if full else None,
        raise_on_error=False,
    )


def last_nightly_run(instance: dg.DagsterInstance) -> dg.DagsterRun | None:
    """The newest nightly run that ended (a run killed before it started has no outcome)."""
    ended = instance.get_runs(
        filters=dg.RunsFilter(
            job_name=nightly_warehouse_job.name,
            statuses=[
                dg.DagsterRunStatus.SUCCESS,
                dg.DagsterRunStatus.FAILURE,
                dg.DagsterRunStatus.CANCELED,
            ],
        ),
        limit=1,
    )
    return ended[0] if ended else None


def resume_nightly(instance: dg.DagsterInstance, failed_run_id: str) -> dg.JobExecutionResult:
    """Re-execute a failed (or killed and swept) nightly run from its failure: the steps that
    succeeded are kept, the rest run again with the failed run's configuration (what the UI's
    "Re-execute from failure" does)."""
    return dg.execute_job(
        dg.reconstructable(nightly_job),
        instance=instance,
        reexecution_options=dg.ReexecutionOptions.from_failure(failed_run_id, instance),
        raise_on_error=False,
    )


def run_backfill(
    instance: dg.DagsterInstance, first_day: str, last_day: str
) -> dg.JobExecutionResult:
    """Load the landing archive's batches of ``first_day``..``last_day`` (YYYY-MM-DD) again: one
    run over the range of daily partitions, as a single-run backfill from the UI makes."""
    return dg.execute_job(
        dg.reconstructable(backfill_job),
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": first_day,
            "dagster/asset_partition_range_end": last_day,
            **REBUILT_BY_CALLER_TAG,
        },
        raise_on_error=False,
    )
