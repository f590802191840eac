"""The cockpit's sales overview and sales alert pages (AppTest) and their queries.

The published file comes from the ``sales_home`` fixture (tests/conftest.py): hand-written
rows of rpt_quota_attainment_monthly, rpt_revenue_monthly, rpt_lead_response_monthly and
rpt_sales_alerts. Expected figures worked out by hand from those rows:

Overview. Months run from 2024-01 (E1's oldest quota row) to 2025-03 (South's revenue), so
the default window (last 12 months) is 2024-04 .. 2025-03 and leaves out the 2024-01 row.

- bookings 80,000 + 70,000 + 60,000 + 0 + 30,000 = 240,000 -> "¥24.0万" / "¥240,000";
  quota 100,000 + 100,000 + 50,000 + 50,000 = 300,000 -> "¥30.0万";
  attainment 240,000 / 300,000 = 80.0% (the mean of the monthly rates 0.8, 0.7, 1.2, 0 would
  be 67.5%; E9's 30,000 without quota counts in the numerator only); deals won 1+2+1+0+1 = 5;
- revenue 120,000 + 30,000 + 45,000 + 5,000 = 200,000 -> "¥20.0万";
- contacted within 24 h (6 + 6 + 1 + 0) / (10 + 10 + 5 + 5) = 13 / 30 = 43.3% (the mean of
  the row shares 0.6, 0.6, 0.2, 0 would be 35.0%);
- team T_EAST_1: bookings 150,000, quota 200,000 -> 75.0%, won 3, revenue 150,000, 24 h
  12 / 20 = 60.0%; region 华南大区: 60,000 / 100,000 = 60.0%, won 1, revenue 45,000, 24 h
  1 / 5 = 20.0%;
- whole range 2024-01 .. 2025-03: bookings 340,000 / quota 400,000 = 85.0%, won 6;
- average deal size (won amount ÷ deals won): (300,000 + 60,000) / 3 = 120,000 -> "¥12.0万";
  T_EAST_1 300,000 / 2 = 150,000; 华南大区 60,000; whole range 460,000 / 4 = 115,000;
- retention: quarters 2024-Q4 and 2025-Q1 (running) overlap the window (2023-Q4 has no prior
  history); 2025-Q1 sums both teams: active 12 + 4 = 16, returning 9 + 3 = 12 -> repeat
  purchase 75.0%; retained 8 + 3 = 11 of 10 + 5 = 15 previous -> 73.3%; cross-sold 3 of 12
  returning -> 25.0% (the mean of the team rates would be 40.0% / 70.0% / 16.7%).

Alerts (as of 2026-11-20 18:00): O101 and O103 no follow-up, L201 and L202 lead not
contacted, O102 stuck -> 5 in all, 2 / 2 / 1 by rule; by days since: O102 80, O101 50, O103
30, L201 3, L202 1.5. Team T_EAST_1 (E1, E3): O102, O101, O103; owner E1: O102, O101.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
from conftest import build_sales_published, metrics
from streamlit.testing.v1 import AppTest

from dashboards import alerts_charts, alerts_data, charts, data, sales_charts, sales_data
from dashboards.access import FULL_ACCESS

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "dashboards" / "app.py"
OVERVIEW = "pages/sales_overview.py"
ALERTS = "pages/sales_alerts.py"
DEFAULT_WINDOW = sales_data.SalesFilters(
    month_from=dt.date(2024, 4, 1), month_to=dt.date(2025, 3, 1)
)


def run_page(home: Path, monkeypatch: pytest.MonkeyPatch, page: str, lang: str = "zh") -> AppTest:
    monkeypatch.setenv("MEDOPS_HOME", str(home))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page(page).run()
    if lang != "zh":
        at.radio(key="lang").set_value(lang).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def published(sales_home: Path, monkeypatch: pytest.MonkeyPatch) -> data.Published:
    monkeypatch.setenv("MEDOPS_HOME", str(sales_home))
    source = data.current_published(FULL_ACCESS)
    assert source is not None
    return source


# --- overview page -------------------------------------------------------------------------------


def test_overview_in_chinese(sales_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(sales_home, monkeypatch, OVERVIEW)
    assert [title.value for title in at.title] == ["销售概览"]
    assert metrics(at) == {
        "签单额": "¥24.0万",
        "指标": "¥30.0万",
        "指标达成率": "80.0%",
        "赢单数": "5",
        "订单收入": "¥20.0万",
        "24小时跟进率": "43.3%",
        "平均成交金额": "¥12.0万",
    }
    assert not at.error
    league = at.dataframe[0].value
    assert league["团队"].tolist() == ["华东一组", "华南一组", "（无团队）"]
    assert league["签单额"].tolist() == [150_000, 60_000, 30_000]
    assert league["指标"].iloc[:2].tolist() == [200_000, 100_000]
    assert pd.isna(league["指标"].iloc[2]) and pd.isna(league["达成率"].iloc[2])
    assert league["达成率"].iloc[:2].tolist() == pytest.approx([0.75, 0.6])
    assert league["赢单数"].tolist() == [3, 1, 1]
    assert league["订单收入"].tolist() == [150_000, 45_000, 5_000]


def test_overview_in_english(sales_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(sales_home, monkeypatch, OVERVIEW, lang="en")
    assert [title.value for title in at.title] == ["Sales overview"]
    assert metrics(at) == {
        "Bookings": "¥240,000",
        "Quota": "¥300,000",
        "Attainment": "80.0%",
        "Deals won": "5",
        "Order revenue": "¥200,000",
        "24 h follow-up": "43.3%",
        "Average deal size": "¥120,000",
    }
    league = at.dataframe[0].value
    assert list(league.columns) == [
        "Region",
        "Team",
        "Bookings",
        "Quota",
        "Attainment",
        "Deals won",
        "Order revenue",
    ]
    assert league["Team"].iloc[-1] == "(no team)"


def test_overview_team_filter(sales_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(sales_home, monkeypatch, OVERVIEW)
    at.multiselect(key="sales_overview_teams").select("T_EAST_1").run()
    assert not at.exception
    assert metrics(at) == {
        "签单额": "¥15.0万",
        "指标": "¥20.0万",
        "指标达成率": "75.0%",  # 150,000 / 200,000
        "赢单数": "3",
        "订单收入": "¥15.0万",
        "24小时跟进率": "60.0%",  # 12 / 20
        "平均成交金额": "¥15.0万",
    }
    assert at.dataframe[0].value["团队"].tolist() == ["华东一组"]


def test_overview_region_and_month_filters(
    sales_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_page(sales_home, monkeypatch, OVERVIEW)
    at.multiselect(key="sales_overview_regions").select("华南大区").run()
    shown = metrics(at)
    assert (shown["指标达成率"], shown["赢单数"], shown["订单收入"]) == ("60.0%", "1", "¥4.5万")
    assert (shown["24小时跟进率"], shown["平均成交金额"]) == ("20.0%", "¥6.0万")
    at.multiselect(key="sales_overview_regions").unselect("华南大区").run()
    at.select_slider(key="sales_overview_months").set_range(
        dt.date(2024, 1, 1), dt.date(2025, 3, 1)
    ).run()
    assert not at.exception
    shown = metrics(at)
    assert (shown["签单额"], shown["指标达成率"], shown["赢单数"]) == ("¥34.0万", "85.0%", "6")
    assert shown["平均成交金额"] == "¥11.5万"


def test_overview_without_its_marts(
    cockpit_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for lang, words in (("zh", "缺少销售指标表"), ("en", "lacks the sales KPI marts")):
        at = run_page(cockpit_home, monkeypatch, OVERVIEW, lang=lang)  # funnel marts only
        message = at.error[0].value
        assert words in message and "medops run" in message
        for mart in sales_data.SALES_OVERVIEW_MARTS:
            assert mart in message
        assert not at.metric

    home = tmp_path / "empty_sales_home"
    build_sales_published(home / "published.duckdb", empty=True)
    for lang, words in (("zh", "还没有数据"), ("en", "hold no rows yet")):
        at = run_page(home, monkeypatch, OVERVIEW, lang=lang)
        assert words in at.info[0].value
        assert not at.error and not at.metric


# --- alerts page ---------------------------------------------------------------------------------


def test_alerts_in_chinese(sales_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(sales_home, monkeypatch, ALERTS)
    assert [title.value for title in at.title] == ["销售预警"]
    assert metrics(at) == {
        "预警合计": "5",
        "线索超时未联系": "2",
        "商机超期未跟进": "2",
        "商机阶段停滞": "1",
    }
    assert any("2026-11-20 18:00" in caption.value for caption in at.caption)
    table = at.dataframe[0].value
    assert list(table.columns) == [
        "预警规则",
        "商机/线索编号",
        "负责人",
        "直属上级",
        "团队",
        "距今天数",
        "阈值",
        "商机金额",
        "最后跟进时间",
    ]
    assert table["商机/线索编号"].tolist() == ["O102", "O101", "O103", "L201", "L202"]
    assert table["距今天数"].tolist() == [80.0, 50.0, 30.0, 3.0, 1.5]
    assert table["阈值"].tolist() == ["23.5 天", "15 天", "15 天", "24 小时", "24 小时"]
    assert table["预警规则"].iloc[0] == "商机阶段停滞"
    assert table[["负责人", "直属上级", "团队"]].iloc[0].tolist() == ["王芳", "李强", "华东一组"]
    assert table["商机金额"].iloc[0] == 1_200_000 and pd.isna(table["商机金额"].iloc[3])
    assert table["最后跟进时间"].iloc[1] == pd.Timestamp("2026-10-01 18:00")


def test_alerts_in_english(sales_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(sales_home, monkeypatch, ALERTS, lang="en")
    assert [title.value for title in at.title] == ["Alerts"]
    assert metrics(at) == {
        "All alerts": "5",
        "Lead not contacted": "2",
        "Opportunity without follow-up": "2",
        "Deal stuck in stage": "1",
    }
    table = at.dataframe[0].value
    assert table["Rule"].tolist()[:2] == ["Deal stuck in stage", "Opportunity without follow-up"]
    assert table["Threshold"].tolist() == [
        "23.5 days",
        "15 days",
        "15 days",
        "24 hours",
        "24 hours",
    ]


def test_alerts_filters(sales_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(sales_home, monkeypatch, ALERTS)
    at.multiselect(key="sales_alerts_teams").select("T_EAST_1").run()
    assert metrics(at) == {
        "预警合计": "3",
        "线索超时未联系": "0",
        "商机超期未跟进": "2",
        "商机阶段停滞": "1",
    }
    assert at.dataframe[0].value["商机/线索编号"].tolist() == ["O102", "O101", "O103"]

    at.multiselect(key="sales_alerts_owners").select("E1").run()
    assert at.dataframe[0].value["商机/线索编号"].tolist() == ["O102", "O101"]

    at.multiselect(key="sales_alerts_rules").select("no_follow_up").run()
    assert not at.exception
    assert at.dataframe[0].value["商机/线索编号"].tolist() == ["O101"]
    assert metrics(at)["商机阶段停滞"] == "1"  # the cards ignore the rule filter

    at.multiselect(key="sales_alerts_rules").set_value(["lead_not_contacted"]).run()
    assert not at.dataframe
    assert "没有预警" in at.info[0].value


def test_alerts_without_their_mart(
    cockpit_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for lang, words in (("zh", "缺少预警表"), ("en", "lacks the alerts mart")):
        at = run_page(cockpit_home, monkeypatch, ALERTS, lang=lang)
        assert words in at.error[0].value and "rpt_sales_alerts" in at.error[0].value
        assert not at.metric

    home = tmp_path / "no_alerts_home"
    build_sales_published(home / "published.duckdb", empty=True)
    for lang, words in (("zh", "当前没有预警"), ("en", "No open alerts")):
        at = run_page(home, monkeypatch, ALERTS, lang=lang)
        assert words in at.success[0].value
        assert not at.error and not at.dataframe


def test_the_executive_opens_on_the_overview(
    sales_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDOPS_HOME", str(sales_home))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert [title.value for title in at.title] == ["经营总览"]


# --- the queries -------------------------------------------------------------------------------


def test_sales_filter_options(published: data.Published) -> None:
    months = sales_data.sales_month_range(published)
    assert (months[0], months[-1], len(months)) == (dt.date(2024, 1, 1), dt.date(2025, 3, 1), 15)
    teams = sales_data.sales_teams(published)
    assert teams["team_id"].tolist() == ["T_EAST_1", "T_SOUTH_1"]
    assert teams["region_name"].tolist() == ["华东大区", "华南大区"]
    assert data.missing_marts(published, sales_data.SALES_OVERVIEW_MARTS) == []


def test_sales_kpis(published: data.Published) -> None:
    assert sales_data.sales_kpis(published, DEFAULT_WINDOW) == {
        "bookings": pytest.approx(240_000),
        "quota": pytest.approx(300_000),
        "attainment": pytest.approx(0.8),
        "deals_won": 5,
        "revenue": pytest.approx(200_000),
        "leads": 30,
        "leads_contacted_within_24h": 13,
        "share_contacted_within_24h": pytest.approx(13 / 30),
        "average_deal_size": pytest.approx(120_000),
    }
    east = sales_data.sales_kpis(published, DEFAULT_WINDOW._replace(team_ids=("T_EAST_1",)))
    assert (east["bookings"], east["quota"], east["attainment"]) == (150_000, 200_000, 0.75)
    nobody = sales_data.sales_kpis(published, DEFAULT_WINDOW._replace(team_ids=("T_NONE",)))
    assert nobody["quota"] is None and nobody["attainment"] is None
    assert nobody["share_contacted_within_24h"] is None and nobody["bookings"] == 0
    assert nobody["average_deal_size"] is None


def test_retention_by_quarter(published: data.Published) -> None:
    quarters = sales_data.retention_by_quarter(published, DEFAULT_WINDOW)
    assert [f"{q:%Y-%m}" for q in quarters["quarter_start"]] == ["2024-10", "2025-01"]
    running = quarters.iloc[1]
    assert (running["customers_active"], running["customers_returning"]) == (16, 12)
    assert [
        running["repeat_purchase_rate"],
        running["retention_rate"],
        running["cross_sell_rate"],
    ] == pytest.approx([0.75, 11 / 15, 0.25])
    assert quarters["is_complete_quarter"].tolist() == [True, False]
    south = sales_data.retention_by_quarter(
        published, DEFAULT_WINDOW._replace(team_ids=("T_SOUTH_1",))
    )
    assert south["retention_rate"].tolist() == pytest.approx([0.6])


def test_retention_on_the_overview(sales_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(sales_home, monkeypatch, OVERVIEW)
    table = at.dataframe[1].value
    assert table["季度"].tolist() == ["2024-Q4", "2025-Q1（进行中）"]
    assert table["留存率"].tolist() == pytest.approx([7 / 9, 11 / 15])
    assert table["流失客户"].tolist() == [2, 4]


def test_bookings_by_month(published: data.Published) -> None:
    monthly = sales_data.bookings_by_month(published, DEFAULT_WINDOW)
    assert len(monthly) == 12  # every month of the window, zeros included
    by_month = monthly.set_index(monthly["month_start"].map(lambda m: f"{m:%Y-%m}"))
    assert by_month.loc["2025-01", ["bookings", "quota"]].tolist() == [140_000, 150_000]
    assert by_month.loc["2025-02", ["bookings", "quota"]].tolist() == [100_000, 150_000]
    assert by_month.loc["2025-01", "attainment"] == pytest.approx(140 / 150)
    assert by_month.loc["2025-03", ["bookings", "quota"]].tolist() == [0, 0]
    assert pd.isna(by_month.loc["2025-03", "attainment"])


def test_team_league(published: data.Published) -> None:
    league = sales_data.team_league(published, DEFAULT_WINDOW._replace(region_names=("华东大区",)))
    assert league[["team_id", "bookings", "quota", "deals_won", "revenue"]].values.tolist() == [
        ["T_EAST_1", 150_000, 200_000, 3, 150_000]
    ]
    whole = sales_data.team_league(
        published, DEFAULT_WINDOW._replace(month_from=dt.date(2024, 1, 1))
    )
    east = whole.set_index("team_id").loc["T_EAST_1"]
    assert east["attainment"] == pytest.approx(250_000 / 300_000)


def test_alert_queries(published: data.Published) -> None:
    assert alerts_data.alerts_as_of(published) == dt.datetime(2026, 11, 20, 18)
    assert alerts_data.alert_rules(published)["alert_rule"].tolist() == [
        "lead_not_contacted",
        "no_follow_up",
        "stuck_in_stage",
    ]
    # by region, team, then name: 华东 before 华南, 刘洋 (E3) before 王芳 (E1)
    assert alerts_data.alert_owners(published)["owner_id"].tolist() == ["E3", "E1", "E2"]
    everything = alerts_data.AlertFilters()
    assert alerts_data.alert_counts(published, everything) == {
        "no_follow_up": 2,
        "lead_not_contacted": 2,
        "stuck_in_stage": 1,
    }
    south = alerts_data.AlertFilters(region_names=("华南大区",), rules=("no_follow_up",))
    assert alerts_data.alert_counts(published, south) == {"lead_not_contacted": 1}
    assert alerts_data.sales_alerts(published, south).empty
    alerts = alerts_data.sales_alerts(published, everything)
    assert alerts["subject_id"].tolist() == ["O102", "O101", "O103", "L201", "L202"]


# --- formatting and export ----------------------------------------------------------------------


def test_threshold_format() -> None:
    assert alerts_charts.format_threshold(15.0, "days", "zh") == "15 天"
    assert alerts_charts.format_threshold(23.46, "days", "en") == "23.5 days"
    assert alerts_charts.format_threshold(24.0, "hours", "en") == "24 hours"
    assert alerts_charts.format_threshold(None, "days", "zh") == "—"


def test_excel_exports(published: data.Published) -> None:
    league = sales_charts.league_table(sales_data.team_league(published, DEFAULT_WINDOW), "zh")
    workbook = charts.table_to_excel(
        league,
        sheet_name="销售概览",
        lang="zh",
        number_formats=sales_charts.league_excel_formats("zh"),
    )
    back = pd.read_excel(io.BytesIO(workbook), sheet_name="销售概览")
    assert back["签单额"].tolist() == [150_000, 60_000, 30_000]
    assert back["达成率"].iloc[:2].tolist() == pytest.approx([0.75, 0.6])

    alerts = alerts_charts.alerts_table(
        alerts_data.sales_alerts(published, alerts_data.AlertFilters()), "en"
    )
    workbook = charts.table_to_excel(
        alerts,
        sheet_name="Alerts",
        lang="en",
        number_formats=alerts_charts.alerts_excel_formats("en"),
    )
    back = pd.read_excel(io.BytesIO(workbook), sheet_name="Alerts")
    assert back["Deal / lead"].tolist() == ["O102", "O101", "O103", "L201", "L202"]
    assert back["Threshold"].iloc[0] == "23.5 days"


def test_planned_quota_of_months_not_begun_does_not_extend_the_window(
    sales_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole year's quota is planned ahead: 2025-12's quota without bookings must not move
    the default window past 2025-03 (the last month with bookings, revenue or leads), or the
    attainment would count months not yet begun."""
    import duckdb

    con = duckdb.connect(str(sales_home / "published.duckdb"))
    con.execute(
        "insert into rpt_quota_attainment_monthly (month_start, employee_id, quota_amount, "
        "deals_won, bookings_amount) values ('2025-12-01', 'E1', 100000, 0, 0)"
    )
    con.close()
    monkeypatch.setenv("MEDOPS_HOME", str(sales_home))
    months = sales_data.sales_month_range(data.current_published(FULL_ACCESS))
    assert months[-1] == dt.date(2025, 3, 1)
