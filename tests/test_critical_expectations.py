"""Great Expectations suites marked critical in the contract block publishing: the nightly job,
launched as the daemon launches it, on a copy of the shared end-to-end build's home, with a new
ERP payments export in which one payment is negative (a refund booked as a negative receipt;
the contract's payment_amount is `min: 0, critical: true`). The ingest step fails its blocking
check, nothing downstream runs, the published copy stays byte-identical, and the cockpit says
why."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
from conftest import failed_build_notice

from medops.publish import read_build_status
from medops.settings import REPO_ROOT, Paths

pytestmark = pytest.mark.slow

# 用友-style receipts export: headers as the contract accepts them, amounts as the ERP prints
PAYMENTS_EXPORT = "\n".join(
    [
        "回款单号,客户编码,对账单号,回款日期,回款金额,付款方式,记账日期",
        'HK900000001,0010114,DZ2023110000004,2026/11/22,"12,000.00",银行转账,2026/11/22',
        'HK900000002,0010114,DZ2023110000004,2026/11/22,"-8,800.00",银行转账,2026/11/22',
    ]
)


def test_a_failed_critical_expectation_keeps_the_published_copy_and_the_cockpit_says_why(
    clean_build, tmp_path: Path, monkeypatch
):
    from dagster_project.defs.sensors import record_failed_build
    from dagster_project.launch import run_nightly

    reference_home = clean_build[0]
    home = tmp_path / "home"
    (home / "dagster").mkdir(parents=True)
    for name in ("warehouse.duckdb", "published.duckdb"):
        shutil.copy(reference_home / name, home / name)
    published_before = (home / "published.duckdb").read_bytes()
    night = tmp_path / "night" / "erp"
    night.mkdir(parents=True)
    (night / "erp_payments_20261122.csv").write_text(PAYMENTS_EXPORT + "\n", encoding="utf-8")
    monkeypatch.setenv("MEDOPS_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))

    with dg.DagsterInstance.get() as instance:
        result = run_nightly(instance, night.parent, log_level="WARNING")
        assert not result.success
        failures = record_failed_build(instance, result.run_id)
        succeeded = {
            record.event_log_entry.dagster_event.step_key
            for record in instance.get_records_for_run(
                result.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS
            ).records
        }
    # the ingest step loaded the file, then its blocking check stopped the run: nothing that
    # reads the raw layer ran (the seeds, which do not, may have)
    assert succeeded.isdisjoint(
        {"raw_exports", "customer_matching", "forecasts", "published_marts"}
    )
    [failure] = failures
    assert failure.startswith("check critical_expectations on erp/erp_payments failed")
    assert "expect_column_values_to_be_between(payment_amount) 1 rows, e.g. -8800" in failure
    assert (home / "published.duckdb").read_bytes() == published_before
    assert read_build_status(Paths(home))["status"] == "failed"

    notice, reasons = failed_build_notice(REPO_ROOT / "dashboards" / "app.py")
    assert "Data as of" in notice
    assert any("critical_expectations" in reason for reason in reasons)
