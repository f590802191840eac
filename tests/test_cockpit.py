"""The cockpit's sales-funnel page, run headless with Streamlit's AppTest, and its queries.

The published file comes from the ``cockpit_home`` fixture (tests/conftest.py): six
hand-written opportunities. Expected figures are worked out by hand from those rows:

- the data runs from 2024-03 (O6) to 2025-06 (O5), so the default window (last 12 months)
  is 2024-07 .. 2025-06 and holds O1..O5 (O6 entered the funnel in 2024-03);
- O1..O5: 5 opportunities, O1 and O3 won -> win rate 2 / 5 = 40.0%; won amount
  1,200,000 + 350,000 = ¥1,550,000; days qualification -> won: O1 2025-01-10 -> 2025-03-01 =
  50, O3 2025-03-15 -> 2025-05-20 = 66, median 58.0;
- team T_EAST_1 (O1, O2, O5; region R_EAST, province P_JS): 3 opportunities, 1 won -> 33.3%;
  its reps: U1 (O1, O2) and U2 (O5; O6 is outside the window);
- the whole range (O1..O6): 6 opportunities, 3 won -> 50.0%; days to win 50, 66, 61 -> 61.0;
- lost in the window: O2 (价格因素, ¥800,000) and O5 (no reason given, ¥60,000);
- O5 was exported with its current stage only (no stage history): 1 of the 5 in the window.
"""

from __future__ import annotations

import ast
import datetime as dt
import io
import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import metrics
from streamlit.testing.v1 import AppTest

from dashboards import charts, data, funnel_charts, funnel_data
from dashboards.access import FULL_ACCESS

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "dashboards" / "app.py"
FUNNEL_PAGE = "pages/sales_funnel.py"
DEFAULT_WINDOW = funnel_data.FunnelFilters(
    month_from=dt.date(2024, 7, 1), month_to=dt.date(2025, 6, 1)
)


@pytest.fixture
def published(cockpit_home: Path, monkeypatch: pytest.MonkeyPatch) -> data.Published:
    monkeypatch.setenv("MEDOPS_HOME", str(cockpit_home))
    source = data.current_published(FULL_ACCESS)
    assert source is not None
    return source


@pytest.fixture
def app(published: data.Published) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page(FUNNEL_PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# --- the page ----------------------------------------------------------------------------------


def test_funnel_page_shows_the_default_window_kpis(app: AppTest) -> None:
    assert [title.value for title in app.title] == ["销售漏斗"]
    assert metrics(app) == {
        "新增商机": "5",
        "赢单数": "2",
        "赢单率": "40.0%",
        "赢单金额": "¥155.0万",
        "成交周期中位数（天）": "58.0",
    }


def test_deals_without_stage_history_are_said_on_the_page(app: AppTest) -> None:
    assert [info.value for info in app.info] == [
        "1 / 5 个商机的导出只有当前阶段：其间阶段为推断，阶段停留时间不可用。"
    ]


def test_conversion_table_on_the_page(app: AppTest) -> None:
    table = app.dataframe[0].value
    assert table["阶段"].tolist() == ["初步接洽", "需求确认", "方案报价", "商务谈判", "赢单"]
    assert table["到达商机数"].tolist() == [5, 4, 3, 2, 2]
    assert table["推进到下一阶段"].tolist() == [4, 3, 2, 2, 0]


def test_drill_down_from_region_to_rep(app: AppTest) -> None:
    # at company level the breakdown is by region
    assert app.dataframe[1].value["分组"].tolist() == ["华东大区", "华南大区"]
    app.selectbox(key="sales_funnel_region").select("R_EAST").run()
    assert not app.exception
    shown = metrics(app)
    assert (shown["新增商机"], shown["赢单数"], shown["赢单率"]) == ("3", "1", "33.3%")
    assert shown["成交周期中位数（天）"] == "50.0"
    assert app.dataframe[1].value["分组"].tolist() == ["江苏省区"]
    # the province picker offers only the region's province units
    assert app.selectbox(key="sales_funnel_province").options == ["江苏省区"]
    app.selectbox(key="sales_funnel_province").select("P_JS").run()
    app.selectbox(key="sales_funnel_team").select("T_EAST_1").run()
    reps = app.dataframe[1].value.set_index("分组")
    assert reps["进入漏斗"].to_dict() == {"张伟": 2, "李娜": 1}
    assert reps["赢单数"].to_dict() == {"张伟": 1, "李娜": 0}
    app.selectbox(key="sales_funnel_owner").select("U2").run()
    assert metrics(app)["新增商机"] == "1"


def test_lost_reasons_on_the_page(app: AppTest) -> None:
    table = app.dataframe[2].value
    assert table["输单原因"].tolist() == ["价格因素", "（未填写）"]
    assert table["输单数"].tolist() == [1, 1]
    assert table["输单金额"].tolist() == [800_000, 60_000]


def test_month_range_covers_all_data(app: AppTest) -> None:
    app.select_slider(key="sales_funnel_months").set_range(
        dt.date(2024, 3, 1), dt.date(2025, 6, 1)
    ).run()
    assert not app.exception
    shown = metrics(app)
    assert (shown["新增商机"], shown["赢单数"], shown["赢单率"]) == ("6", "3", "50.0%")
    assert shown["成交周期中位数（天）"] == "61.0"


def test_switch_to_english(app: AppTest) -> None:
    app.radio(key="lang").set_value("en").run()
    assert not app.exception
    assert [title.value for title in app.title] == ["Sales funnel"]
    assert metrics(app)["Win rate"] == "40.0%"
    assert "Stage" in app.dataframe[0].value.columns
    assert app.dataframe[0].value["Stage"].iloc[-1] == "Won"


def test_filters_without_deals_show_a_message(app: AppTest) -> None:
    app.select_slider(key="sales_funnel_months").set_range(
        dt.date(2024, 7, 1), dt.date(2024, 12, 1)
    ).run()
    assert not app.exception
    assert metrics(app)["新增商机"] == "0"
    assert metrics(app)["赢单率"] == "—"
    assert any("没有商机" in info.value for info in app.info)


def test_missing_published_file_explains_what_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDOPS_HOME", str(tmp_path / "empty_home"))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    message = " ".join(warning.value for warning in at.warning)
    assert "medops run" in message and "make demo" in message
    assert "尚未找到" in message and "No published data" in message


# --- the queries -------------------------------------------------------------------------------


def test_funnel_by_stage_counts_and_percentiles(published: data.Published) -> None:
    stages = funnel_data.funnel_by_stage(published, DEFAULT_WINDOW)
    assert stages["stage_code"].tolist() == [
        "qualification",
        "needs_analysis",
        "proposal",
        "negotiation",
        "won",
    ]
    assert stages["opportunities_reached"].tolist() == [5, 4, 3, 2, 2]
    assert stages["opportunities_advanced"].tolist() == [4, 3, 2, 2, 0]
    assert stages["conversion_rate"].iloc[:4].tolist() == pytest.approx([0.8, 0.75, 2 / 3, 1.0])
    assert pd.isna(stages["conversion_rate"].iloc[4])
    # completed stays only: O3 skipped needs_analysis and O4 is still in it
    assert stages["stays_completed"].tolist() == [5, 2, 3, 2, 0]
    # qualification days 4, 5, 8, 10, 17; needs_analysis 12, 20; proposal 15, 25, 30;
    # negotiation 13, 24 (linear interpolation for the percentiles)
    assert stages["median_days_in_stage"].iloc[:4].tolist() == pytest.approx([8, 16, 25, 18.5])
    assert stages["p75_days_in_stage"].iloc[:4].tolist() == pytest.approx([10, 18, 27.5, 21.25])
    assert stages["p90_days_in_stage"].iloc[:4].tolist() == pytest.approx([14.2, 19.2, 29, 22.9])
    assert stages["amount_reached"].iloc[-1] == pytest.approx(1_550_000)


def test_funnel_by_stage_under_a_product_line_filter(published: data.Published) -> None:
    filters = DEFAULT_WINDOW._replace(product_lines=("lab_reagents",))  # O3, O4, O5
    stages = funnel_data.funnel_by_stage(published, filters).set_index("stage_code")
    assert stages["opportunities_reached"].tolist() == [3, 2, 1, 1, 1]
    assert stages.loc["qualification", "median_days_in_stage"] == pytest.approx(8)  # 4, 8, 17
    assert stages.loc["needs_analysis", "conversion_rate"] == pytest.approx(0.5)
    assert stages.loc["needs_analysis", "stays_completed"] == 0
    assert pd.isna(stages.loc["needs_analysis", "median_days_in_stage"])


def test_funnel_kpis(published: data.Published) -> None:
    assert funnel_data.funnel_kpis(published, DEFAULT_WINDOW) == {
        "opportunities": 5,
        "won": 2,
        "win_rate": pytest.approx(0.4),
        "won_amount": pytest.approx(1_550_000),
        "median_days_to_win": pytest.approx(58),
        "current_stage_only": 1,
    }
    south = funnel_data.funnel_kpis(published, DEFAULT_WINDOW._replace(team_ids=("T_SOUTH_1",)))
    assert (south["opportunities"], south["won"], south["median_days_to_win"]) == (2, 1, 66)
    nobody = funnel_data.funnel_kpis(published, DEFAULT_WINDOW._replace(team_ids=("T_NONE",)))
    assert nobody["opportunities"] == 0 and nobody["win_rate"] is None


def test_monthly_trend(published: data.Published) -> None:
    trend = funnel_data.monthly_trend(published, DEFAULT_WINDOW)
    assert len(trend) == 12  # every month of the window, zeros included
    by_month = trend.set_index(trend["month_start"].map(lambda m: f"{m:%Y-%m}"))
    assert by_month["opportunities_new"].to_dict() == {
        **{f"2024-{m:02d}": 0 for m in range(7, 13)},
        "2025-01": 1,
        "2025-02": 1,
        "2025-03": 1,
        "2025-04": 1,
        "2025-05": 0,
        "2025-06": 1,
    }
    assert by_month["opportunities_won"].sum() == 2
    assert by_month.loc["2025-03", "opportunities_won"] == 1  # O1
    assert by_month.loc["2025-05", "opportunities_won"] == 1  # O3


def test_filter_options(published: data.Published) -> None:
    months = funnel_data.month_range(published)
    assert (months[0], months[-1], len(months)) == (dt.date(2024, 3, 1), dt.date(2025, 6, 1), 16)
    org = funnel_data.funnel_org(published)
    assert org["owner_name"].tolist() == ["张伟", "李娜", "王芳"]
    assert org["region_id"].tolist() == ["R_EAST", "R_EAST", "R_SOUTH"]
    assert funnel_data.code_names(published, "product_line", "zh") == {
        "imaging_equipment": "影像设备",
        "lab_reagents": "检验试剂",
    }
    assert funnel_data.code_names(published, "channel", "en") == {
        "direct": "Direct",
        "distributor": "Distributor",
    }
    assert data.missing_marts(published, funnel_data.SALES_FUNNEL_MARTS) == []


def test_channel_and_lead_source_filters(published: data.Published) -> None:
    distributor = funnel_data.funnel_kpis(
        published, DEFAULT_WINDOW._replace(channels=("distributor",))
    )
    assert (distributor["opportunities"], distributor["won"]) == (1, 1)  # O3
    website = funnel_data.funnel_kpis(published, DEFAULT_WINDOW._replace(lead_sources=("website",)))
    assert (website["opportunities"], website["won"]) == (2, 0)  # O2, O5


def test_breakdown_by_region(published: data.Published) -> None:
    regions = funnel_data.funnel_breakdown(published, DEFAULT_WINDOW, "region").set_index(
        "group_key"
    )
    assert regions["opportunities"].to_dict() == {"R_EAST": 3, "R_SOUTH": 2}
    assert regions["won"].to_dict() == {"R_EAST": 1, "R_SOUTH": 1}
    assert regions.loc["R_EAST", "win_rate"] == pytest.approx(1 / 3)
    assert regions.loc["R_EAST", "average_deal_size"] == pytest.approx(1_200_000)
    assert regions.loc["R_SOUTH", "median_days_to_win"] == pytest.approx(66)
    # R_EAST: qualification O1, O2 advanced of O1, O2, O5; needs analysis O1, O2 of O1, O2;
    # proposal O1 of O1, O2; negotiation O1 of O1
    east = regions.loc["R_EAST"]
    assert [
        east["conversion_qualification"],
        east["conversion_needs_analysis"],
        east["conversion_proposal"],
        east["conversion_negotiation"],
    ] == pytest.approx([2 / 3, 1.0, 0.5, 1.0])
    assert "conversion_won" not in regions.columns


def test_breakdown_by_lead_source_keeps_deals_without_one(published: data.Published) -> None:
    sources = funnel_data.funnel_breakdown(published, DEFAULT_WINDOW, "lead_source")
    by_key = dict(zip(sources["group_key"], sources["opportunities"], strict=True))
    assert by_key == {"website": 2, "trade_show": 1, "referral": 1, None: 1}
    table = funnel_charts.breakdown_table(
        sources,
        funnel_data.funnel_by_stage(published, DEFAULT_WINDOW),
        "en",
        {"website": "Website"},
    )
    assert "(none)" in table["Group"].tolist() and "Website" in table["Group"].tolist()
    assert "Needs analysis conversion" in table.columns


def test_lost_reasons_in_english(published: data.Published) -> None:
    reasons = funnel_data.funnel_lost_reasons(published, DEFAULT_WINDOW, "en")
    assert reasons["reason_name"].tolist() == ["Price", None]
    assert reasons["share"].tolist() == pytest.approx([0.5, 0.5])
    table = funnel_charts.lost_reasons_table(reasons, "en")
    assert table["Lost reason"].tolist() == ["Price", "(not given)"]


# --- formatting and export ----------------------------------------------------------------------


def test_formats() -> None:
    assert charts.format_cny(1_234_567) == "¥1,234,567"
    assert charts.format_cny(None) == "—"
    assert charts.format_cny_compact(1_550_000, "zh") == "¥155.0万"
    assert charts.format_cny_compact(113_215_000, "zh") == "¥1.13亿"
    assert charts.format_cny_compact(1_550_000, "en") == "¥1.55M"
    assert charts.format_cny_compact(9_999, "zh") == "¥9,999"
    assert charts.format_count_compact(3_301_779, "zh") == "330.2万"
    assert charts.format_count_compact(3_301_779, "en") == "3.30M"
    assert charts.format_count_compact(4_999, "zh") == "4,999"
    assert charts.format_percent(1 / 3) == "33.3%"
    assert charts.format_percent(math.nan) == "—"


def test_excel_export(published: data.Published) -> None:
    table = funnel_charts.conversion_table(
        funnel_data.funnel_by_stage(published, DEFAULT_WINDOW), "zh"
    )
    workbook = charts.table_to_excel(table, sheet_name="销售漏斗", lang="zh")
    back = pd.read_excel(io.BytesIO(workbook), sheet_name="销售漏斗")
    assert back["到达商机数"].tolist() == [5, 4, 3, 2, 2]


def test_dashboards_import_no_pipeline_code() -> None:
    for module in (REPO_ROOT / "dashboards").rglob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        imported |= {
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        }
        roots = {name.split(".")[0] for name in imported}
        assert not roots & {"ingest", "dagster_project"}, module


def test_published_file_without_sales_marts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "other_marts_home"
    home.mkdir()
    con = duckdb.connect(str(home / "published.duckdb"))
    con.execute("create table dim_something (id integer)")
    con.close()
    monkeypatch.setenv("MEDOPS_HOME", str(home))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page(FUNNEL_PAGE).run()
    assert not at.exception
    assert "fct_funnel_stage_reached" in at.error[0].value
    assert "dim_lost_reasons" in at.error[0].value
