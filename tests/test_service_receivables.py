"""Covered devices whose customer owes overdue money (rpt_service_covered_devices_overdue),
and the receivables of covered customers on a service director's cockpit:
the overdue side is recomputed here from the truth tables (the receivables suite's independent
open-item replay); which devices are covered and which records make one customer come from the
marts that their own suites check (dim_service_devices, fct_customer_account_matches)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import query
from test_receivables_marts import open_items

from dashboards import service_data
from dashboards.access import Scope
from dashboards.data import Published

pytestmark = pytest.mark.slow


def _replayed_receivables(clean_build) -> tuple[Path, object, dict, dict, dict]:
    """The published file, its latest aging date, and per golden customer the open and the
    overdue amounts replayed from the exports (not from the marts); plus account -> golden."""
    home, exports, result = clean_build
    assert result.success
    db = home / "published.duckdb"
    (as_of,) = query(db, "select max(as_of_date) from fct_ar_aging_snapshot where is_latest")[0]
    golden_of = dict(
        query(db, "select account_id, golden_customer_id from fct_customer_account_matches")
    )
    open_by_customer: dict[str, float] = defaultdict(float)
    overdue_by_customer: dict[str, float] = defaultdict(float)
    for item in open_items(exports, as_of).iter_rows(named=True):
        if item["open_amount"] > 0.005:
            open_by_customer[golden_of[item["account_id"]]] += item["open_amount"]
            if item["due_on"] < as_of:
                overdue_by_customer[golden_of[item["account_id"]]] += item["open_amount"]
    return db, as_of, golden_of, open_by_customer, overdue_by_customer


def test_covered_devices_of_customers_with_overdue_receivables(clean_build):
    db, _, golden_of, _, overdue = _replayed_receivables(clean_build)
    covered = query(
        db,
        "select serial_no, account_id from dim_service_devices "
        "where coverage_status in ('warranty', 'service_contract')",
    )
    want = {
        serial: round(overdue[golden_of[account]], 2)
        for serial, account in covered
        if account in golden_of and golden_of[account] in overdue
    }
    got = {
        serial: float(amount)
        for serial, amount in query(
            db,
            "select serial_no, customer_overdue_amount from rpt_service_covered_devices_overdue",
        )
    }
    assert want, "the demo data has covered devices at customers who pay late"
    assert got.keys() == want.keys()
    for serial, amount in want.items():
        assert got[serial] == pytest.approx(amount, abs=0.01), serial


def test_a_service_director_sees_the_receivables_of_the_customers_their_regions_cover(
    clean_build,
):
    """The director's overview figure, through the director's scoped views, against the open
    items replayed from the exports for the customers with a covered device in the region."""
    db, as_of, golden_of, open_by_customer, overdue_by_customer = _replayed_receivables(clean_build)
    devices = query(
        db,
        "select region_id, account_id from dim_service_devices "
        "where coverage_status in ('warranty', 'service_contract')",
    )
    regions = sorted({region for region, _ in devices if region})
    assert len(regions) > 1, "the demo data covers devices in several regions"
    filters = service_data.ServiceFilters(month_from=dt.date(2000, 1, 1), month_to=as_of)
    for region in [*regions, None]:
        covered = {
            golden_of[account]
            for device_region, account in devices
            if region in (None, device_region) and account in golden_of
        }
        scope = Scope("service_director", "company" if region is None else "region", region,
                      None, True)  # fmt: skip
        got = service_data.covered_receivables(
            Published(str(db), db.stat().st_mtime_ns, scope), filters
        )
        assert got["as_of_date"] == as_of
        assert got["outstanding"] == pytest.approx(
            sum(open_by_customer.get(g, 0) for g in covered), abs=0.01
        ), region
        assert got["overdue"] == pytest.approx(
            sum(overdue_by_customer.get(g, 0) for g in covered), abs=0.01
        ), region
        assert got["customers"] == len(covered), region
        assert got["overdue_customers"] == len(covered & set(overdue_by_customer)), region
