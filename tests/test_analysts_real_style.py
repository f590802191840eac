"""The analysts' features on a small real-style drop, written for this test (the values are
invented; the shapes are those of a Chinese CRM's Excel exports and a Kingdee/Yonyou-style
ERP's GB18030 CSVs with year-first dates without leading zeros and amounts with thousands
separators): a lab-diagnostics company selling to hospitals in 浙江 and 广东, a 体检 group and a
distributor, run through the nightly job by `medops run`, then the month-end pack made by
`medops report monthly` and the semantic layer's receivables metrics, each checked against a
computation from the source rows below, in plain Python.

What the rows hold at 2024-11-30 (worked by hand, and recomputed by the test):
- open: DZD-202408-ZJ01 ¥180,000 (¥1,280,000 less ¥800,000 on 10/25 and ¥300,000 on 11/29;
  31 days past due), DZD-202409-HZ02 ¥340,000 (a 折让 credit note of ¥16,800; paid in full on
  11/28 but posted on 12/2, so still open at the month-end, 1 day past due), DZD-202410-ZJ01
  ¥468,000 and DZD-202411-GK05 ¥530,000 (not yet due), DZD-202409-GZ03 ¥215,600 (31 days past
  due); outstanding ¥1,733,600, overdue ¥735,600; late fees ¥1,440.00 + ¥1,724.80.
- billed in the 90 days to 11/30 (after 9/1: the August statement is out): ¥1,668,850, DSO
  93.49 days; 华东 ¥988,000 over ¥824,800, 华南 ¥745,600 over ¥844,050.
- November's cash: ¥550,000, of which ¥400,000 names a statement (an over-payment of ¥1,550
  included): reconciliation rate 72.7 %; ¥100,000 with a blank 对账单号 and ¥50,000 naming a
  statement the ERP does not know stay unapplied; 华东 100 %, 华南 40 %.
- one order line below its contract's discount (0.78 against 0.80, ordered in November):
  ¥13,600 at stake; five deals won from June to October, ¥3,650,000.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import query
from real_style_drop import run_on_drop

from medops.semantic import MetricQuery, query_metrics

pytestmark = pytest.mark.slow

EXPORTED = "20241203"
MONTH = dt.date(2024, 11, 1)

ORG_UNITS = [
    ("KR", "康瑞诊断科技股份有限公司", "公司", ""),
    ("KR-HD", "华东大区", "大区", "KR"),
    ("KR-HD-ZJ", "浙江省区", "省区", "KR-HD"),
    ("KR-HD-ZJ-HZ", "杭州一组", "团队", "KR-HD-ZJ"),
    ("KR-HN", "华南大区", "大区", "KR"),
    ("KR-HN-GD", "广东省区", "省区", "KR-HN"),
    ("KR-HN-GD-GZ", "广州一组", "团队", "KR-HN-GD"),
]
EMPLOYEES = [
    ("E0201", "沈国平", "销售经理", "KR-HD-ZJ-HZ", "", "2015-03-16"),
    ("E2001", "陈晓东", "销售代表", "KR-HD-ZJ-HZ", "E0201", "2018-07-02"),
    ("E2002", "周丽", "销售代表", "KR-HD-ZJ-HZ", "E0201", "2021-02-22"),
    ("E0301", "梁永康", "销售经理", "KR-HN-GD-GZ", "", "2016-09-01"),
    ("E2003", "黄志伟", "销售代表", "KR-HN-GD-GZ", "E0301", "2019-04-08"),
    ("E2004", "林嘉欣", "销售代表", "KR-HN-GD-GZ", "E0301", "2022-06-13"),
]
ACCOUNTS = [
    ("ZJ01", "浙江大学医学院附属第一医院", "医院", "三甲", "浙江省", "杭州市", "E2001",
     "2018-09-10"),
    ("HZ02", "杭州市第一人民医院", "医院", "三甲", "浙江省", "杭州市", "E2002", "2021-05-06"),
    ("GZ03", "广州市番禺区中心医院", "医院", "三甲", "广东省", "广州市", "E2003", "2019-06-20"),
    ("SZ04", "深圳美年大健康健康管理有限公司", "体检集团", "", "广东省", "深圳市", "E2004",
     "2023-03-01"),
    ("GK05", "广州康顺医疗器械有限公司", "经销商", "", "广东省", "广州市", "E2004", "2022-11-18"),
]  # fmt: skip
OPPORTUNITIES = [
    ("SJ24-0603", "番禺中心医院化学发光试剂年度采购", "GZ03", "E2003", "检验试剂", "直销", 600000,
     "2024-04-11", "2024-06-30", "赢单", "2024-06-25", ""),
    ("SJ24-0801", "浙一检验科化学发光仪新增", "ZJ01", "E2001", "检验设备", "直销", 2000000,
     "2024-03-05", "2024-07-31", "赢单", "2024-07-15", ""),
    ("SJ24-0805", "杭州一院发光试剂补充", "HZ02", "E2002", "检验试剂", "直销", 400000,
     "2024-06-17", "2024-08-31", "赢单", "2024-08-20", ""),
    ("SJ24-0910", "美年体检中心采血耗材", "SZ04", "E2004", "医用耗材", "直销", 120000,
     "2024-07-29", "2024-09-30", "赢单", "2024-09-15", ""),
    ("SJ24-1020", "康顺血球仪经销项目", "GK05", "E2004", "检验设备", "经销", 530000,
     "2024-08-12", "2024-10-31", "赢单", "2024-10-25", ""),
    ("SJ24-1102", "浙一生化流水线", "ZJ01", "E2001", "检验设备", "直销", 3500000,
     "2024-09-02", "2025-03-31", "方案报价", "", ""),
    ("SJ24-0702", "番禺中心医院血球仪更新", "GZ03", "E2003", "检验设备", "直销", 380000,
     "2024-05-08", "2024-07-31", "输单", "2024-07-22", "价格因素"),
]  # fmt: skip
# ERP CSVs: GB18030, CRLF, year-first dates without leading zeros, thousands separators
PRODUCTS = """物料编码,物料名称,产品线,产品类别,规格型号,标准单价
01.02.0015,全自动化学发光免疫分析仪,检验设备,设备,KR-CL2000,"1,500,000.00"
01.03.0008,全自动血细胞分析仪,检验设备,设备,KR-H500,"340,000.00"
02.01.0031,化学发光免疫检测试剂盒,检验试剂,耗材,100T/盒,"2,100.00"
03.01.0102,一次性使用真空采血针,医用耗材,耗材,0.7mm×100支/盒,"58.00"
"""
CONTRACTS = (
    "合同编号,客户编码,销售员工号,商机编号,签订日期,生效日期,失效日期,合同金额,币种,"
    "审批折扣率,账期天数\n"
    """\
HT-GZ03-2024-003,GZ03,E2003,SJ24-0603,2024/6/28,2024/7/1,2025/6/30,"600,000.00",人民币,0.92,30
HT-ZJ01-2024-011,ZJ01,E2001,SJ24-0801,2024/7/20,2024/7/20,2025/7/19,"2,000,000.00",人民币,0.85,60
HT-HZ02-2024-007,HZ02,E2002,SJ24-0805,2024/8/26,2024/8/26,2025/8/25,"400,000.00",人民币,0.85,60
HT-SZ04-2024-002,SZ04,E2004,SJ24-0910,2024/9/18,2024/9/18,2025/9/17,"120,000.00",人民币,0.95,30
HT-GK05-2024-015,GK05,E2004,SJ24-1020,2024/10/28,2024/11/1,2025/10/31,"530,000.00",人民币,0.80,30
"""
)
ORDERS = """订单编号,行号,合同编号,客户编码,物料编码,数量,成交单价,折扣率,订单日期
XSDD240712,1,HT-GZ03-2024-003,GZ03,02.01.0031,100,"1,823.00",0.92,2024/7/12
XSDD240805,1,HT-ZJ01-2024-011,ZJ01,01.02.0015,1,"1,280,000.00",0.85,2024/8/5
XSDD240903,1,HT-HZ02-2024-007,HZ02,02.01.0031,200,"1,784.00",0.85,2024/9/3
XSDD240911,1,HT-GZ03-2024-003,GZ03,02.01.0031,110,"1,960.00",0.92,2024/9/11
XSDD241008,1,HT-ZJ01-2024-011,ZJ01,02.01.0031,240,"1,950.00",0.85,2024/10/8
XSDD241016,1,HT-SZ04-2024-002,SZ04,03.01.0102,"1,790",55.00,0.95,2024/10/16
XSDD241112,1,HT-GK05-2024-015,GK05,01.03.0008,2,"265,000.00",0.78,2024/11/12
"""
STATEMENTS = """对账单号,客户编码,结算期间,对账日期,到期日,对账金额,销售员工号
DZD-202407-GZ03,GZ03,2024-07,2024/7/31,2024/8/30,"182,300.00",E2003
DZD-202408-ZJ01,ZJ01,2024-08,2024/8/31,2024/10/30,"1,280,000.00",E2001
DZD-202409-HZ02,HZ02,2024-09,2024/9/30,2024/11/29,"356,800.00",E2002
DZD-202409-GZ03,GZ03,2024-09,2024/9/30,2024/10/30,"215,600.00",E2003
DZD-202410-ZJ01,ZJ01,2024-10,2024/10/31,2024/12/30,"468,000.00",E2001
DZD-202410-SZ04,SZ04,2024-10,2024/10/31,2024/11/30,"98,450.00",E2004
DZD-202411-GK05,GK05,2024-11,2024/11/30,2024/12/30,"530,000.00",E2004
"""
PAYMENTS = """回款单号,客户编码,对账单号,回款日期,回款金额,付款方式,记账日期
SK2409120008,GZ03,DZD-202407-GZ03,2024/9/12,"182,300.00",承兑汇票,2024/9/12
SK2410250031,ZJ01,DZD-202408-ZJ01,2024/10/25,"800,000.00",银行转账,2024/10/28
SK2411150012,GZ03,,2024/11/15,"100,000.00",银行转账,2024/11/15
SK2411200044,SZ04,DZD-202410-SZ04,2024/11/20,"100,000.00",银行转账,2024/11/21
SK2411280019,HZ02,DZD-202409-HZ02,2024/11/28,"356,800.00",银行转账,2024/12/2
SK2411290027,ZJ01,DZD-202408-ZJ01,2024/11/29,"300,000.00",银行转账,2024/11/29
SK2411300050,GK05,DZD-202411-XX99,2024/11/30,"50,000.00",银行转账,2024/11/30
"""
CREDIT_NOTES = """红字发票号码,对账单号,客户编码,开票日期,冲红金额,冲红原因
25332001,DZD-202409-HZ02,HZ02,2024/10/15,"16,800.00",折让
"""
LATE_FEE = {"daily_rate": Decimal("0.0005"), "grace_days": 15, "cap_share": Decimal("0.1")}
REGION_OF_TEAM_PREFIX = {"KR-HD": "华东大区", "KR-HN": "华南大区"}


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _day(text: str) -> dt.date:
    year, month, day = (int(part) for part in text.split("/"))
    return dt.date(year, month, day)


def _amount(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _region_of(employee_id: str) -> str:
    unit = next(row[3] for row in EMPLOYEES if row[0] == employee_id)
    return REGION_OF_TEAM_PREFIX[unit[:5]]


def _owner_of_account(account_id: str) -> str:
    return next(row[6] for row in ACCOUNTS if row[0] == account_id)


def receivables_at(month_end: dt.date) -> dict[str, dict[str, Decimal]]:
    """Per region and for the company ("all"): outstanding, overdue, late fees and billed in
    the 90 days at ``month_end``; the month's payments and the part naming a known statement.
    A document counts from the later of its date and its posting date."""
    statements = {row["对账单号"]: row for row in _csv(STATEMENTS)}
    figures: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    month_start = month_end.replace(day=1)
    applied: dict[str, Decimal] = defaultdict(Decimal)
    for payment in _csv(PAYMENTS):
        counts_from = max(_day(payment["回款日期"]), _day(payment["记账日期"]))
        known = payment["对账单号"] in statements
        if counts_from <= month_end and known:
            applied[payment["对账单号"]] += _amount(payment["回款金额"])
        if month_start <= counts_from <= month_end:
            owner = (
                statements[payment["对账单号"]]["销售员工号"]
                if known
                else _owner_of_account(payment["客户编码"])
            )
            for key in (_region_of(owner), "all"):
                figures[key]["payments"] += _amount(payment["回款金额"])
                figures[key]["reconciled"] += _amount(payment["回款金额"]) if known else 0
    for note in _csv(CREDIT_NOTES):
        if _day(note["开票日期"]) <= month_end:
            applied[note["对账单号"]] += _amount(note["冲红金额"])
    for statement_id, row in statements.items():
        dated, due = _day(row["对账日期"]), _day(row["到期日"])
        if dated > month_end:
            continue
        amount = _amount(row["对账金额"])
        open_amount = max(amount - applied[statement_id], Decimal(0))
        days_past_due = (month_end - due).days
        fee = min(
            open_amount * LATE_FEE["daily_rate"] * max(days_past_due - LATE_FEE["grace_days"], 0),
            open_amount * LATE_FEE["cap_share"],
        )
        for key in (_region_of(row["销售员工号"]), "all"):
            figures[key]["outstanding"] += open_amount
            figures[key]["overdue"] += open_amount if days_past_due > 0 else 0
            figures[key]["late_fees"] += fee
            figures[key]["billed_90_days"] += amount if (month_end - dated).days < 90 else 0
    return figures


def dso(figures: dict[str, Decimal]) -> float:
    return float(figures["outstanding"] / figures["billed_90_days"] * 90)


def reconciliation_rate(figures: dict[str, Decimal]) -> float:
    return float(figures["reconciled"] / figures["payments"])


@pytest.fixture(scope="module")
def analyst_home(tmp_path_factory) -> Path:
    return run_on_drop(
        tmp_path_factory.mktemp("analysts_real_style"),
        EXPORTED,
        ORG_UNITS,
        {"crm_employees": EMPLOYEES, "crm_accounts": ACCOUNTS, "crm_opportunities": OPPORTUNITIES},
        {
            "erp_products": PRODUCTS,
            "erp_contracts": CONTRACTS,
            "erp_orders": ORDERS,
            "erp_statements": STATEMENTS,
            "erp_payments": PAYMENTS,
            "erp_credit_notes": CREDIT_NOTES,
        },
    )


def _sheet(book, name: str) -> tuple[list[str], list[list], list | None]:
    """Header, data rows and the totals row of a table sheet of the pack."""
    rows = [list(row) for row in book[name].iter_rows(min_row=2, values_only=True)]
    header, body = rows[0], rows[1:]
    totals = body.pop() if body and body[-1][0] == "合计 Total" else None
    return header, body, totals


def test_the_hand_worked_figures(analyst_home):
    """The computation above agrees with the figures worked by hand in the docstring (so the
    checks below compare the pack and the metrics with something a person can follow)."""
    november = receivables_at(dt.date(2024, 11, 30))
    company = november["all"]
    assert company["outstanding"] == Decimal("1733600.00")
    assert company["overdue"] == Decimal("735600.00")
    assert company["late_fees"] == Decimal("3164.80")
    assert company["billed_90_days"] == Decimal("1668850.00")
    assert (company["payments"], company["reconciled"]) == (550000, 400000)
    assert november["华南大区"]["outstanding"] == Decimal("745600.00")
    assert reconciliation_rate(november["华南大区"]) == pytest.approx(0.4)
    ledger = query(
        analyst_home / "warehouse.duckdb", "select sum(rows_quarantined) from raw._ingest_ledger"
    )
    assert ledger == [(0,)]


def test_monthly_pack_totals_equal_the_source_rows(analyst_home, tmp_path):
    out = tmp_path / "pack.xlsx"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "medops"), "report", "monthly", "--month",
         f"{MONTH:%Y-%m}", "--from-marts", "--out", str(out)],
        env={"MEDOPS_HOME": str(analyst_home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    book = openpyxl.load_workbook(out)
    cover = {row[0]: row[1] for row in book["封面 Cover"].iter_rows(values_only=True) if row[0]}
    assert cover["截止日 As-of date"] == "2024-11-30"
    expected = receivables_at(dt.date(2024, 11, 30))

    header, body, totals = _sheet(book, "账龄 Aging")
    assert totals[-1] == pytest.approx(float(expected["all"]["outstanding"]), abs=0.005)
    region = header.index("大区 Region")
    for name in REGION_OF_TEAM_PREFIX.values():
        in_region = sum(row[-1] for row in body if row[region] == name)
        assert in_region == pytest.approx(float(expected[name]["outstanding"]), abs=0.005), name

    header, body, totals = _sheet(book, "逾期清单 Overdue")
    assert totals[header.index("未收金额 Open")] == pytest.approx(
        float(expected["all"]["overdue"]), abs=0.005
    )
    assert totals[header.index("滞纳金 Late fee")] == pytest.approx(
        float(expected["all"]["late_fees"]), abs=0.005
    )
    assert sorted(row[header.index("对账单 Statement")] for row in body) == [
        "DZD-202408-ZJ01",
        "DZD-202409-GZ03",
        "DZD-202409-HZ02",
    ]

    header, body, _ = _sheet(book, "DSO趋势 DSO trend")
    by_month_end = {str(row[header.index("月末 Month-end")])[:10]: row for row in body}
    for month_end in (dt.date(2024, 10, 31), dt.date(2024, 11, 30)):
        row, figures = by_month_end[month_end.isoformat()], receivables_at(month_end)["all"]
        assert row[header.index("应收余额 Outstanding")] == pytest.approx(
            float(figures["outstanding"]), abs=0.005
        )
        assert row[header.index("DSO")] == pytest.approx(dso(figures), rel=1e-9)
        assert row[header.index("回款 Collections")] == pytest.approx(
            float(figures["payments"]), abs=0.005
        )
        assert row[header.index("核销率 Reconciliation")] == pytest.approx(
            reconciliation_rate(figures), rel=1e-9
        )

    # the order line priced below its contract's discount, in November
    contracts = {row["合同编号"]: row for row in _csv(CONTRACTS)}
    list_prices = {row["物料编码"]: _amount(row["标准单价"]) for row in _csv(PRODUCTS)}
    at_stake = [
        (Decimal(contracts[line["合同编号"]]["审批折扣率"]) - Decimal(line["折扣率"]))
        * list_prices[line["物料编码"]]
        * _amount(line["数量"])
        for line in _csv(ORDERS)
        if line["折扣率"] != contracts[line["合同编号"]]["审批折扣率"]
        and _day(line["订单日期"]).replace(day=1) == MONTH
    ]
    header, body, totals = _sheet(book, "合规例外 Compliance")
    assert len(body) == len(at_stake) == 1
    assert totals[-1] == pytest.approx(float(sum(at_stake)), abs=0.005)

    first, last = dt.date(2023, 12, 1), dt.date(2024, 11, 30)
    won = [
        row for row in OPPORTUNITIES
        if row[9] == "赢单" and first <= dt.date.fromisoformat(row[10]) <= last
    ]  # fmt: skip
    header, body, totals = _sheet(book, "销售到回款 Deal to cash")
    assert totals[header.index("赢单数 Deals")] == len(won) == 5
    assert totals[header.index("赢单 Won")] == pytest.approx(sum(row[6] for row in won))


def test_semantic_layer_receivables_equal_the_source_rows(analyst_home):
    warehouse = analyst_home / "warehouse.duckdb"
    for month_end in (dt.date(2024, 10, 31), dt.date(2024, 11, 30)):
        expected = receivables_at(month_end)
        window = {"time_from": month_end.replace(day=1), "time_to": month_end}
        by_unit = query_metrics(
            warehouse,
            MetricQuery(
                ("dso", "reconciliation_rate", "ar_payments"),
                ("ar_unit_month__region_name",),
                **window,
            ),
        ).set_index("ar_unit_month__region_name")
        balances = query_metrics(
            warehouse,
            MetricQuery(
                ("open_receivables", "overdue_amount"), ("ar_item__region_name",), **window
            ),
        ).set_index("ar_item__region_name")
        for region in REGION_OF_TEAM_PREFIX.values():
            figures = expected[region]
            assert by_unit.loc[region, "dso"] == pytest.approx(dso(figures), rel=1e-9)
            assert by_unit.loc[region, "ar_payments"] == pytest.approx(float(figures["payments"]))
            if figures["payments"]:
                assert by_unit.loc[region, "reconciliation_rate"] == pytest.approx(
                    reconciliation_rate(figures), rel=1e-9
                )
            assert balances.loc[region, "open_receivables"] == pytest.approx(
                float(figures["outstanding"]), abs=0.005
            )
            assert balances.loc[region, "overdue_amount"] == pytest.approx(
                float(figures["overdue"]), abs=0.005
            )
        company = query_metrics(
            warehouse, MetricQuery(("dso", "reconciliation_rate"), (), {}, **window)
        ).iloc[0]
        assert company["dso"] == pytest.approx(dso(expected["all"]), rel=1e-9)
        assert company["reconciliation_rate"] == pytest.approx(
            reconciliation_rate(expected["all"]), rel=1e-9
        )
