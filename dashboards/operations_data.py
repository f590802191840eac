"""What the operations page shows: the last runs from Dagster's run history and the kept
published copies with their run audit."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd

from medops.publish import current_copy_id, published_copies
from medops.settings import paths

RUNS_SHOWN = 30
DEFAULT_DAGSTER_URL = "http://localhost:3000"


def dagster_home() -> Path:
    """The run history `medops` and the daemon write (DAGSTER_HOME, else $MEDOPS_HOME/dagster)."""
    return Path(os.environ.get("DAGSTER_HOME", paths().home / "dagster"))


def dagster_url() -> str:
    """Where the Dagster UI is served (MEDOPS_DAGSTER_URL)."""
    return os.environ.get("MEDOPS_DAGSTER_URL", DEFAULT_DAGSTER_URL).rstrip("/")


def last_runs() -> pd.DataFrame | None:
    """The last runs of every job: id, job, status, start, duration, link; None without a run
    history."""
    import dagster as dg

    home = dagster_home()
    if not (home / "history").exists():
        return None
    with dg.DagsterInstance.from_config(str(home)) as instance:
        records = instance.get_run_records(limit=RUNS_SHOWN)
    rows = []
    for record in records:
        started = record.start_time
        ended = record.end_time
        rows.append(
            {
                "run_id": record.dagster_run.run_id[:8],
                "job": record.dagster_run.job_name,
                "status": record.dagster_run.status.value,
                "started_at": dt.datetime.fromtimestamp(started) if started else None,
                "minutes": round((ended - started) / 60, 1) if started and ended else None,
                "link": f"{dagster_url()}/runs/{record.dagster_run.run_id}",
            }
        )
    return pd.DataFrame(rows)


def kept_copies() -> pd.DataFrame:
    """The kept published copies, newest first, with the one the cockpit serves marked."""
    home = paths()
    current = current_copy_id(home)
    return pd.DataFrame(
        [
            {
                "current": copy.copy_id == current,
                "published_at": copy.published_at,
                "run_id": copy.audit["run_id"][:8],
                "files": len(copy.audit["files"]),
                "checks": copy.audit["checks"]["total"],
                "checks_failed_warn": len(copy.audit["checks"]["failed"]),
                "code_version": (copy.audit["code_version"] or "")[:12],
            }
            for copy in published_copies(home)
        ]
    )
