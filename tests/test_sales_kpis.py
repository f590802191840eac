"""Sales KPI marts against figures computed here from the generator's truth tables.

The warehouse is the shared end-to-end build of tests/conftest.py (clean generated exports
through the Dagster job). The expected figures use plain Python and Polars
on the truth parquet files (Chinese values, mapped to codes here) and share nothing with the
models under test. Definitions: DECISIONLOG.md, "Sales KPIs".
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from conftest import query, truth

pytestmark = pytest.mark.slow

KPI_MARTS = (
    "fct_leads",
    "rpt_lead_response_monthly",
    "rpt_rep_activity_weekly",
    "rpt_quota_attainment_monthly",
    "rpt_sales_cycle",
    "rpt_revenue_monthly",
)
PRODUCT_LINE_CODES = {
    "影像设备": "imaging_equipment",
    "检验设备": "lab_equipment",
    "检验试剂": "lab_reagents",
    "医用耗材": "medical_consumables",
    "维修服务": "maintenance_service",
}
ACTIVITY_CODES = {"拜访": "visit", "电话": "call", "学术会议": "academic_meeting"}


@pytest.fixture(scope="module")
def kpi_build(clean_build) -> tuple[Path, Path]:
    """The shared end-to-end build: its warehouse file and its exports."""
    home, exports, result = clean_build
    assert result.success
    return home / "warehouse.duckdb", exports


def month_of(value: date | datetime) -> date:
    return date(value.year, value.month, 1)


def test_lead_response_by_month(kpi_build):
    db, exports = kpi_build
    by_month: dict[date, dict] = defaultdict(lambda: {"leads": 0, "fast": 0, "hours": []})
    for lead in truth(exports, "leads").to_dicts():
        cell = by_month[month_of(lead["created_at"])]
        cell["leads"] += 1
        if lead["first_contact_at"] is not None:
            start = lead["assigned_at"] or lead["created_at"]
            hours = (lead["first_contact_at"] - start).total_seconds() / 3600
            cell["hours"].append(hours)
            cell["fast"] += hours <= 24
    report = {
        month: (leads, fast)
        for month, leads, fast in query(
            db,
            "select month_start, sum(leads), sum(leads_contacted_within_24h) "
            "from marts.rpt_lead_response_monthly group by all",
        )
    }
    medians = dict(
        query(db, "select created_month, median(response_hours) from marts.fct_leads group by 1")
    )
    assert set(report) == set(by_month)
    for month, cell in by_month.items():
        leads, fast = report[month]
        assert leads == cell["leads"], month
        assert fast / leads == pytest.approx(cell["fast"] / cell["leads"]), month
        want_median = statistics.median(cell["hours"]) if cell["hours"] else None
        assert medians[month] == pytest.approx(want_median, abs=1e-6), month
    assert sum(c["fast"] for c in by_month.values()) > 50
    assert (
        0 < sum(c["fast"] for c in by_month.values()) < sum(c["leads"] for c in by_month.values())
    )


def bookings_by_rep_month(exports: Path) -> dict[tuple[str, str], float]:
    won = truth(exports, "opportunities").filter(pl.col("current_stage") == "赢单")
    bookings: dict[tuple[str, str], float] = defaultdict(float)
    for row in won.to_dicts():
        bookings[(row["owner_id"], row["closed_on"].strftime("%Y-%m"))] += row["amount"]
    return bookings


def test_quota_attainment_per_rep_and_month(kpi_build):
    db, exports = kpi_build
    bookings = bookings_by_rep_month(exports)
    quotas = {
        (r["employee_id"], r["quota_month"]): r["quota_amount"]
        for r in truth(exports, "quotas").to_dicts()
    }
    got = {
        (rep, month): (float(quota) if quota is not None else None, float(booked), attainment)
        for rep, month, quota, booked, attainment in query(
            db,
            "select employee_id, quota_month, quota_amount, bookings_amount, attainment "
            "from marts.rpt_quota_attainment_monthly",
        )
    }
    assert set(got) == set(quotas) | set(bookings)
    for key, quota in quotas.items():
        booked = bookings.get(key, 0.0)
        assert got[key][:2] == (pytest.approx(quota), pytest.approx(booked)), key
        assert got[key][2] == pytest.approx(booked / quota), key
    for key in set(bookings) - set(quotas):
        assert got[key][0] is None and got[key][2] is None, key
    assert sum(1 for k in quotas if bookings.get(k, 0) > 0) > 20, "too few reps with wins"


def test_bookings_total_per_month(kpi_build):
    db, exports = kpi_build
    want: dict[str, float] = defaultdict(float)
    for (_, month), amount in bookings_by_rep_month(exports).items():
        want[month] += amount
    got = dict(
        query(
            db,
            "select quota_month, sum(bookings_amount)::double "
            "from marts.rpt_quota_attainment_monthly group by 1 having sum(bookings_amount) > 0",
        )
    )
    assert got == pytest.approx(dict(want))


def test_rep_activity_per_week(kpi_build):
    db, exports = kpi_build
    want: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    position = {"visit": 0, "call": 1, "academic_meeting": 2}
    for row in truth(exports, "visits").to_dicts():
        day = row["checked_in_at"].date()
        monday = day - timedelta(days=day.weekday())
        want[(monday, row["employee_id"])][position[ACTIVITY_CODES[row["activity_type"]]]] += 1
    got = {
        (week, rep): [visits, calls, meetings]
        for week, rep, visits, calls, meetings in query(
            db,
            "select week_start, employee_id, visits, calls, academic_meetings "
            "from marts.rpt_rep_activity_weekly",
        )
    }
    assert got == dict(want)
    weekly_totals: dict[date, int] = defaultdict(int)
    for (week, _), counts in want.items():
        weekly_totals[week] += sum(counts)
    got_totals = dict(
        query(
            db, "select week_start, sum(activities) from marts.rpt_rep_activity_weekly group by 1"
        )
    )
    assert got_totals == dict(weekly_totals)


def test_far_check_ins_per_rep_week_are_the_planted_ones(kpi_build):
    db, exports = kpi_build
    planted = set(
        pl.read_csv(exports / "_answer_key" / "suspicious_checkins.csv")["visit_id"].cast(pl.Utf8)
    )
    want: dict[tuple, int] = defaultdict(int)
    for row in truth(exports, "visits").to_dicts():
        if row["visit_id"] in planted:
            day = row["checked_in_at"].date()
            want[(day - timedelta(days=day.weekday()), row["employee_id"])] += 1
    got = {
        (week, rep): far
        for week, rep, far in query(
            db,
            "select week_start, employee_id, checkins_far_from_customer "
            "from marts.rpt_rep_activity_weekly where checkins_far_from_customer > 0",
        )
    }
    assert planted and got == dict(want)


def test_revenue_per_month_and_product_line(kpi_build):
    db, exports = kpi_build
    lines = {
        r["sku"]: PRODUCT_LINE_CODES[r["product_line"]]
        for r in truth(exports, "products").to_dicts()
    }
    want: dict[tuple, float] = defaultdict(float)
    for row in truth(exports, "orders").to_dicts():
        want[(month_of(row["ordered_on"]), lines[row["sku"]])] += (
            row["quantity"] * row["unit_price"]
        )
    got = {
        (month, line): revenue
        for month, line, revenue in query(
            db,
            "select month_start, product_line, sum(revenue)::double "
            "from marts.rpt_revenue_monthly group by all",
        )
    }
    assert set(got) == set(want)
    for key, revenue in want.items():
        assert got[key] == pytest.approx(revenue, abs=0.01), key


def test_sales_cycle_of_won_deals(kpi_build):
    db, exports = kpi_build
    leads = {r["lead_id"]: r["created_at"] for r in truth(exports, "leads").to_dicts()}
    signed: dict[str, date] = {}
    for row in truth(exports, "contracts").drop_nulls("opportunity_id").to_dicts():
        previous = signed.get(row["opportunity_id"])
        signed[row["opportunity_id"]] = min(previous or row["signed_on"], row["signed_on"])
    want = {}
    for row in truth(exports, "opportunities").filter(pl.col("current_stage") == "赢单").to_dicts():
        lead_created = leads.get(row["lead_id"])
        contract_on = signed.get(row["opportunity_id"])
        both = lead_created is not None and contract_on is not None
        want[row["opportunity_id"]] = (
            (row["closed_on"] - row["created_on"]).days,
            (contract_on - lead_created.date()).days if both else None,
        )
    got = {
        opportunity: (cycle, lead_to_contract)
        for opportunity, cycle, lead_to_contract in query(
            db,
            "select opportunity_id, sales_cycle_days, lead_to_contract_days "
            "from marts.rpt_sales_cycle",
        )
    }
    assert got == want
    assert sum(v[1] is not None for v in want.values()) > 20
