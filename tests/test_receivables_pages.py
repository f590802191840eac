"""The finance pages (AppTest) and the aging workbook, on a published file with hand-written
rows of the receivables marts (columns and types from their enforced contracts).

Expected figures worked out by hand from the rows below. As of 2026-10-31:
- S1 (华东大区 / 华东一组 / 王芳 / 医院甲) 1,000 not yet due;
  S2 (华东大区 / 华东一组 / 王芳 / 医院乙) 2,500 in 31-60 days, late fee 50;
  S3 instalment 1 (华南大区 / 华南一组 / 陈静 / 经销商丙) 4,000 over 365 days, late fee 400;
  S3 instalment 2 600 not yet due.
- company: 8,100 outstanding ("¥8,100"), 6,500 overdue, 450 late fees; not yet due 1,600,
  31-60 days 2,500, over 365 days 4,000.
- regions: 华南大区 4,600 (overdue 4,000), 华东大区 3,500 (overdue 2,500).
As of 2026-09-30 (a month-end): only S1, 3,000 in 1-30 days.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import duckdb
import openpyxl
import pytest
import yaml
from conftest import add_export_shape, metrics
from streamlit.testing.v1 import AppTest

from dashboards import receivables_data as ar
from dashboards.access import FULL_ACCESS
from dashboards.receivables_excel import CNY_FORMAT, aging_workbook

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "dashboards" / "app.py"
MODELS_YML = REPO_ROOT / "dbt" / "models" / "marts" / "receivables" / "_receivables__models.yml"
AGING = "pages/receivables_aging.py"
OVERVIEW = "pages/receivables_overview.py"
COMPLIANCE = "pages/receivables_compliance.py"
OCT, SEP = dt.date(2026, 10, 31), dt.date(2026, 9, 30)

EAST = {"region_id": "R_EAST", "region_name": "华东大区", "team_id": "T1", "team_name": "华东一组"}
SOUTH = {
    "region_id": "R_SOUTH",
    "region_name": "华南大区",
    "team_id": "T2",
    "team_name": "华南一组",
}
WANG = {"owner_id": "E1", "owner_name": "王芳", **EAST}
CHEN = {"owner_id": "E2", "owner_name": "陈静", **SOUTH}


def _open(as_of, stmt, no, account, name, person, amount, bucket, days, fee):
    return {
        "as_of_date": as_of,
        "is_month_end": True,
        "is_latest": as_of == OCT,
        "statement_id": stmt,
        "installment_no": no,
        "account_id": account,
        "account_name": name,
        **person,
        "open_amount": amount,
        "installment_amount": amount,
        "statement_amount": amount,
        "days_past_due": days,
        "is_overdue": days > 0,
        "due_bucket_code": bucket,
        "document_bucket_code": "days_61_90",
        "late_fee_accrued": fee,
    }


SNAPSHOT = [
    _open(OCT, "S1", 1, "A1", "医院甲", WANG, 1000, "not_yet_due", -10, 0),
    _open(OCT, "S2", 1, "A2", "医院乙", WANG, 2500, "days_31_60", 40, 50),
    _open(OCT, "S3", 1, "A3", "经销商丙", CHEN, 4000, "over_365", 400, 400),
    _open(OCT, "S3", 2, "A3", "经销商丙", CHEN, 600, "not_yet_due", -50, 0),
    _open(SEP, "S1", 1, "A1", "医院甲", WANG, 3000, "days_1_30", 5, 0),
]
BUCKETS = [
    ("not_yet_due", 1, None, 0, "未到期", "Not yet due"),
    ("days_1_30", 2, 1, 30, "逾期1-30天", "1-30 days"),
    ("days_31_60", 3, 31, 60, "逾期31-60天", "31-60 days"),
    ("days_61_90", 4, 61, 90, "逾期61-90天", "61-90 days"),
    ("days_91_180", 5, 91, 180, "逾期91-180天", "91-180 days"),
    ("days_181_365", 6, 181, 365, "逾期181-365天", "181-365 days"),
    ("over_365", 7, 366, None, "逾期365天以上", "Over 365 days"),
]
KPIS = [
    {
        "month_start": SEP.replace(day=1),
        "month_end": SEP,
        "outstanding_amount": 3000,
        "overdue_amount": 3000,
        "share_overdue": 1.0,
        "dso_days": 90.0,
        "collection_effectiveness": 0.5,
        "reconciliation_rate": 0.9,
        "unapplied_cash_amount": 0,
    },
    {
        "month_start": OCT.replace(day=1),
        "month_end": OCT,
        "outstanding_amount": 8100,
        "overdue_amount": 6500,
        "share_overdue": 6500 / 8100,
        "dso_days": 45.5,
        "collection_effectiveness": 0.8,
        "reconciliation_rate": 0.95,
        "unapplied_cash_amount": 700,
    },
]
LEAGUE = [
    {"as_of_date": OCT, "overdue_rank": 1, **CHEN, "outstanding_amount": 4600,
     "overdue_amount": 4000, "overdue_over_90_amount": 4000, "share_overdue": 4000 / 4600,
     "overdue_customers": 1, "late_fee_accrued": 400},
    {"as_of_date": OCT, "overdue_rank": 2, **WANG, "outstanding_amount": 3500,
     "overdue_amount": 2500, "overdue_over_90_amount": 0, "share_overdue": 2500 / 3500,
     "overdue_customers": 1, "late_fee_accrued": 50},
]  # fmt: skip
UNAPPLIED = [
    {"as_of_date": OCT, "account_id": "A3", "account_name": "经销商丙", "unapplied_amount": 700}
]
SOON = [
    {"as_of_date": OCT, "statement_id": "S9", "installment_no": 2, "account_name": "医院甲",
     "owner_name": "王芳", "due_on": dt.date(2026, 11, 20), "days_until_due": 20,
     "open_amount": 300},
    {"as_of_date": OCT, "statement_id": "S8", "installment_no": 1, "account_name": "医院乙",
     "owner_name": "王芳", "due_on": dt.date(2026, 11, 5), "days_until_due": 5,
     "open_amount": 900},
]  # fmt: skip
EXCEPTIONS = [
    {"exception_id": "discount:O1:1", "exception_type": "discount", "contract_id": "HT1",
     "order_id": "O1", "line_no": 1, "account_name": "医院甲", "expected_value": "0.7",
     "actual_value": "0.62", "amount_at_stake": 8000},
    {"exception_id": "no_contract:O2", "exception_type": "no_contract", "order_id": "O2",
     "account_name": "医院乙", "amount_at_stake": 1200},
    {"exception_id": "discount:O3:2", "exception_type": "discount", "contract_id": "HT2",
     "order_id": "O3", "line_no": 2, "account_name": "经销商丙", "expected_value": "0.8",
     "actual_value": "0.75", "amount_at_stake": 500},
]  # fmt: skip


def contracts() -> dict[str, dict[str, str]]:
    models = yaml.safe_load(MODELS_YML.read_text(encoding="utf-8"))["models"]
    return {m["name"]: {c["name"]: c["data_type"] for c in m["columns"]} for m in models}


def build_published(path: Path) -> Path:
    rows = {
        "fct_ar_aging_snapshot": SNAPSHOT,
        "rpt_ar_kpis_monthly": KPIS,
        "rpt_ar_rep_league": LEAGUE,
        "rpt_ar_unapplied_cash": UNAPPLIED,
        "rpt_ar_expected_overdue": SOON,
        "rpt_contract_compliance_exceptions": EXCEPTIONS,
        "dim_ar_aging_buckets": [
            dict(
                zip(
                    [
                        "bucket_code",
                        "bucket_order",
                        "min_days",
                        "max_days",
                        "bucket_name_zh",
                        "bucket_name_en",
                    ],
                    b,
                    strict=True,
                )
            )
            for b in BUCKETS
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        for mart, columns in contracts().items():
            ddl = ", ".join(f"{name} {data_type}" for name, data_type in columns.items())
            con.execute(f"create table {mart} ({ddl})")
            for row in rows.get(mart, []):
                names = list(columns)
                con.execute(
                    f"insert into {mart} ({', '.join(names)}) values "
                    f"({', '.join('?' * len(names))})",
                    [row.get(name) for name in names],
                )
    finally:
        con.close()
    return path


@pytest.fixture
def finance_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "finance_home"
    build_published(home / "published.duckdb")
    monkeypatch.setenv("MEDOPS_HOME", str(home))
    return home


def run_page(page: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_aging_page_company_then_region(finance_home: Path) -> None:
    at = run_page(AGING)
    assert [title.value for title in at.title] == ["应收账龄"]
    assert metrics(at) == {
        "应收余额（2026-10-31）": "¥8,100",
        "逾期金额（2026-10-31）": "¥6,500",
        "应计滞纳金（2026-10-31）": "¥450",
    }
    table = at.dataframe[0].value
    assert list(table["名称"]) == ["华南大区", "华东大区"]
    assert list(table["应收合计"]) == [4600, 3500]
    assert list(table["其中逾期"]) == [4000, 2500]
    assert list(table["逾期365天以上"]) == [4000, 0]
    assert list(table["未到期"]) == [600, 1000]


def test_aging_page_drills_down_to_statements(finance_home: Path) -> None:
    at = run_page(AGING)
    at.selectbox(key="receivables_pick_region").set_value("R_EAST").run()
    at.selectbox(key="receivables_pick_team").set_value("T1").run()
    at.selectbox(key="receivables_pick_rep").set_value("E1").run()
    table = at.dataframe[0].value
    assert list(table["名称"]) == ["医院乙", "医院甲"]  # the customer level under 王芳
    at.selectbox(key="receivables_pick_customer").set_value("A2").run()
    table = at.dataframe[0].value
    assert list(table["名称"]) == ["S2"] and list(table["逾期31-60天"]) == [2500]
    assert metrics(at)["应收余额（2026-10-31）"] == "¥2,500"


def test_aging_page_past_month_end(finance_home: Path) -> None:
    at = run_page(AGING)
    at.selectbox(key="receivables_as_of").set_value(SEP).run()
    assert metrics(at)["应收余额（2026-09-30）"] == "¥3,000"  # the date it shows
    table = at.dataframe[0].value
    assert list(table["名称"]) == ["华东大区"] and list(table["逾期1-30天"]) == [3000]


def test_overview_page(finance_home: Path) -> None:
    at = run_page(OVERVIEW)
    values = metrics(at)
    assert values["应收余额（2026-10-31）"] == "¥8,100"  # the aging page's latest date too
    assert values["逾期占比"] == "80.2%"  # 6,500 / 8,100
    assert values["DSO（天）"] == "45.5"
    assert values["未核销回款"] == "¥700"
    league = at.dataframe[0].value
    assert list(league["销售代表"]) == ["陈静", "王芳"]
    top = at.dataframe[1].value
    assert list(top["客户"]) == ["经销商丙", "医院乙"]
    assert list(top["未核销回款"]) == [700, 0]
    soon = at.dataframe[2].value  # soonest due first
    assert list(soon["对账单号"]) == ["S8", "S9"] and list(soon["未结金额"]) == [900, 300]


def test_pages_say_when_receivables_come_from_an_invoice_ledger(finance_home: Path) -> None:
    assert [info.value for info in run_page(AGING).info] == []  # full ERP exports: no note
    add_export_shape(finance_home / "published.duckdb", "receivables", "invoice_ledger", 64)
    for page in (AGING, OVERVIEW):
        notes = [info.value for info in run_page(page).info]
        assert len(notes) == 1 and notes[0].startswith("应收来自发票台账："), (page, notes)


def test_compliance_page(finance_home: Path) -> None:
    at = run_page(COMPLIANCE)
    values = {m.label: (m.value, m.delta) for m in at.metric}
    assert values["折扣偏离审批"] == ("¥8,500", "2 例外数")
    assert values["无合同订单"] == ("¥1,200", "1 例外数")
    table = at.dataframe[0].value
    assert list(table["涉及金额"]) == [8000, 1200, 500]
    at.multiselect(key="receivables_exception_types").set_value(["no_contract"]).run()
    assert list(at.dataframe[0].value["订单编号"]) == ["O2"]


def test_aging_workbook_layout(finance_home: Path) -> None:
    from dashboards.data import current_published

    source = current_published(FULL_ACCESS)
    selection = ar.AgingSelection(as_of_date=OCT)
    sheets = {
        "公司": ar.aging_table(source, selection, "company"),
        "大区": ar.aging_table(source, selection, "region"),
    }
    columns = {code: name for code, _, _, _, name, _ in BUCKETS} | {"total": "应收合计"}
    book = openpyxl.load_workbook(
        io.BytesIO(aging_workbook(sheets, columns, "名称", "合计", "应收账龄表 2026-10-31"))
    )
    assert book.sheetnames == ["公司", "大区"]
    region = book["大区"]
    assert region["A1"].value == "应收账龄表 2026-10-31"
    assert [c.value for c in region[2]] == ["名称", *columns.values()]
    assert region.freeze_panes == "B3"
    assert [region.cell(row=r, column=1).value for r in (3, 4, 5)] == [
        "华南大区",
        "华东大区",
        "合计",
    ]
    totals = [c.value for c in region[5]][1:]
    # not yet due 1,600; 31-60 2,500; over 365 4,000; total 8,100
    assert totals == [1600, 0, 2500, 0, 0, 0, 4000, 8100]
    assert region["H5"].font.bold and region["I3"].number_format == CNY_FORMAT
    assert [c.value for c in book["公司"][3]][-1] == 8100


def test_overview_page_shows_a_closed_month_as_frozen(finance_home: Path) -> None:
    """September was closed at 3,200 outstanding; the exports corrected it to 3,000 since."""
    con = duckdb.connect(str(finance_home / "published.duckdb"))
    try:
        con.execute(
            "create table closed_ar_kpis as select date '2026-09-01' as closed_month, "
            "timestamp '2026-10-08 04:00' as closed_at, * replace (3200 as outstanding_amount) "
            "from rpt_ar_kpis_monthly where month_end = ?",
            [SEP],
        )
    finally:
        con.close()
    at = run_page(OVERVIEW)
    assert metrics(at)["应收余额（2026-10-31）"] == "¥8,100"  # October is open: the marts' figure
    [note] = [c.value for c in at.caption if "已关账" in c.value]
    assert note.startswith("已关账的 1 个月（至 2026-09）显示关账时冻结的数字。")
    assert note.endswith("记入下月调整：2026-09 -¥200")
