"""What a run's event log says: its check results (for the run audit) and, when it failed, a
short account of why (for the cockpit, the alerts and `medops run`)."""

from __future__ import annotations

import re

import dagster as dg

# a failure's account keeps this many lines of each error (dbt lists the failing models first)
ERROR_LINES = 12


def check_results(instance: dg.DagsterInstance, run_id: str) -> list[dict]:
    """Every asset check evaluated in the run (dbt tests included): asset, check, passed,
    severity."""
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    results = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        results.append(
            {
                "asset": evaluation.asset_key.to_user_string(),
                "check": evaluation.check_name,
                "passed": evaluation.passed,
                "severity": evaluation.severity.value,
                "description": evaluation.description,
            }
        )
    return sorted(results, key=lambda r: (r["asset"], r["check"]))


# dagster-dbt ends its error with the errors it parsed from dbt's log, after this line
DBT_ERRORS_HEADING = "Errors parsed from dbt logs"
# dbt colours its log lines for a terminal
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def _short_error(message: str) -> str:
    """The part of a step's error a person needs: dbt's own error lines when dbt failed (which
    model and why), not the dbt command line with its hundred selected models."""
    lines = [line.rstrip() for line in ANSI_COLOUR.sub("", message).splitlines() if line.strip()]
    heading = next((i for i, line in enumerate(lines) if DBT_ERRORS_HEADING in line), None)
    if heading is not None:
        lines = lines[heading + 1 :]
    return "\n".join(line.strip() for line in lines[:ERROR_LINES])


def failure_summary(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """One line (or a few) per failed step and per failed check of severity error."""
    failures = []
    for record in instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.STEP_FAILURE
    ).records:
        event = record.event_log_entry.dagster_event
        error = event.step_failure_data.error
        if error is not None and error.cls_name == "DagsterAssetCheckFailedError":
            continue  # reported below, by the check itself
        message = _short_error(error.message) if error is not None else "(no error recorded)"
        failures.append(f"step {event.step_key} failed: {message}")
    for result in check_results(instance, run_id):
        if not result["passed"] and result["severity"] == "ERROR":
            failures.append(
                f"check {result['check']} on {result['asset']} failed"
                + (f": {result['description']}" if result["description"] else "")
            )
    return failures
