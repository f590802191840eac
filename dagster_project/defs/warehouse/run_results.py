"""What a run's event log says: its check results (for the run audit) and, when it failed, a
short account of why (for the cockpit, the alerts and `medops run`)."""

from __future__ import annotations

import re
from collections.abc import Collection

import dagster as dg
from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation

# a failure's account keeps this many lines of each error (dbt lists the failing models first)
ERROR_LINES = 12


# the metadata entry of a dbt step's observation that lists its data tests' outcomes
DBT_TESTS = "dbt_tests"
# ... and the one with dbt's own results (status, failures, message, the relation of the
# failing rows) of the tests that Dagster checks report, by unique id
CHECKED_DBT_TESTS = "checked_dbt_tests"
CHECKED_RESULT_FIELDS = ("status", "failures", "message", "relation_name")


def _run_results(invocation: DbtCliInvocation) -> list[dict]:
    try:
        return invocation.get_artifact("run_results.json")["results"]
    except FileNotFoundError:  # dbt stopped before it ran anything
        return []


def dbt_test_results(invocation: DbtCliInvocation, checked: Collection[str] = ()) -> list[dict]:
    """The data tests one ``dbt build`` ran, as check results: the model tested (the models a
    singular test reads), the test, passed, severity, dbt's message. Tests whose unique id is
    in ``checked`` are left out: a Dagster check reports them (``checked_test_results``)."""
    nodes = invocation.manifest["nodes"]
    results = []
    for result in _run_results(invocation):
        test = nodes.get(result["unique_id"])
        # a test skipped after its model failed is left out too: the step's failure says why
        if (
            test is None
            or test["resource_type"] != "test"
            or result["status"] == "skipped"
            or result["unique_id"] in checked
        ):
            continue
        tested = (
            [test["attached_node"]] if test.get("attached_node") else test["depends_on"]["nodes"]
        )
        results.append(
            {
                "asset": ", ".join(sorted(name.split(".")[-1] for name in tested)),
                "check": test["name"],
                "passed": result["status"] == "pass",
                "severity": str(test["config"]["severity"]).upper(),
                "description": None if result["status"] == "pass" else result["message"],
            }
        )
    return results


def checked_test_results(invocation: DbtCliInvocation, checked: Collection[str]) -> dict:
    """dbt's results of the tests in ``checked`` (unique ids) that the invocation ran."""
    return {
        result["unique_id"]: {field: result.get(field) for field in CHECKED_RESULT_FIELDS}
        for result in _run_results(invocation)
        if result["unique_id"] in checked
    }


def recorded_checked_tests(instance: dg.DagsterInstance, run_id: str) -> dict[str, dict]:
    """The results of the checked dbt tests that the run's dbt steps ran, by unique id."""
    recorded = {}
    for record in instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_OBSERVATION
    ).records:
        observation = record.event_log_entry.dagster_event.event_specific_data.asset_observation
        entry = observation.metadata.get(CHECKED_DBT_TESTS)
        if entry is not None:
            recorded.update(entry.value)
    return recorded


def check_results(instance: dg.DagsterInstance, run_id: str) -> list[dict]:
    """Every check of the run: the asset checks Dagster evaluated and the dbt data tests
    (recorded by each dbt step): asset, check, passed, severity, description."""
    results = [
        test
        for record in instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_OBSERVATION
        ).records
        for test in _observed_dbt_tests(record)
    ]
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
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


# the metadata of a dbt node a nightly run kept: not rebuilt, its inputs those of that run
REBUILT = "rebuilt"
UNCHANGED_SINCE_RUN = "inputs_unchanged_since_run"


def kept_assets(instance: dg.DagsterInstance, run_id: str) -> dict[str, set[dg.AssetKey]]:
    """The dbt nodes the run kept (materialized with ``rebuilt: false`` and the run whose
    build they are), by that run's id: their tables are what that run built."""
    kept: dict[str, set[dg.AssetKey]] = {}
    for record in instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
    ).records:
        materialization = record.event_log_entry.dagster_event.event_specific_data.materialization
        metadata = materialization.metadata
        since = metadata.get(UNCHANGED_SINCE_RUN)
        rebuilt = metadata.get(REBUILT)
        if since is not None and rebuilt is not None and rebuilt.value is False:
            kept.setdefault(str(since.value), set()).add(materialization.asset_key)
    return kept


def _observed_dbt_tests(record: dg.EventLogRecord) -> list[dict]:
    observation = record.event_log_entry.dagster_event.event_specific_data.asset_observation
    entry = observation.metadata.get(DBT_TESTS)
    return list(entry.value) if entry is not None else []


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
