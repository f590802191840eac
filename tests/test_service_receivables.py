"""Covered devices whose customer owes overdue money (rpt_service_covered_devices_overdue):
the overdue side is recomputed here from the truth tables (the receivables suite's independent
open-item replay); which devices are covered and which records make one customer come from the
marts that their own suites check (dim_service_devices, fct_customer_account_matches)."""

from __future__ import annotations

from collections import defaultdict

import pytest
from conftest import query
from test_receivables_marts import open_items

pytestmark = pytest.mark.slow


def test_covered_devices_of_customers_with_overdue_receivables(clean_build):
    home, exports, result = clean_build
    assert result.success
    db = home / "published.duckdb"
    (as_of,) = query(db, "select max(as_of_date) from fct_ar_aging_snapshot where is_latest")[0]
    golden_of = dict(
        query(db, "select account_id, golden_customer_id from fct_customer_account_matches")
    )
    overdue: dict[str, float] = defaultdict(float)
    for item in open_items(exports, as_of).iter_rows(named=True):
        if item["due_on"] < as_of and item["open_amount"] > 0.005:
            overdue[golden_of[item["account_id"]]] += item["open_amount"]
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
