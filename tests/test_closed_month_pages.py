"""Closed months on the aging, sales overview (quota attainment) and service cockpit (SLA
attainment) pages: the month-end close freezes a month, the exports then correct it, the build
publishes the corrected marts; the pages keep showing the frozen figures for the closed month
(with a note saying so and, on the aging page, the adjustment), the marts' figures for the
other months, and the scope still applies to the frozen rows.

The marts are the hand-written ones of the receivables, sales and service page tests, loaded
into a warehouse's ``marts`` schema; the close (``close_month``) and the publish
(``publish_marts``) are the real ones."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import build_sales_published, metrics
from test_receivables_pages import build_published as build_finance_published
from test_receivables_pages import run_page
from test_service_pages import build_service_published

from dagster_project.defs.close import close_month
from dashboards import data, sales_data, service_data
from dashboards import receivables_data as ar
from dashboards.access import FULL_ACCESS, Scope
from medops.publish import publish_marts
from medops.settings import Paths

SEP, OCT = dt.date(2026, 9, 30), dt.date(2026, 10, 31)  # aging: September closed
QUOTA_CLOSED = dt.date(2025, 1, 1)  # sales: January 2025 closed
SLA_CLOSED, SLA_OPEN = dt.date(2025, 10, 1), dt.date(2025, 11, 1)  # service: October closed
SLA_MART_SQL = """
create or replace table marts.rpt_service_sla_attainment_monthly as
select
    measured_month as month_start, sla_target, region_name, service_tier, channel,
    count(*) as targets_measured,
    count(*) filter (where is_met) as targets_met,
    count(*) filter (where is_met) / count(*) as attainment,
from marts.fct_service_sla_targets
where sla_status in ('met', 'breached')
group by all
"""
# what the exports correct after the close, as the rebuilt marts then hold it
CORRECTIONS = (
    # statement S1's open amount at 2026-09-30: 3,000 -> 2,000
    "update marts.fct_ar_aging_snapshot set open_amount = 2000 "
    "where as_of_date = date '2026-09-30' and statement_id = 'S1'",
    # a deal of E1 won in January 2025 re-exported larger: bookings 80,000 -> 100,000
    "update marts.rpt_quota_attainment_monthly set bookings_amount = 100000 "
    "where month_start = date '2025-01-01' and employee_id = 'E1'",
    # ticket T4's resolution (October 2025) re-timed: met -> breached
    "update marts.fct_service_sla_targets set sla_status = 'breached', is_met = false, "
    "is_breached = true where ticket_id = 'T4' and sla_target = 'resolve'",
    SLA_MART_SQL,
)


@pytest.fixture
def closed_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    sources = {
        "finance": build_finance_published(tmp_path / "finance.duckdb"),
        "sales": build_sales_published(tmp_path / "sales.duckdb"),
        "service": build_service_published(tmp_path / "service.duckdb"),
    }
    home = Paths(home=tmp_path / "home")
    home.home.mkdir()
    with duckdb.connect(str(home.warehouse)) as con:
        con.execute("create schema marts")
        for name, path in sources.items():
            con.execute(f"attach '{path}' as {name} (read_only)")
            for (table,) in con.execute(
                "select table_name from duckdb_tables() where database_name = ?", [name]
            ).fetchall():
                con.execute(f"create table marts.{table} as select * from {name}.main.{table}")
            con.execute(f"detach {name}")
        con.execute(SLA_MART_SQL)
        for month in (SEP.replace(day=1), QUOTA_CLOSED, SLA_CLOSED):
            close_month(con, month)
        for correction in CORRECTIONS:
            con.execute(correction)
    publish_marts(home, "after-correction")
    monkeypatch.setenv("MEDOPS_HOME", str(home.home))
    return home.home


def _source(home: Path, scope: Scope = FULL_ACCESS) -> data.Published:
    return data.Published(str(home / "published.duckdb"), 0, scope)


def test_aging_of_a_closed_month_end_is_the_frozen_one(closed_home: Path) -> None:
    source = _source(closed_home)
    september = ar.aging_table(source, ar.AgingSelection(as_of_date=SEP), "company")
    assert september["total"].tolist() == [3000]  # frozen; the marts now say 2,000
    assert ar.aging_adjustment(source, ar.AgingSelection(as_of_date=SEP)) == -1000
    october = ar.aging_table(source, ar.AgingSelection(as_of_date=OCT), "company")
    assert october["total"].tolist() == [8100]  # open month: the marts
    dates = ar.as_of_dates(source).set_index("as_of_date")
    assert dates.loc[SEP, "is_closed"] and not dates.loc[OCT, "is_closed"]
    assert dates["is_latest"].tolist() == [True, False]  # one latest date, not the frozen one
    # the frozen rows keep the scope: each rep sees their own September statements only
    rep = Scope("rep", "own", "E1", "E1", True)
    other = Scope("rep", "own", "E2", "E2", True)
    selection = ar.AgingSelection(as_of_date=SEP)
    assert ar.aging_table(_source(closed_home, rep), selection, "company")["total"].sum() == 3000
    assert ar.aging_table(_source(closed_home, other), selection, "company")["total"].sum() == 0


def test_aging_page_shows_the_closed_month_with_its_note_and_adjustment(closed_home) -> None:
    at = run_page("pages/receivables_aging.py")
    assert not [i for i in at.info if "已关账" in i.value]  # the latest date: open
    at.selectbox(key="receivables_as_of").set_value(SEP).run()
    assert metrics(at)["应收余额（2026-09-30）"] == "¥3,000"
    [note] = [i.value for i in at.info if "已关账" in i.value]
    assert note.startswith("2026-09 已关账（") and "账龄显示关账时冻结的数字" in note
    assert note.endswith("关账后的更正（应收余额，现值减冻结值）：-¥1,000。")


def test_quota_attainment_of_a_closed_month_is_the_frozen_one(closed_home: Path) -> None:
    source = _source(closed_home)
    january = sales_data.SalesFilters(QUOTA_CLOSED, QUOTA_CLOSED)
    kpis = sales_data.sales_kpis(source, january)
    assert kpis["bookings"] == 140_000  # 80,000 + 60,000 frozen; the marts now say 160,000
    assert kpis["attainment"] == pytest.approx(140_000 / 150_000)
    with duckdb.connect(str(closed_home / "published.duckdb"), read_only=True) as con:
        assert (
            con.execute(
                "select sum(bookings_amount) from rpt_quota_attainment_monthly "
                "where month_start = date '2025-01-01'"
            ).fetchone()[0]
            == 160_000
        )
    both = sales_data.SalesFilters(QUOTA_CLOSED, dt.date(2025, 2, 1))
    monthly = sales_data.bookings_by_month(source, both)
    assert monthly["bookings"].tolist() == [140_000, 100_000]  # February open: the marts
    league = sales_data.team_league(source, january)
    assert league["bookings"].sum() == 140_000


def test_sales_overview_page_says_which_months_are_closed(closed_home: Path) -> None:
    at = run_page("pages/sales_overview.py")
    [note] = [i.value for i in at.info if "已关账" in i.value]
    assert (
        note.startswith("2025-01 已关账（") and "签约额、配额与达成率显示关账时冻结的数字" in note
    )


def test_sla_attainment_of_a_closed_month_is_the_frozen_one(closed_home: Path) -> None:
    source = _source(closed_home)
    months = service_data.ServiceFilters(SLA_CLOSED, SLA_OPEN)
    trend = service_data.attainment_trend(source, months).set_index(["month_start", "sla_target"])
    # October frozen (resolve met); the marts now say breached
    october, november = pd.Timestamp(SLA_CLOSED), pd.Timestamp(SLA_OPEN)
    assert trend.loc[(october, "resolve"), "attainment"] == 1.0
    assert trend.loc[(november, "arrive"), "attainment"] == 0.0  # November open: the marts
    # met over measured: October frozen 2 of 2, November 4 of 6
    assert service_data.kpis(source, months)["sla_attainment"] == pytest.approx(6 / 8)
    # the frozen monthly attainment has no device model: with a model chosen, the marts
    by_model = months._replace(device_models=("MRI-3T",))
    assert not service_data.frozen_sla_used(source, by_model)
    assert service_data.frozen_sla_used(source, months)


def test_service_cockpit_says_which_months_are_closed(closed_home: Path) -> None:
    at = run_page("pages/service_cockpit.py")
    [note] = [i.value for i in at.info if "已关账" in i.value]
    assert note.startswith("2025-10 已关账（") and "SLA 达成率显示关账时冻结的数字" in note
