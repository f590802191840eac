"""Service marts against the generator's answer key (end to end, on the shared clean build).

The answer key's SLA outcomes are computed by the generator's own business clock (numpy, with
chinese_calendar directly) from the timestamps it wrote; the other expectations are computed
here with Polars from the clean truth tables, following the definitions in DECISIONLOG.md.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import query, truth

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent


def _frame(db: Path, sql: str, columns: list[str]) -> pl.DataFrame:
    return pl.DataFrame(query(db, sql), schema=columns, orient="row")


def _parameter(name: str) -> float:
    with (REPO / "seeds" / "service_parameters.csv").open(encoding="utf-8") as fh:
        return next(float(r["value"]) for r in csv.DictReader(fh) if r["parameter"] == name)


@pytest.fixture(scope="module")
def built(clean_build):
    home, exports, result = clean_build
    assert result.success
    return home / "published.duckdb", exports


@pytest.fixture(scope="module")
def as_of(built) -> dt.datetime:
    """The service system's clock: its latest recorded event, from the truth tables."""
    _, exports = built
    t = truth(exports, "tickets")
    stamps = [
        t[c].max()
        for c in ("created_at", "accepted_at", "dispatched_at", "arrived_at", "resolved_at")
    ]
    stamps.append(t["closed_at"].max())
    stamps.append(truth(exports, "ticket_history")["changed_at"].max())
    return max(s for s in stamps if s is not None)


def test_sla_outcomes_match_the_answer_key(built) -> None:
    db, exports = built
    key = pl.read_csv(exports / "_answer_key" / "sla_outcomes.csv")
    mart = _frame(
        db,
        """select ticket_id, sla_target, priority_in_force, calendar_id, target_minutes,
                  business_minutes, sla_status
           from fct_service_sla_targets where is_reached""",
        ["ticket_id", "target", "w_priority", "w_calendar", "w_target", "w_minutes", "status"],
    )
    assert mart.height == key.height > 300
    joined = key.join(mart, on=["ticket_id", "target"], how="inner")
    assert joined.height == key.height
    # Tickets reported without a device serial cannot be matched to a policy (device class
    # unknown): exactly those, and only those, have no SLA in the warehouse.
    no_serial = set(truth(exports, "tickets").filter(pl.col("serial_no").is_null())["ticket_id"])
    assert set(joined.filter(pl.col("status") == "no_policy")["ticket_id"]) == (
        no_serial & set(key["ticket_id"])
    )
    measured = joined.filter(pl.col("status") != "no_policy")
    assert measured.height > 0.9 * key.height
    priority_codes = {"紧急": "p1_critical", "高": "p2_high", "中": "p3_medium", "低": "p4_low"}
    assert (measured["priority"].replace_strict(priority_codes) == measured["w_priority"]).all()
    assert (measured["calendar_id"] == measured["w_calendar"]).all()
    assert (measured["target_minutes"] == measured["w_target"]).all()
    assert (measured["business_minutes"] - measured["w_minutes"]).abs().max() < 0.01
    assert (measured["met"] == (measured["status"] == "met")).all()
    # The planted mix really exercises the rules: 24x7 clocks, the second policy version,
    # priority changes between events, and pauses.
    assert (measured["calendar_id"] == "cn_24x7").sum() > 0
    assert set(measured["policy_version"]) == {"v1", "v2"}
    assert (~measured["met"]).sum() > 10


def test_sla_attainment_per_target_matches_the_answer_key(built) -> None:
    db, exports = built
    key = pl.read_csv(exports / "_answer_key" / "sla_outcomes.csv")
    tickets = truth(exports, "tickets").filter(pl.col("serial_no").is_not_null())
    key = key.filter(pl.col("ticket_id").is_in(tickets["ticket_id"].implode()))
    expected = {
        row["target"]: row["met"]
        for row in key.group_by("target").agg(pl.col("met").mean()).iter_rows(named=True)
    }
    rows = query(
        db,
        """select sla_target, sum(targets_met) / sum(targets_measured)
           from rpt_service_sla_attainment_monthly group by 1""",
    )
    assert {target: pytest.approx(value) for target, value in rows} == expected


def test_ticket_kpis_match_the_truth_tables(built) -> None:
    db, exports = built
    history = truth(exports, "ticket_history")
    tickets = truth(exports, "tickets")
    per = history.group_by("ticket_id").agg(
        (pl.col("ticket_status") == "已解决").any().alias("resolved"),
        (pl.col("ticket_status") == "已关闭").any().alias("closed"),
        (pl.col("ticket_status") == "重新打开").any().alias("reopened"),
        (pl.col("ticket_status") == "等待备件").any().alias("parts_wait"),
    )
    t = tickets.join(per, on="ticket_id")
    resolved = t.filter(pl.col("resolved"))
    expected = {
        "tickets": tickets.height,
        "resolved": resolved.height,
        "first_time_fix": resolved.filter(~pl.col("reopened") & ~pl.col("parts_wait")).height,
        "remote": resolved.filter(pl.col("resolution_mode") == "远程").height,
        "reopened": t.filter(pl.col("reopened")).height,
        "closed": t.filter(pl.col("closed")).height,
        "ratings": tickets["satisfaction"].drop_nulls().len(),
        "csat_sum": int(tickets["satisfaction"].drop_nulls().sum()),
    }
    (row,) = query(
        db,
        """select sum(tickets_created), sum(tickets_resolved), sum(first_time_fixes),
                  sum(resolved_remotely), sum(tickets_reopened), sum(ratings),
                  sum(csat_average * ratings)
           from rpt_service_kpis_monthly""",
    )
    assert row[:6] == (
        expected["tickets"],
        expected["resolved"],
        expected["first_time_fix"],
        expected["remote"],
        expected["reopened"],
        expected["ratings"],
    )
    assert row[6] == pytest.approx(expected["csat_sum"])
    assert expected["reopened"] > 0 and expected["first_time_fix"] < expected["resolved"]
    (closed,) = query(
        db, "select count(*) from fct_service_tickets where first_closed_at is not null"
    )
    assert closed[0] == expected["closed"]


def test_repeat_faults_match_the_truth_tables(built, as_of) -> None:
    """A resolved ticket is followed by a repeat fault when the next ticket on the same device
    comes within the window after its first resolution; judged once the window is over."""
    db, exports = built
    window = dt.timedelta(days=_parameter("repeat_fault_window_days"))
    first_resolved = (
        truth(exports, "ticket_history")
        .filter(pl.col("ticket_status") == "已解决")
        .group_by("ticket_id")
        .agg(pl.col("changed_at").min().alias("first_resolved_at"))
    )
    t = (
        truth(exports, "tickets")
        .filter(pl.col("serial_no").is_not_null())
        .sort("serial_no", "created_at", "ticket_id")
        .with_columns(pl.col("created_at").shift(-1).over("serial_no").alias("next_created_at"))
        .join(first_resolved, on="ticket_id")
    )
    repeats = judged = 0
    for resolved, following in t.select("first_resolved_at", "next_created_at").iter_rows():
        if following is not None and following <= resolved + window:
            repeats += 1
            judged += 1
        elif resolved + window <= as_of:
            judged += 1
    (row,) = query(
        db,
        """select count(*) filter (where is_followed_by_repeat_fault),
                  count(is_followed_by_repeat_fault)
           from fct_service_tickets""",
    )
    (mart,) = query(db, "select sum(repeat_faults) from rpt_service_kpis_monthly")
    assert row == (repeats, judged)
    assert mart[0] == repeats > 0


def test_business_time_percentiles_match_the_answer_key(built) -> None:
    db, exports = built
    key = pl.read_csv(exports / "_answer_key" / "sla_outcomes.csv")
    with_serial = truth(exports, "tickets").filter(pl.col("serial_no").is_not_null())["ticket_id"]
    accept = key.filter(
        (pl.col("target") == "accept") & pl.col("ticket_id").is_in(with_serial.implode())
    )["business_minutes"]
    ((median, p90),) = query(
        db,
        """select median(accept_business_minutes), quantile_cont(accept_business_minutes, 0.9)
           from fct_service_tickets where serial_no is not null and accepted_at is not null""",
    )
    assert median == pytest.approx(accept.median(), abs=0.01)
    assert p90 == pytest.approx(accept.quantile(0.9, interpolation="linear"), abs=0.01)


def test_installed_base_and_reliability_match_the_truth_tables(built, as_of) -> None:
    db, exports = built
    devices = truth(exports, "devices")
    tickets = truth(exports, "tickets")
    as_of_date = as_of.date()
    census_days = _parameter("census_overdue_days")
    not_seen = devices.filter(
        pl.col("last_census_scan_at").is_null()
        | (pl.col("last_census_scan_at").dt.date() < as_of_date - dt.timedelta(days=census_days))
    ).height
    (row,) = query(
        db,
        """select count(*), count(*) filter (where is_not_seen_in_census),
                  count(*) filter (where is_under_warranty) from dim_service_devices""",
    )
    under_warranty = devices.filter(pl.col("warranty_ends_on") >= as_of_date).height
    assert row == (devices.height, not_seen, under_warranty)
    # failures per device-year per model, exposure over the ticket history window
    start = tickets["created_at"].min().date()
    exposure = (
        devices.with_columns(
            (pl.lit(as_of_date) - pl.max_horizontal(pl.col("installed_on"), pl.lit(start)))
            .dt.total_days()
            .clip(lower_bound=0)
            .alias("days")
        )
        .group_by("sku")
        .agg((pl.col("days").sum() / 365.25).alias("device_years"))
    )
    known = tickets.filter(pl.col("serial_no").is_not_null()).join(
        devices.select("serial_no", "sku"), on="serial_no"
    )
    failures = known.group_by("sku").agg(pl.len().alias("tickets"))
    expected = exposure.join(failures, on="sku", how="left").with_columns(
        (pl.col("tickets").fill_null(0) / pl.col("device_years")).alias("rate")
    )
    mart = dict(
        query(db, "select sku, failures_per_device_year from rpt_service_reliability_by_model")
    )
    for sku, rate in expected.select("sku", "rate").iter_rows():
        assert mart[sku] == pytest.approx(rate), sku


def test_pm_parts_and_pnl_match_the_truth_tables(built, as_of) -> None:
    db, exports = built
    as_of_date = as_of.date()
    pm = truth(exports, "pm_visits")
    overdue = pm.filter(pl.col("done_on").is_null() & (pl.col("planned_on") < as_of_date)).height
    (row,) = query(
        db, "select count(*) filter (where pm_status = 'overdue') from fct_service_pm_visits"
    )
    assert row[0] == overdue > 0
    stock = truth(exports, "parts_stock")
    (value,) = query(db, "select sum(stock_value) from rpt_service_parts_stock")
    assert float(value[0]) == pytest.approx(
        (stock["on_hand_qty"] * stock["unit_cost"]).sum(), abs=0.05
    )
    # P&L totals over the ticket history window
    tickets = truth(exports, "tickets")
    first_month = tickets["created_at"].min().date().replace(day=1)
    contracts = truth(exports, "service_contracts")
    days = (
        pl.min_horizontal(pl.col("ends_on"), pl.lit(as_of_date))
        - pl.max_horizontal(pl.col("starts_on"), pl.lit(first_month))
    ).dt.total_days() + 1
    contract_revenue = contracts.select(
        (pl.col("annual_fee") / 365 * days.clip(lower_bound=0)).sum()
    ).item()
    charges = truth(exports, "repair_charges")["charge_amount"].sum()
    worklogs = truth(exports, "engineer_worklogs")
    labour = worklogs["work_hours"].sum() * _parameter("engineer_cost_per_hour")
    travel = worklogs["travel_km"].sum() * _parameter("travel_cost_per_km")
    parts = truth(exports, "parts_used")
    parts_cost = (parts["quantity"] * parts["unit_cost"]).sum()
    (pnl,) = query(
        db,
        """select sum(contract_revenue), sum(repair_revenue), sum(engineer_cost),
                  sum(travel_cost), sum(parts_cost)
           from rpt_service_pnl_monthly""",
    )
    # each monthly figure is rounded to the fen: allow a fen per region-month
    (cells,) = query(db, "select count(*) from rpt_service_pnl_monthly")
    tolerance = 0.01 * cells[0]
    assert float(pnl[0]) == pytest.approx(contract_revenue, abs=tolerance)
    assert float(pnl[1]) == pytest.approx(charges, abs=tolerance)
    assert float(pnl[2]) == pytest.approx(labour, abs=tolerance)
    assert float(pnl[3]) == pytest.approx(travel, abs=tolerance)
    assert float(pnl[4]) == pytest.approx(parts_cost, abs=tolerance)
