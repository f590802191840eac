"""Write-audit-publish on the shared end-to-end build, which the `clean_build` fixture launches as
the Dagster daemon does (the job's in-process executor): steps one after another in one
process, one warehouse writer at a time; the run audit of the published copy; a failed blocking
check leaves the published copy byte-identical and the cockpit says so."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import failed_build_notice, query, step_spans
from streamlit.testing.v1 import AppTest

from ingest.contracts import load_contracts
from medops.publish import published_copies, read_build_status
from medops.settings import REPO_ROOT, Paths

pytestmark = pytest.mark.slow

APP = REPO_ROOT / "dashboards" / "app.py"
# the blocking mart checks and the deal-to-cash tie-outs (the dbt tests under tests/deal_to_cash)
BLOCKING_CHECKS = (
    "aging_buckets_sum_to_open_amount",
    "sla_rows_are_tickets_times_targets",
    "funnel_narrows_stage_to_stage",
    "won_amount_ties_to_sales",
    "outstanding_ties_to_aging",
    "warranty_ties_to_service",
    "customer_revenue_ties_to_360",
)


def test_launched_job_runs_its_steps_in_one_process_one_writer_at_a_time(clean_build):
    home, _, result = clean_build
    assert result.success
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        spans = step_spans(instance, result.run_id)
    steps = {"raw_exports", "customer_matching", "forecasts", "published_marts"}
    assert steps <= set(spans)
    assert sum(step.startswith("warehouse_dbt_assets") for step in spans) >= 2
    # the job's in-process executor: every step in the run's process (the definitions are
    # imported once per run, not once per step)
    assert len({pid for _, _, pid in spans.values()}) == 1
    # and never two at once (every step writes or reads the warehouse file)
    ordered = sorted(spans.values())
    for (_, ended, _), (started, _, _) in zip(ordered, ordered[1:], strict=False):
        assert ended <= started


def test_published_copy_has_its_run_audit(clean_build):
    home, exports, result = clean_build
    [copy] = published_copies(Paths(home))
    audit = copy.audit
    assert audit["run_id"] == result.run_id
    # the published file says which copy it is, and is that copy (a hard link of it)
    assert (home / "published.duckdb").samefile(copy.path)
    assert query(home / "published.duckdb", "select run_id, copy_id from _published") == [
        (result.run_id, copy.copy_id)
    ]
    # files: every export file with its content hash and rows, computed here independently
    expected_files = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in exports.glob("*/*")
        if path.is_file() and not path.parent.name.startswith("_")  # not the answer key
    }
    assert {f["name"]: f["hash"] for f in audit["files"]} == expected_files
    ledger = dict(
        query(
            home / "warehouse.duckdb",
            "select file_name, rows_loaded from raw._ingest_ledger where superseded_by is null",
        )
    )
    assert {f["name"]: f["rows_loaded"] for f in audit["files"]} == ledger
    # the contracts' arrival times travel with the copy, for the data-quality page
    schedule = query(
        home / "published.duckdb",
        "select source, arrival_by, grace_minutes, arrival_days from _source_arrivals",
    )
    assert sorted(schedule) == sorted(
        (c.source, c.arrival.by.strftime("%H:%M"), c.arrival.grace_minutes, c.arrival.days)
        for c in load_contracts()
        if c.arrival is not None
    )
    # tables: the rows of every published table
    for table, fingerprint in audit["tables"].items():
        [(rows,)] = query(home / "published.duckdb", f'select count(*) from "{table}"')
        assert fingerprint["rows"] == rows, table
    # checks: the dbt tests and the blocking mart checks of the run, all passed
    checks = {c["check"]: c for c in audit["checks"]["results"]}
    for name in BLOCKING_CHECKS:
        assert checks[name]["passed"] and checks[name]["severity"] == "ERROR"
    assert len(checks) > 300 and audit["checks"]["failed"] == []
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert audit["code_version"].startswith(head)
    assert read_build_status(Paths(home))["status"] == "published"


def _copy_home(home: Path, target: Path) -> Path:
    target.mkdir()
    shutil.copy(home / "warehouse.duckdb", target / "warehouse.duckdb")
    shutil.copy(home / "published.duckdb", target / "published.duckdb")
    return target


def _audit_and_publish(home: Path) -> dg.ExecuteInProcessResult:
    """The `audit_and_publish` job (the blocking mart checks, then publish) on ``home``."""
    from dagster_project.defs.schedules import audit_and_publish_job
    from dagster_project.defs.sensors import record_failed_build
    from dagster_project.defs.warehouse.assets import published_marts
    from dagster_project.defs.warehouse.checks import blocking_mart_checks
    from dagster_project.defs.warehouse.tie_outs import deal_to_cash_tie_outs
    from dagster_project.resources import WarehouseResource, build_resources

    job = dg.Definitions(
        assets=[published_marts],
        asset_checks=[blocking_mart_checks, deal_to_cash_tie_outs],
        jobs=[audit_and_publish_job],
        resources={"warehouse": WarehouseResource(home=str(home)), "dbt": build_resources()["dbt"]},
    ).resolve_job_def("audit_and_publish")
    with dg.instance_for_test() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
        if not result.success:
            record_failed_build(instance, result.run_id)
    return result


def test_failed_blocking_check_keeps_the_published_copy_and_the_cockpit_says_why(
    clean_build, tmp_path, monkeypatch
):
    home = _copy_home(clean_build[0], tmp_path / "home")
    published_before = (home / "published.duckdb").read_bytes()
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        # one month's outstanding no longer matches its aging buckets
        con.execute(
            "update marts.rpt_ar_kpis_monthly set outstanding_amount = outstanding_amount + 100 "
            "where month_end = (select max(month_end) from marts.rpt_ar_kpis_monthly)"
        )
    finally:
        con.close()

    monkeypatch.setenv("MEDOPS_HOME", str(home))
    result = _audit_and_publish(home)

    assert not result.success
    failed = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
    assert failed == ["aging_buckets_sum_to_open_amount"]
    assert "published_marts" not in {e.step_key for e in result.all_events if e.is_step_success}
    assert (home / "published.duckdb").read_bytes() == published_before
    status = read_build_status(Paths(home))
    assert status["status"] == "failed"
    assert any("aging_buckets_sum_to_open_amount" in f for f in status["failures"])

    notice, reasons = failed_build_notice(APP)
    assert "Data as of" in notice
    assert any("aging_buckets_sum_to_open_amount" in reason for reason in reasons)


def test_failed_tie_out_blocks_publishing_and_names_the_figure(clean_build, tmp_path, monkeypatch):
    home = _copy_home(clean_build[0], tmp_path / "home")
    published_before = (home / "published.duckdb").read_bytes()
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        # the chain's won amount of one deal no longer matches the sales page's
        opportunity_id, won_month = con.execute(
            "select opportunity_id, won_month from marts.fct_deal_to_cash "
            "order by opportunity_id limit 1"
        ).fetchone()
        con.execute(
            "update marts.fct_deal_to_cash set won_amount = won_amount + 12345.67 "
            "where opportunity_id = ?",
            [opportunity_id],
        )
    finally:
        con.close()

    monkeypatch.setenv("MEDOPS_HOME", str(home))
    result = _audit_and_publish(home)

    assert not result.success
    [failed] = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert failed.check_name == "won_amount_ties_to_sales"
    [offender] = failed.metadata["first_offenders"].value
    assert offender["month_start"] == str(won_month)
    assert float(offender["difference"]) == pytest.approx(12345.67)
    assert opportunity_id in offender["explaining_deals"].split(",")
    assert "published_marts" not in {e.step_key for e in result.all_events if e.is_step_success}
    assert (home / "published.duckdb").read_bytes() == published_before
    status = read_build_status(Paths(home))
    assert status["status"] == "failed"
    [reason] = [f for f in status["failures"] if "won_amount_ties_to_sales" in f]
    assert "12345.67" in reason and str(won_month) in reason


def test_passing_audit_publishes_a_new_copy(clean_build, tmp_path, monkeypatch):
    home = _copy_home(clean_build[0], tmp_path / "home")
    monkeypatch.setenv("MEDOPS_HOME", str(home))
    result = _audit_and_publish(home)
    assert result.success
    [copy] = published_copies(Paths(home))
    assert (home / "published.duckdb").samefile(copy.path)
    assert {c["check"] for c in copy.audit["checks"]["results"]} == set(BLOCKING_CHECKS)
    assert read_build_status(Paths(home))["status"] == "published"


def test_operations_page_lists_the_run_and_the_kept_copy(clean_build, monkeypatch):
    home, _, result = clean_build
    monkeypatch.setenv("MEDOPS_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.setenv("MEDOPS_DAGSTER_URL", "http://dagster.example:3000/")
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.switch_page("pages/operations.py").run()
    assert not at.exception and not at.error
    runs, copies = (frame.value for frame in at.dataframe)
    [run] = runs[runs["job"] == "nightly_warehouse"].to_dict("records")
    assert run["status"] == "SUCCESS" and run["run_id"] == result.run_id[:8]
    assert run["link"] == f"http://dagster.example:3000/runs/{result.run_id}"
    assert run["minutes"] > 0
    [copy] = copies.to_dict("records")
    assert copy["current"] and copy["run_id"] == result.run_id[:8] and copy["files"] > 0
