"""The cockpit's service pages (AppTest) on a hand-written published file.

Tables take their columns and types from the service marts' enforced contracts
(dbt/models/marts/service/_service__models.yml); only the columns the pages read are filled.
Expected figures, worked out by hand from the rows below:

Cockpit, all filters empty (months 2025-10 .. 2025-11, both in the default window):
- acceptance minutes 30, 60, 96, 120 -> median 78 min = "1.3 h";
- resolution minutes of the resolved tickets T1 600, T2 1200, T4 900 -> median 900 = "15.0 h";
- first-time fix T1 yes, T2 no, T4 yes -> 2 / 3 = 66.7%; repeat fault T1 no, T2 yes, T4 not yet
  judged -> 1 / 2 = 50.0%; reopened T2 of closed T1, T2, T4 -> 33.3%; remote T1 of the three
  resolved -> 33.3%; CSAT (5 + 3 + 4) / 3 = 4.00;
- SLA: 8 finished targets, 6 met (T2 arrival and resolution breached; T3's open resolution is
  not counted) -> 75.0%, target 95.0% -> delta -20.0%.
Region 华南大区 only (T3, T4): acceptance 96, 120 -> 108 min = "1.8 h"; SLA 3 of 3 = 100.0%;
CSAT 4.00.
Open tickets: T5 breached (华东), T3 at risk and due today (华南) -> breached first. One
resolution breached (T2), explained by its wait for a part.
Engineers: E2 (2 of 2 targets) above E1 (3 of 4); utilization E1 10 / 160 = 6.2%.
Assets: 3 devices, 1 under warranty, 1 under contract, 1 not seen, PM due 1, overdue 2; 华东
only: 2 devices, 0 not seen. P&L 2025-10: revenue 12,000 - cost 4,620 = margin ¥7,380.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from conftest import add_export_shape, metrics
from streamlit.testing.v1 import AppTest

from dashboards import charts, data, service_charts, service_data
from dashboards.access import FULL_ACCESS

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "dashboards" / "app.py"
COCKPIT = "pages/service_cockpit.py"
ASSETS = "pages/service_assets.py"
MODELS_YML = REPO / "dbt" / "models" / "marts" / "service" / "_service__models.yml"
AS_OF = dt.datetime(2025, 11, 20, 18, 0)


def _ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _ticket(ticket_id, region, tier, model, channel, created, **extra) -> dict:
    created_at = _ts(created)
    return {
        "ticket_id": ticket_id,
        "region_name": region,
        "service_tier": tier,
        "device_model": model,
        "channel": channel,
        "created_at": created_at,
        "created_month": created_at.date().replace(day=1),
        "as_of_at": AS_OF,
        **extra,
    }


TICKETS = [
    _ticket(
        "T1",
        "华东大区",
        "key",
        "CT机",
        "hotline",
        "2025-11-03 09:00",
        accepted_at=_ts("2025-11-03 09:30"),
        accept_business_minutes=30.0,
        first_resolved_at=_ts("2025-11-05 10:00"),
        resolve_business_minutes=600.0,
        first_closed_at=_ts("2025-11-06 10:00"),
        is_first_time_fix=True,
        is_followed_by_repeat_fault=False,
        is_reopened=False,
        resolution_mode="remote",
        satisfaction=5,
        is_open=False,
    ),
    _ticket(
        "T2",
        "华东大区",
        "standard",
        "生化仪",
        "wecom",
        "2025-11-04 09:00",
        accepted_at=_ts("2025-11-04 10:00"),
        accept_business_minutes=60.0,
        first_resolved_at=_ts("2025-11-10 10:00"),
        resolve_business_minutes=1200.0,
        first_closed_at=_ts("2025-11-11 10:00"),
        is_first_time_fix=False,
        is_followed_by_repeat_fault=True,
        is_reopened=True,
        resolution_mode="on_site",
        satisfaction=3,
        is_open=False,
    ),
    _ticket(
        "T3",
        "华南大区",
        "key",
        "CT机",
        "hotline",
        "2025-11-19 09:00",
        accepted_at=_ts("2025-11-19 10:36"),
        accept_business_minutes=96.0,
        is_reopened=False,
        resolution_mode="on_site",
        is_open=True,
    ),
    _ticket(
        "T4",
        "华南大区",
        "standard",
        "生化仪",
        "hotline",
        "2025-10-10 09:00",
        accepted_at=_ts("2025-10-10 11:00"),
        accept_business_minutes=120.0,
        first_resolved_at=_ts("2025-10-13 10:00"),
        resolve_business_minutes=900.0,
        first_closed_at=_ts("2025-10-14 10:00"),
        is_first_time_fix=True,
        is_reopened=False,
        resolution_mode="on_site",
        satisfaction=4,
        is_open=False,
    ),
]
# (ticket, target, status, month of the step)
SLA = [
    ("T1", "accept", "met", "2025-11-01"),
    ("T1", "resolve", "met", "2025-11-01"),
    ("T2", "accept", "met", "2025-11-01"),
    ("T2", "arrive", "breached", "2025-11-01"),
    ("T2", "resolve", "breached", "2025-11-01"),
    ("T3", "accept", "met", "2025-11-01"),
    ("T3", "resolve", "open_in_time", "2025-11-01"),
    ("T4", "accept", "met", "2025-10-01"),
    ("T4", "resolve", "met", "2025-10-01"),
]
OPEN = [
    {
        "ticket_id": "T3",
        "region_name": "华南大区",
        "service_tier": "key",
        "device_model": "CT机",
        "channel": "hotline",
        "current_priority": "p2_high",
        "is_breached": False,
        "is_at_risk": True,
        "is_due_today": True,
        "business_minutes_to_next_breach": 60.0,
        "next_due_at": _ts("2025-11-20 19:00"),
        "open_age_days": 1.4,
        "at_risk_horizon_business_hours": 4.0,
    },
    {
        "ticket_id": "T5",
        "region_name": "华东大区",
        "service_tier": "standard",
        "device_model": "生化仪",
        "channel": "wecom",
        "current_priority": "p3_medium",
        "is_breached": True,
        "is_at_risk": False,
        "is_due_today": False,
        "open_age_days": 12.0,
        "at_risk_horizon_business_hours": 4.0,
    },
]
ENGINEERS = [
    {
        "engineer_id": "E1",
        "engineer_name": "王工",
        "region_name": "华东大区",
        "month_start": dt.date(2025, 11, 1),
        "tickets_resolved": 2,
        "first_time_fixes": 1,
        "sla_targets_measured": 4,
        "sla_targets_met": 3,
        "ratings": 2,
        "csat_average": 4.0,
        "work_hours": 10.0,
        "travel_km": 50.0,
        "available_hours": 160.0,
    },
    {
        "engineer_id": "E2",
        "engineer_name": "李工",
        "region_name": "华南大区",
        "month_start": dt.date(2025, 10, 1),
        "tickets_resolved": 1,
        "first_time_fixes": 1,
        "sla_targets_measured": 2,
        "sla_targets_met": 2,
        "ratings": 1,
        "csat_average": 4.0,
        "work_hours": 8.0,
        "travel_km": 0.0,
        "available_hours": 168.0,
    },
]
KPI_TARGETS = [
    ("sla_attainment", "SLA达成率", "SLA attainment", 0.95, "higher"),
    ("median_accept_hours", "受理时长中位数", "Median acceptance", 0.5, "lower"),
    ("median_resolve_hours", "解决时长中位数", "Median resolution", 16.0, "lower"),
    ("first_time_fix_rate", "一次修复率", "First-time fix rate", 0.85, "higher"),
    ("repeat_fault_rate", "30天重复故障率", "Repeat-fault rate", 0.08, "lower"),
    ("reopen_rate", "重开率", "Reopen rate", 0.03, "lower"),
    ("remote_share", "远程解决占比", "Remote share", 0.4, "higher"),
    ("csat_average", "客户满意度均分", "Average CSAT", 4.5, "higher"),
]
DEVICES = [
    {
        "serial_no": "D1",
        "region_name": "华东大区",
        "device_model": "CT机",
        "coverage_status": "warranty",
        "is_not_seen_in_census": False,
        "pm_visits_due": 1,
        "pm_visits_overdue": 0,
    },
    {
        "serial_no": "D2",
        "region_name": "华南大区",
        "device_model": "生化仪",
        "coverage_status": "service_contract",
        "is_not_seen_in_census": True,
        "pm_visits_due": 0,
        "pm_visits_overdue": 2,
    },
    {
        "serial_no": "D3",
        "region_name": "华东大区",
        "device_model": "CT机",
        "coverage_status": "uncovered",
        "is_not_seen_in_census": False,
        "pm_visits_due": 0,
        "pm_visits_overdue": 0,
    },
]
RELIABILITY = [
    {
        "sku": "01",
        "device_model": "CT机",
        "devices_installed": 2,
        "device_years": 4.0,
        "tickets": 6,
        "failures_per_device_year": 1.5,
        "mean_days_between_failures": 243.5,
        "mean_time_to_repair_hours": 30.0,
    },
    {
        "sku": "02",
        "device_model": "生化仪",
        "devices_installed": 1,
        "device_years": 2.0,
        "tickets": 2,
        "failures_per_device_year": 1.0,
        "mean_days_between_failures": 365.25,
        "mean_time_to_repair_hours": 20.0,
    },
]
STOCK = [
    {
        "warehouse_id": "CK31",
        "warehouse_province": "上海市",
        "part_id": "P1",
        "stock_value": 1000,
        "is_out_of_stock": False,
        "days_of_cover": 10.0,
    },
    {
        "warehouse_id": "CK31",
        "warehouse_province": "上海市",
        "part_id": "P2",
        "stock_value": 0,
        "is_out_of_stock": True,
        "days_of_cover": None,
    },
]
PARTS = [
    {
        "month_start": dt.date(2025, 11, 1),
        "device_model": "CT机",
        "fault_type": "球管故障",
        "region_name": "华东大区",
        "part_id": "P1",
        "tickets": 1,
        "quantity": 1,
        "parts_cost": 800,
    },
]
PNL = [
    {
        "region_name": "华东大区",
        "month_start": dt.date(2025, 10, 1),
        "contract_revenue": 10000,
        "repair_revenue": 2000,
        "revenue": 12000,
        "engineer_cost": 3500,
        "travel_cost": 120,
        "parts_cost": 1000,
        "total_cost": 4620,
        "margin": 7380,
    },
    {
        "region_name": "华南大区",
        "month_start": dt.date(2025, 11, 1),
        "contract_revenue": 5000,
        "repair_revenue": 0,
        "revenue": 5000,
        "engineer_cost": 2000,
        "travel_cost": 0,
        "parts_cost": 0,
        "total_cost": 2000,
        "margin": 3000,
    },
]


def _contracts() -> dict[str, dict[str, str]]:
    models = yaml.safe_load(MODELS_YML.read_text(encoding="utf-8"))["models"]
    return {m["name"]: {c["name"]: c["data_type"] for c in m["columns"]} for m in models}


def _rows() -> dict[str, list[dict]]:
    by_ticket = {row["ticket_id"]: row for row in TICKETS}
    sla = [
        {
            **{
                k: by_ticket[ticket][k]
                for k in ("region_name", "service_tier", "device_model", "channel")
            },
            "ticket_id": ticket,
            "sla_target": target,
            "sla_status": status,
            "measured_month": dt.date.fromisoformat(month),
            "is_reached": status != "open_in_time",
            "is_met": status == "met",
            "is_breached": status == "breached",
            # T2 waited for a part; without the wait its resolution was in time
            "is_breach_due_to_parts_wait": (ticket, target) == ("T2", "resolve"),
        }
        for ticket, target, status, month in SLA
    ]
    targets = [
        dict(
            zip(
                ("kpi_code", "kpi_name_zh", "kpi_name_en", "target_value", "better"),
                row,
                strict=True,
            )
        )
        for row in KPI_TARGETS
    ]
    return {
        "fct_service_tickets": TICKETS,
        "fct_service_sla_targets": sla,
        "rpt_service_open_tickets": OPEN,
        "rpt_service_engineer_monthly": ENGINEERS,
        "rpt_service_kpi_targets": targets,
        "dim_service_devices": DEVICES,
        "rpt_service_reliability_by_model": RELIABILITY,
        "rpt_service_parts_stock": STOCK,
        "rpt_service_parts_consumption": PARTS,
        "rpt_service_pnl_monthly": PNL,
    }


def build_service_published(path: Path) -> Path:
    contracts = _contracts()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        for mart, rows in _rows().items():
            columns = contracts[mart]
            con.execute(
                f"create table {mart} ({', '.join(f'{n} {dtype}' for n, dtype in columns.items())})"
            )
            for row in rows:
                unknown = set(row) - set(columns)
                assert not unknown, (mart, unknown)
                names = list(columns)
                con.execute(
                    f"insert into {mart} values ({', '.join('?' * len(names))})",
                    [row.get(name) for name in names],
                )
    finally:
        con.close()
    return path


@pytest.fixture
def service_home(tmp_path: Path) -> Path:
    home = tmp_path / "service_home"
    build_service_published(home / "published.duckdb")
    return home


def run_page(home: Path, monkeypatch: pytest.MonkeyPatch, page: str, lang: str = "zh") -> AppTest:
    monkeypatch.setenv("MEDOPS_HOME", str(home))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page(page).run()
    if lang != "zh":
        at.radio(key="lang").set_value(lang).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_cockpit_kpi_cards(service_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(service_home, monkeypatch, COCKPIT)
    assert [title.value for title in at.title] == ["服务总监驾驶舱"]
    assert metrics(at) == {
        "SLA达成率": "75.0%",
        "受理时长中位数": "1.3 h",
        "解决时长中位数": "15.0 h",
        "一次修复率": "66.7%",
        "30天重复故障率": "50.0%",
        "重开率": "33.3%",
        "远程解决占比": "33.3%",
        "客户满意度均分": "4.00",
    }
    sla_card = next(m for m in at.metric if m.label == "SLA达成率")
    assert sla_card.proto.delta.startswith("-20.0 个百分点")  # a difference of rates


def test_cockpit_says_when_tickets_come_from_an_event_log(
    service_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = run_page(service_home, monkeypatch, COCKPIT)
    assert not any(info.value.startswith("工单来自事件日志") for info in at.info)
    add_export_shape(service_home / "published.duckdb", "service", "ticket_event_log", 28)
    at = run_page(service_home, monkeypatch, COCKPIT)
    notes = [info.value for info in at.info if info.value.startswith("工单来自事件日志")]
    assert len(notes) == 1, [info.value for info in at.info]


def test_cockpit_region_filter(service_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(service_home, monkeypatch, COCKPIT)
    at.multiselect(key="service_regions").set_value(["华南大区"]).run()
    shown = metrics(at)
    assert shown["受理时长中位数"] == "1.8 h"
    assert shown["SLA达成率"] == "100.0%"
    assert shown["客户满意度均分"] == "4.00"
    assert at.dataframe[0].value["工单编号"].tolist() == ["T3"]


def test_cockpit_open_tickets_and_engineers(service_home: Path, monkeypatch) -> None:
    at = run_page(service_home, monkeypatch, COCKPIT)
    open_table = at.dataframe[0].value
    assert open_table["工单编号"].tolist() == ["T5", "T3"]
    assert open_table["状态"].tolist() == ["已超时", "即将超时"]
    assert any(
        "未完成 2 单，已超时 1 单，4 个工作小时内到期 1 单，今日到期 1 单" in c.value
        for c in at.caption
    )
    assert any("解决超时 1 单，其中 1 单因等待备件超时" in c.value for c in at.caption)
    league = at.dataframe[1].value
    assert league["工程师"].tolist() == ["李工", "王工"]
    assert league["SLA达成率"].tolist() == pytest.approx([1.0, 0.75])
    assert league["利用率"].tolist() == pytest.approx([8 / 168, 10 / 160])


def test_cockpit_in_english(service_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(service_home, monkeypatch, COCKPIT, lang="en")
    assert [title.value for title in at.title] == ["Service director cockpit"]
    assert metrics(at)["SLA attainment"] == "75.0%"


def test_assets_page(service_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(service_home, monkeypatch, ASSETS)
    assert metrics(at) == {
        "装机设备": "3",
        "保修期内": "1",
        "服务合同内": "1",
        "盘点未见": "1",
        "保养待做": "1",
        "保养逾期": "2",
    }
    reliability, stock, parts, pnl = (frame.value for frame in at.dataframe)
    assert reliability["设备型号"].tolist() == ["CT机", "生化仪"]
    assert stock["缺货品种"].tolist() == [1]
    assert parts["备件成本"].tolist() == [800]
    assert pnl["月份"].tolist() == ["2025-10", "2025-11"]
    assert pnl["毛利"].tolist() == [7380, 3000]
    at.multiselect(key="service_assets_regions").set_value(["华东大区"]).run()
    assert metrics(at)["装机设备"] == "2" and metrics(at)["盘点未见"] == "0"


def test_excel_export_of_the_engineer_table(service_home: Path, monkeypatch) -> None:
    monkeypatch.setenv("MEDOPS_HOME", str(service_home))
    source = data.current_published(FULL_ACCESS)
    filters = service_data.ServiceFilters(
        month_from=dt.date(2025, 10, 1), month_to=dt.date(2025, 11, 1)
    )
    table = service_charts.labelled_table(
        service_data.engineer_league(source, filters), service_charts.ENGINEER_COLUMNS, "zh"
    )
    workbook = charts.table_to_excel(
        table,
        sheet_name="工程师排行",
        lang="zh",
        number_formats=service_charts.excel_formats(service_charts.ENGINEER_FORMATS, "zh"),
    )
    back = pd.read_excel(io.BytesIO(workbook), sheet_name="工程师排行")
    assert back["工程师"].tolist() == ["李工", "王工"]
    assert back["解决工单"].tolist() == [1, 2]
