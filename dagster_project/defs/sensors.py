"""Run-status sensors of the nightly job: a failed run leaves the published copy as it was and
says so (the cockpit shows the reasons beside the time of the data it serves), and the data team
hears of it through the channels of the alert configuration (medops/notify.py)."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from dagster_project.defs.schedules import audit_and_publish_job, nightly_warehouse_job
from dagster_project.defs.warehouse.run_results import failure_summary
from medops.notify import Alert, Notifier
from medops.publish import write_build_status
from medops.settings import paths


def failure_alerts(run_id: str, failures: list[str]) -> list[Alert]:
    """A failed step is a run failure; failed checks of severity error are one alert."""
    steps = [f for f in failures if f.startswith("step ")]
    checks = [f for f in failures if f.startswith("check ")]
    alerts = []
    if steps or not checks:
        alerts.append(
            Alert(
                "run_failed",
                f"run_failed:{run_id}",
                f"MedOps nightly run failed; the cockpit keeps the last good data (run {run_id})",
                steps or failures,
            )
        )
    if checks:
        alerts.append(
            Alert(
                "check_failed",
                f"check_failed:{run_id}",
                f"MedOps nightly build failed {len(checks)} blocking checks; not published "
                f"(run {run_id})",
                checks,
            )
        )
    return alerts


def record_failed_build(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """Write the failed build's reasons to the build status and alert the data team (once per
    run, however often this is called); return the reasons."""
    failures = failure_summary(instance, run_id) or ["the run failed (no step reported why)"]
    write_build_status(
        paths(),
        {
            "status": "failed",
            "run_id": run_id,
            "at": dt.datetime.now().isoformat(),
            "failures": failures,
        },
    )
    notifier = Notifier.from_home(paths())
    if notifier is not None:
        for alert in failure_alerts(run_id, failures):
            notifier.send(alert)
    return failures


@dg.run_failure_sensor(
    monitored_jobs=[nightly_warehouse_job, audit_and_publish_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records why the nightly build failed, for the cockpit's notice.",
)
def nightly_failure_sensor(context: dg.RunFailureSensorContext) -> None:
    failures = record_failed_build(context.instance, context.dagster_run.run_id)
    context.log.info(f"nightly run {context.dagster_run.run_id} failed: {failures}")


@dg.sensor(
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Sends the alerts that quiet hours or an unreachable channel held back.",
)
def held_alerts_sender(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    notifier = Notifier.from_home(paths())
    sent = notifier.flush_held() if notifier is not None else {}
    return dg.SkipReason(f"sent held alerts: {sorted(sent)}" if sent else "nothing held")
