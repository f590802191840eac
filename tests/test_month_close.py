"""Month-end close: a closed month is frozen once; a later correction leaves it as it was and
shows as an adjustment, on hand-made marts and, end to end, with a corrected statement export
re-ingested and the receivables marts rebuilt by dbt; the cockpit reads the frozen figures; the
schedule closes on the first working day of the month (调休-aware)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from dagster_project.definitions import defs
from dagster_project.defs.close import close_month
from dashboards import receivables_data
from dashboards.access import FULL_ACCESS
from dashboards.data import Published
from ingest.load import ingest_path
from medops.publish import publish_marts
from medops.settings import DBT_PROJECT_DIR, Paths

OCTOBER, NOVEMBER = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


def _build_marts(con: duckdb.DuckDBPyConnection, october_statement_amount: str) -> None:
    """The four marts the close reads, as a nightly build leaves them: October's receivables
    hold one statement whose amount the exports may later correct."""
    con.execute("create schema if not exists marts")
    con.execute(
        "create or replace table marts.rpt_ar_kpis_monthly as select *, "
        "overdue_amount / outstanding_amount as share_overdue, 0.9 as collection_effectiveness, "
        "1.0 as reconciliation_rate, 0::decimal(18, 2) as unapplied_cash_amount, "
        "100::decimal(18, 2) as payments_amount from (values "
        f"(date '2026-10-01', date '2026-10-31', {october_statement_amount}::decimal(18, 2), "
        "0::decimal(18, 2), 30.0), "
        "(date '2026-11-01', date '2026-11-30', 500.00::decimal(18, 2), "
        "500.00::decimal(18, 2), 41.5)) "
        "as t (month_start, month_end, outstanding_amount, overdue_amount, dso_days)"
    )
    con.execute(
        "create or replace table marts.fct_ar_aging_snapshot as select * from (values "
        f"(date '2026-10-31', true, 'S1', {october_statement_amount}::decimal(18, 2)), "
        "(date '2026-10-15', false, 'S1', 100.00::decimal(18, 2)), "
        "(date '2026-11-30', true, 'S2', 500.00::decimal(18, 2))) "
        "as t (as_of_date, is_month_end, statement_id, open_amount)"
    )
    con.execute(
        "create or replace table marts.rpt_quota_attainment_monthly as select * from (values "
        "(date '2026-10-01', 'E1', 0.8), (date '2026-10-01', 'E2', 1.1), "
        "(date '2026-11-01', 'E1', 0.5)) as t (month_start, employee_id, attainment)"
    )
    con.execute(
        "create or replace table marts.rpt_service_sla_attainment_monthly as select * from "
        "(values (date '2026-10-01', 'accept', 0.95), (date '2026-11-01', 'accept', 0.9)) "
        "as t (month_start, sla_target, attainment_rate)"
    )


def test_a_closed_month_keeps_its_figures_and_corrections_show_as_adjustments(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        _build_marts(con, october_statement_amount="1000.00")
        assert close_month(con, OCTOBER) == {
            "ar_kpis": 1,
            "ar_aging": 1,  # the month-end as-of date only
            "quota_attainment": 2,
            "sla_attainment": 1,
        }
        frozen_before = con.execute("select * from closed.ar_aging order by all").fetchall()

        # the ERP re-exports October's statement corrected to 800: the nightly build rebuilds
        # the marts, and a second close of October (a re-run) changes nothing
        _build_marts(con, october_statement_amount="800.00")
        assert close_month(con, OCTOBER) == dict.fromkeys(
            ("ar_kpis", "ar_aging", "quota_attainment", "sla_attainment"), 0
        )
        assert con.execute("select * from closed.ar_aging order by all").fetchall() == (
            frozen_before
        )
        assert con.execute(
            "select closed_month, outstanding_amount from closed.ar_kpis"
        ).fetchall() == [(OCTOBER, 1000)]
        # the correction shows as an adjustment against the closed month
        assert con.execute(
            "select closed_month, closed_outstanding_amount, current_outstanding_amount, "
            "outstanding_adjustment from closed.ar_kpis_adjustments"
        ).fetchall() == [(OCTOBER, 1000, 800, -200)]

        # November closes on its own, appended
        assert close_month(con, NOVEMBER)["ar_kpis"] == 1
        assert con.execute(
            "select closed_month, count(*) from closed.quota_attainment group by 1 order by 1"
        ).fetchall() == [(OCTOBER, 2), (NOVEMBER, 1)]
    finally:
        con.close()


@pytest.mark.parametrize(
    ("day", "closes"),
    [
        ("2026-10-01", None),  # 国庆节
        ("2026-10-08", "2026-09"),  # the first working day after the holiday
        ("2026-10-09", None),
        ("2026-12-01", "2026-11"),  # a Tuesday
    ],
)
def test_the_close_runs_on_the_first_working_day_only(day, closes):
    schedule = defs.resolve_schedule_def("month_end_close_schedule")
    at = dt.datetime.fromisoformat(f"{day}T04:00:00+08:00")
    result = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=at))
    if closes is None:
        assert not result.run_requests
        return
    [request] = result.run_requests
    assert request.run_key == f"close:{closes}"
    assert request.run_config["ops"]["month_end_close"]["config"]["month"] == closes


def test_the_nightly_job_does_not_close_months():
    nightly = {n.name for n in defs.resolve_job_def("nightly_warehouse").nodes}
    assert "month_end_close" not in nightly and "published_marts" in nightly


def test_the_cockpit_shows_a_closed_month_as_frozen_with_its_adjustment(tmp_path: Path):
    """October closed at 1,000 outstanding, then corrected to 800 in the exports: the published
    copy carries the frozen tables, and the receivables trend shows October as closed at 1,000
    with an adjustment of -200; November, open, as the marts say."""
    home = Paths(home=tmp_path)
    con = duckdb.connect(str(home.warehouse))
    try:
        _build_marts(con, october_statement_amount="1000.00")
        close_month(con, OCTOBER)
        _build_marts(con, october_statement_amount="800.00")
    finally:
        con.close()
    publish_marts(home, "run-after-correction")
    published = duckdb.connect(str(home.published), read_only=True)
    try:
        tables = {name for (name,) in published.execute("show tables").fetchall()}
        assert {"closed_ar_kpis", "closed_ar_aging", "closed_quota_attainment"} <= tables
    finally:
        published.close()

    trend = receivables_data.overdue_trend(Published(str(home.published), 1, FULL_ACCESS))
    rows = trend[["month_end", "outstanding", "is_closed", "outstanding_adjustment"]]
    assert rows.to_dict("records") == [
        {
            "month_end": pd.Timestamp("2026-10-31"),
            "outstanding": 1000.0,
            "is_closed": True,
            "outstanding_adjustment": -200.0,
        },
        {
            "month_end": pd.Timestamp("2026-11-30"),
            "outstanding": 500.0,
            "is_closed": False,
            "outstanding_adjustment": 0.0,
        },
    ]


@pytest.mark.slow
def test_a_corrected_statement_export_leaves_the_closed_month_and_shows_the_adjustment(
    clean_build, tmp_path: Path
):
    """On a copy of the shared end-to-end build: close the latest month, then the ERP
    re-exports one of that month's statements with its amount corrected down by 1,000.00 (a
    statement nothing was paid or credited against by the month-end, so its open amount falls
    by the same). The re-export is ingested and the receivables marts rebuilt by dbt: the
    closed month's frozen rows do not move, the marts do, and the adjustment is -1,000.00."""
    home, exports, _ = clean_build
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(home / "warehouse.duckdb", warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        [(month, month_end)] = con.execute(
            "select month_start, month_end from marts.rpt_ar_kpis_monthly "
            "where month_end <= (select max(as_of_date) from marts.fct_ar_aging_snapshot "
            "where is_month_end) order by month_start desc limit 1"
        ).fetchall()
        [(statement_id, amount)] = con.execute(
            "select statement_id, statement_amount from marts.fct_ar_aging_snapshot "
            "where as_of_date = ? and allocated_amount = 0 and open_amount = statement_amount "
            "and statement_id not in (select statement_id from raw.erp_statement_installments) "
            "order by statement_id limit 1",
            [month_end],
        ).fetchall()
        close_month(con, month)
        frozen = con.execute("select * from closed.ar_kpis order by all").fetchall()
        [(outstanding_before,)] = con.execute(
            "select outstanding_amount from marts.rpt_ar_kpis_monthly where month_start = ?",
            [month],
        ).fetchall()
    finally:
        con.close()

    # the corrected re-export, as the ERP writes it: its own encoding, a later export date
    [original] = (exports / "erp").glob("erp_statements_*.csv")
    text = original.read_bytes().decode("gb18030")
    header, *rows = list(csv.reader(io.StringIO(text)))
    [row] = [r for r in rows if r[0] == statement_id]
    amount_column = header.index("对账金额")
    row[amount_column] = f"{amount - 1000:,.2f}"
    corrected = io.StringIO()
    csv.writer(corrected, lineterminator="\n").writerows([header, row])
    night = tmp_path / "night"
    night.mkdir()
    (night / "erp_statements_20261125.csv").write_bytes(corrected.getvalue().encode("gb18030"))
    con = duckdb.connect(str(warehouse))
    try:
        [report] = ingest_path(con, night)
        assert (report.status, report.rows_loaded) == ("loaded", 1)
    finally:
        con.close()
    dbt = Path(sys.executable).parent / "dbt"
    subprocess.run(
        [str(dbt), "run", "--quiet", "--select", "+rpt_ar_kpis_monthly"],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "MEDOPS_HOME": str(tmp_path)},
        check=True,
    )

    con = duckdb.connect(str(warehouse))
    try:
        assert close_month(con, month) == dict.fromkeys(
            ("ar_kpis", "ar_aging", "quota_attainment", "sla_attainment"), 0
        )
        assert con.execute("select * from closed.ar_kpis order by all").fetchall() == frozen
        [(outstanding_now,)] = con.execute(
            "select outstanding_amount from marts.rpt_ar_kpis_monthly where month_start = ?",
            [month],
        ).fetchall()
        assert outstanding_now == outstanding_before - 1000
        assert con.execute(
            "select closed_outstanding_amount, outstanding_adjustment "
            "from closed.ar_kpis_adjustments where closed_month = ?",
            [month],
        ).fetchall() == [(outstanding_before, -1000)]
    finally:
        con.close()
