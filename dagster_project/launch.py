"""Run the nightly job the way the Dagster daemon and UI do: on the job's own (multiprocess,
warehouse-serialized) executor, each step in its own process, recorded in a Dagster instance.
`medops run` and the end-to-end tests use this, so they exercise what a schedule launches."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from dagster_project.definitions import nightly_job


def nightly_run_config(exports_dir: Path, log_level: str = "INFO") -> dict:
    return {
        "ops": {"raw_exports": {"config": {"exports_dir": str(exports_dir)}}},
        "loggers": {"console": {"config": {"log_level": log_level}}},
    }


def run_nightly(
    instance: dg.DagsterInstance, exports_dir: Path, log_level: str = "INFO"
) -> dg.JobExecutionResult:
    """Execute the nightly job to its end (a failed step does not raise: read the result)."""
    return dg.execute_job(
        dg.reconstructable(nightly_job),
        instance=instance,
        run_config=nightly_run_config(exports_dir, log_level),
        raise_on_error=False,
    )
