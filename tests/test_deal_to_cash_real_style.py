"""Deal to cash on a small real-style drop, written for this test (the values are invented): a
device company's CRM (org, people, customers and 商机 as the Excel exports a Chinese CRM
writes), its Kingdee/Yonyou-style ERP (销售合同, 销售订单, 对账单, 发票, 回款单 and 红字发票 as
GB18030 CSV with year-first dates without leading zeros and amounts with thousands
separators) and its service system's install records (装机), run through the whole nightly job
by `medops run`. The chain is compared with figures worked out by hand below.

The drop (files dated 2024-12-31; the chain's as-of date is the aging's latest, the last
statement or posting the data hold: the 坏账核销 of 2024/12/20):
- SJ-2024-0301 南京鼓楼医院, 彩超 won 2024/1/18 for ¥2,400,000. Contract XSHT-2024-0045 (keyed)
  signed 2024/2/5 for ¥2,100,000 (18 days); order XSDD-2024-0088 of 2 units × ¥950,000 =
  ¥1,900,000 on 2024/3/1 (25 days); one unit installed 2024/7/16 (137 days), the second not
  yet (a partial delivery); statement DZD-202403-K001 of 2024/3/31 for ¥1,900,000, paid
  ¥1,000,000 on 2024/5/20 (50 days) and ¥500,000 by 承兑汇票 on 2024/9/30: ¥400,000
  outstanding, stuck at not_collected for 264 days (2024/3/31 to the as-of date).
- SJ-2024-0415 江苏省人民医院, 生化仪 won 2024/3/22 for ¥1,150,000. Contract XSHT-2024-0112 has
  no 商机编号: linked by the rule (same customer, signed 2024/4/8, 17 days after the win);
  ¥1,080,000; order of 2 × ¥480,000 = ¥960,000 on 2024/4/25 (17 days); both installed, the
  first 2024/5/20 (25 days); statement of ¥960,000, 红字发票 折让 ¥60,000, paid ¥900,000 on
  2024/6/28 (59 days after 2024/4/30): settled.
- SJ-2024-0522 苏州瑞康 (distributor), reagents won 2024/4/10 for ¥300,000; framework contract
  ¥300,000 (5 days); two order lines ¥100,000 + ¥50,000 on 2024/4/28 (13 days); statement
  ¥150,000, paid ¥30,000 on 2024/6/15 (46 days), the rest written off (坏账核销 ¥120,000):
  settled.
- SJ-2024-0610 江苏省人民医院, reagents won 2024/5/20 for ¥80,000: no contract (the keyless
  contract of April was signed before this win), stuck at no_contract for 214 days.
- SJ-2024-0702 (lost) is not in the chain.
Totals: won ¥3,930,000, contracted ¥3,480,000, ordered = billed ¥3,010,000, credited ¥180,000
(of which written off ¥120,000), collected ¥2,430,000, outstanding ¥400,000.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from real_style_drop import run_on_drop

pytestmark = pytest.mark.slow

EXPORTED = "20241231"
D = dt.date

ORG_UNITS = [
    ("MD01", "迈德医疗器械股份有限公司", "公司", ""),
    ("MD01-HD", "华东大区", "大区", "MD01"),
    ("MD01-HD-JS", "江苏省区", "省区", "MD01-HD"),
    ("MD01-HD-JS-NJ1", "南京一组", "团队", "MD01-HD-JS"),
]
EMPLOYEES = [
    ("E1001", "王建国", "销售代表", "MD01-HD-JS-NJ1", "E0901", "2019-03-01"),
    ("E1002", "刘芳", "销售代表", "MD01-HD-JS-NJ1", "E0901", "2021-07-12"),
    ("E0901", "赵强", "销售经理", "MD01-HD-JS-NJ1", "", "2016-05-09"),
]
ACCOUNTS = [
    ("K001", "南京鼓楼医院", "医院", "三甲", "江苏省", "南京市", "E1001", "2018-04-02"),
    ("K002", "江苏省人民医院", "医院", "三甲", "江苏省", "南京市", "E1001", "2018-04-02"),
    # migrated from an older CRM without its creation date, as real exports often are
    ("K003", "苏州瑞康医疗器械有限公司", "经销商", "", "江苏省", "苏州市", "E1002", ""),
]  # fmt: skip
OPPORTUNITIES = [
    ("SJ-2024-0301", "鼓楼医院超声科彩超采购", "K001", "E1001", "影像设备", "直销", 2400000,
     "2023-11-02", "2024-01-31", "赢单", "2024-01-18", ""),
    ("SJ-2024-0415", "省人医检验科生化仪更新", "K002", "E1001", "检验设备", "直销", 1150000,
     "2024-01-08", "2024-03-31", "赢单", "2024-03-22", ""),
    ("SJ-2024-0522", "瑞康2024年度试剂框架", "K003", "E1002", "检验试剂", "经销", 300000,
     "2024-02-01", "2024-04-30", "赢单", "2024-04-10", ""),
    ("SJ-2024-0610", "省人医肝功试剂补充", "K002", "E1001", "检验试剂", "直销", 80000,
     "2024-04-15", "2024-05-31", "赢单", "2024-05-20", ""),
    ("SJ-2024-0702", "鼓楼医院DR项目", "K001", "E1001", "影像设备", "直销", 900000,
     "2024-03-10", "2024-06-30", "输单", "2024-06-12", "价格因素"),
]  # fmt: skip
# ERP CSVs: GB18030, year-first dates without leading zeros, amounts with thousands separators
PRODUCTS = """物料编码,物料名称,产品线,产品类别,规格型号,标准单价
01.01.0012,彩色多普勒超声诊断系统,影像设备,设备,MD-U80,"1,500,000.00"
01.02.0007,全自动生化分析仪,检验设备,设备,MD-BC600,"600,000.00"
02.03.0101,肝功能生化试剂盒,检验试剂,耗材,50T/盒,"1,200.00"
"""
CONTRACT_HEADER = (
    "合同编号,客户编码,销售员工号,商机编号,签订日期,生效日期,失效日期,合同金额,币种,"
    "审批折扣率,账期天数\n"
)
CONTRACTS = (
    CONTRACT_HEADER
    + """\
XSHT-2024-0045,K001,E1001,SJ-2024-0301,2024/2/5,2024/2/5,2025/2/4,"2,100,000.00",人民币,0.63,180
XSHT-2024-0112,K002,E1001,,2024/4/8,2024/4/8,2025/4/7,"1,080,000.00",人民币,0.80,180
XSHT-2024-0130,K003,E1002,SJ-2024-0522,2024/4/15,2024/4/15,2025/4/14,"300,000.00",人民币,0.83,60
"""
)
ORDERS = """订单编号,行号,合同编号,客户编码,物料编码,数量,成交单价,折扣率,订单日期
XSDD-2024-0088,1,XSHT-2024-0045,K001,01.01.0012,2,"950,000.00",0.63,2024/3/1
XSDD-2024-0140,1,XSHT-2024-0112,K002,01.02.0007,2,"480,000.00",0.80,2024/4/25
XSDD-2024-0151,1,XSHT-2024-0130,K003,02.03.0101,100,"1,000.00",0.83,2024/4/28
XSDD-2024-0151,2,XSHT-2024-0130,K003,02.03.0101,50,"1,000.00",0.83,2024/4/28
"""
STATEMENTS = """对账单号,客户编码,结算期间,对账日期,到期日,对账金额,销售员工号
DZD-202403-K001,K001,2024-03,2024/3/31,2024/9/27,"1,900,000.00",E1001
DZD-202404-K002,K002,2024-04,2024/4/30,2024/10/27,"960,000.00",E1001
DZD-202404-K003,K003,2024-04,2024/4/30,2024/6/29,"150,000.00",E1002
"""
INVOICES = """发票号码,对账单号,开票日期,开票金额
04412001,DZD-202403-K001,2024/4/2,"1,000,000.00"
04412002,DZD-202403-K001,2024/4/2,"900,000.00"
04412057,DZD-202404-K002,2024/5/6,"960,000.00"
04412058,DZD-202404-K003,2024/5/6,"150,000.00"
"""
PAYMENTS = """回款单号,客户编码,对账单号,回款日期,回款金额,付款方式,记账日期
SK2024050031,K001,DZD-202403-K001,2024/5/20,"1,000,000.00",银行转账,2024/5/21
SK2024060017,K003,DZD-202404-K003,2024/6/15,"30,000.00",银行转账,2024/6/17
SK2024060044,K002,DZD-202404-K002,2024/6/28,"900,000.00",银行转账,2024/6/28
SK2024090052,K001,DZD-202403-K001,2024/9/30,"500,000.00",承兑汇票,2024/10/8
"""
CREDIT_NOTES = """红字发票号码,对账单号,客户编码,开票日期,冲红金额,冲红原因
04412090,DZD-202404-K002,K002,2024/6/10,"60,000.00",折让
04412188,DZD-202404-K003,K003,2024/12/20,"120,000.00",坏账核销
"""
# the service system's installed base: one of the two 彩超 of XSDD-2024-0088 is installed
DEVICES = """设备序列号,物料编码,客户编码,装机日期,保修截止日期
MDU80-2403-0117,01.01.0012,K001,2024/7/16,2026/7/15
MDBC6-2405-0021,01.02.0007,K002,2024/5/20,2025/5/19
MDBC6-2405-0022,01.02.0007,K002,2024/6/3,2025/6/2
"""

# (deal, won, contracts, contract, ordered, devices, billed, credited, written off, collected,
#  outstanding, stuck at, days stuck, link method)
EXPECTED = {
    "SJ-2024-0301": (2400000, 1, 2100000, 1900000, 1, 1900000, 0, 0, 1500000, 400000,
                     "not_collected", 264, "key:opportunity_id"),
    "SJ-2024-0415": (1150000, 1, 1080000, 960000, 2, 960000, 60000, 0, 900000, 0,
                     None, None, "rule:account+signed_after_win"),
    "SJ-2024-0522": (300000, 1, 300000, 150000, 0, 150000, 120000, 120000, 30000, 0,
                     None, None, "key:opportunity_id"),
    "SJ-2024-0610": (80000, 0, 0, 0, 0, 0, 0, 0, 0, 0, "no_contract", 214, None),
}  # fmt: skip
# (deal, days won → contract, contract → order, order → install, statement → payment)
EXPECTED_DAYS = {
    "SJ-2024-0301": (18, 25, 137, 50),
    "SJ-2024-0415": (17, 17, 25, 59),
    "SJ-2024-0522": (5, 13, None, 46),
    "SJ-2024-0610": (None, None, None, None),
}
EXPECTED_LEAKS = [
    ("SJ-2024-0301", "bill_to_cash", "outstanding", 400000),
    ("SJ-2024-0301", "contract_to_order", "ordered_below_contract", 200000),
    ("SJ-2024-0301", "won_to_contract", "contract_below_won", 300000),
    ("SJ-2024-0415", "bill_to_cash", "credit_note:price_allowance", 60000),
    ("SJ-2024-0415", "contract_to_order", "ordered_below_contract", 120000),
    ("SJ-2024-0415", "won_to_contract", "contract_below_won", 70000),
    ("SJ-2024-0522", "bill_to_cash", "credit_note:bad_debt_write_off", 120000),
    ("SJ-2024-0522", "contract_to_order", "ordered_below_contract", 150000),
    ("SJ-2024-0610", "won_to_contract", "no_contract", 80000),
]


def build_chain_home(root: Path) -> Path:
    """The drop above, written under ``root`` and run through the nightly job; its home."""
    root.mkdir(parents=True, exist_ok=True)
    return run_on_drop(
        root,
        EXPORTED,
        ORG_UNITS,
        {"crm_employees": EMPLOYEES, "crm_accounts": ACCOUNTS, "crm_opportunities": OPPORTUNITIES},
        {
            "erp_products": PRODUCTS,
            "erp_contracts": CONTRACTS,
            "erp_orders": ORDERS,
            "erp_statements": STATEMENTS,
            "erp_invoices": INVOICES,
            "erp_payments": PAYMENTS,
            "erp_credit_notes": CREDIT_NOTES,
            "svc_devices": DEVICES,
        },
    )


@pytest.fixture(scope="module")
def chain_home(tmp_path_factory) -> Path:
    return build_chain_home(tmp_path_factory.mktemp("d2c_real_style"))


def rows(home: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return [
            tuple(float(v) if isinstance(v, Decimal) else v for v in row)
            for row in con.execute(sql).fetchall()
        ]
    finally:
        con.close()


def test_every_file_loads_whole(chain_home):
    loaded = rows(
        chain_home,
        "select source, rows_loaded, rows_quarantined from raw._ingest_ledger order by source",
    )
    assert loaded == [
        ("crm_accounts", 3, 0),
        ("crm_employees", 3, 0),
        ("crm_opportunities", 5, 0),
        ("crm_org_units", 4, 0),
        ("erp_contracts", 3, 0),
        ("erp_credit_notes", 2, 0),
        ("erp_invoices", 4, 0),
        ("erp_orders", 4, 0),
        ("erp_payments", 4, 0),
        ("erp_products", 3, 0),
        ("erp_statements", 3, 0),
        ("svc_devices", 3, 0),
    ]


def test_each_deal_through_the_chain_matches_the_hand_computation(chain_home):
    got = {
        row[0]: row[1:]
        for row in rows(
            chain_home,
            """
            select opportunity_id, won_amount, contracts, contract_amount, ordered_amount,
                devices_installed, billed_amount, credited_amount, written_off_amount,
                collected_amount, outstanding_amount, stuck_at_step, days_stuck,
                contract_link_method
            from marts.fct_deal_to_cash order by opportunity_id
            """,
        )
    }
    assert got == EXPECTED
    days = {
        row[0]: row[1:]
        for row in rows(
            chain_home,
            """
            select opportunity_id, days_won_to_contract, days_contract_to_order,
                days_order_to_install, days_statement_to_payment
            from marts.fct_deal_to_cash
            """,
        )
    }
    assert days == EXPECTED_DAYS


def test_leakage_partial_delivery_and_links(chain_home):
    assert (
        rows(
            chain_home,
            "select opportunity_id, step, reason, amount_lost from marts.rpt_deal_to_cash_leakage "
            "order by opportunity_id, step, reason",
        )
        == EXPECTED_LEAKS
    )
    # the 彩超 order line of two units has one device linked to it
    assert rows(
        chain_home,
        "select order_id, line_no, count(*) from intermediate.int_d2c_device_links "
        "group by all order by all",
    ) == [("XSDD-2024-0088", 1, 1), ("XSDD-2024-0140", 1, 2)]
    links = rows(
        chain_home,
        "select row_kind, link_method, sum(row_count) from marts.rpt_deal_to_cash_links "
        "group by all order by all",
    )
    assert [(kind, method) for kind, method, _ in links if kind == "contract"] == [
        ("contract", "key:opportunity_id"),
        ("contract", "rule:account+signed_after_win"),
    ]
    assert {(kind, method): count for kind, method, count in links}[
        ("contract", "rule:account+signed_after_win")
    ] == 1


def test_tie_outs_passed_and_the_chain_was_published(chain_home):
    published = duckdb.connect(str(chain_home / "published.duckdb"), read_only=True)
    try:
        totals = published.execute(
            "select sum(won_amount), sum(collected_amount), sum(outstanding_amount) "
            "from fct_deal_to_cash"
        ).fetchone()
    finally:
        published.close()
    assert [float(v) for v in totals] == [3930000, 2430000, 400000]
    # the step that built the chain's mart ran the tie-outs: no `dbt test` of its own
    [log] = sorted((chain_home / "logs").glob("run-*.log"))
    assert "tie-outs: 4 run by this run's dbt build, 0 run with dbt test" in log.read_text()


def test_a_customer_without_a_creation_date_keeps_its_revenue(chain_home):
    # 苏州瑞康 has no 创建日期: its revenue of the last 12 months in the 360 is its two order
    # lines of 2024/4/28 (¥100,000 + ¥50,000), what the revenue tie-out compares it with
    (revenue,) = rows(
        chain_home,
        "select revenue_12m from marts.dim_customers "
        "where customer_name = '苏州瑞康医疗器械有限公司'",
    )[0]
    assert float(revenue) == 150000
