"""The 销售到回款 (deal-to-cash) page (AppTest) and its download, on a published file with four
hand-written won deals. Expected figures worked out by hand from the rows below:

- D1 王芳 / 华东一组 / 医院甲, imaging, won 2026-01-10 ¥1,000,000; contract ¥900,000 (10 days);
  ordered ¥900,000 (30 days); 1 device installed (60 days); billed ¥900,000; collected ¥600,000
  (90 days after the statement); ¥300,000 outstanding: stuck at not_collected for 245 days.
- D2 王芳 / 医院乙, reagents, won 2026-03-05 ¥200,000, no contract: stuck 240 days.
- D3 陈静 / 华南一组 / 经销商丙, reagents, won 2026-02-15 ¥500,000; contract ¥500,000 (5 days);
  ordered ¥400,000 (30 days); billed ¥400,000; credit notes 退货 ¥40,000 and 坏账核销 ¥10,000;
  collected ¥350,000 (60 days): settled.
- D4 陈静 / 经销商丙, imaging, won 2025-06-01 ¥300,000; contract ¥300,000 (20 days), never
  ordered: stuck at no_order for 497 days.

All deals: won ¥2,000,000 (¥200.0万), contracted ¥1,700,000, ordered ¥1,300,000, billed
¥1,300,000, credited ¥50,000, collected ¥950,000, outstanding ¥300,000; collected 47.5% of won.
Days won → contract 5, 10, 20: median 10.0, p90 18.0; statement → payment 60, 90: median 75.0,
p90 87.0. The team lead of 华南一组 sees D3 and D4 only: won ¥800,000 (¥80.0万).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import metrics
from streamlit.testing.v1 import AppTest

from dashboards import deal_to_cash_data as d2c
from dashboards import users
from dashboards.access import Scope
from dashboards.data import Published

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "dashboards" / "app.py"
PAGE = "pages/deal_to_cash.py"
D = dt.date

EAST = {"region_id": "R_EAST", "region_name": "华东大区", "team_id": "T1", "team_name": "华东一组"}
SOUTH = {
    "region_id": "R_SOUTH",
    "region_name": "华南大区",
    "team_id": "T2",
    "team_name": "华南一组",
}
WANG = {"owner_id": "E1", "owner_name": "王芳", **EAST}
CHEN = {"owner_id": "E2", "owner_name": "陈静", **SOUTH}
TEAM_LEAD = Scope("team_lead", "team", "T2", None, True)


def _deal(deal, person, account, line, won_on, won, **chain):
    row = {
        "opportunity_id": deal,
        **person,
        "account_id": account,
        "golden_customer_id": "G" + account,
        "product_line": line,
        "won_on": won_on,
        "won_month": won_on.replace(day=1),
        "won_amount": won,
        "contracts": 0,
        "contract_amount": 0,
        "order_lines": 0,
        "ordered_amount": 0,
        "devices_installed": 0,
        "billed_amount": 0,
        "credited_amount": 0,
        "written_off_amount": 0,
        "collected_amount": 0,
        "outstanding_amount": 0,
    }
    return row | chain


DEALS = [
    _deal("D1", WANG, "A1", "imaging_equipment", D(2026, 1, 10), 1_000_000, contracts=1,
          contract_amount=900_000, order_lines=1, ordered_amount=900_000, devices_installed=1,
          billed_amount=900_000, collected_amount=600_000, outstanding_amount=300_000,
          days_won_to_contract=10, days_contract_to_order=30, days_order_to_install=60,
          days_statement_to_payment=90, stuck_at_step="not_collected",
          stuck_since=D(2026, 2, 28), days_stuck=245, contract_link_method="key:opportunity_id"),
    _deal("D2", WANG, "A2", "lab_reagents", D(2026, 3, 5), 200_000, stuck_at_step="no_contract",
          stuck_since=D(2026, 3, 5), days_stuck=240),
    _deal("D3", CHEN, "A3", "lab_reagents", D(2026, 2, 15), 500_000, contracts=1,
          contract_amount=500_000, order_lines=2, ordered_amount=400_000,
          billed_amount=400_000, credited_amount=50_000, written_off_amount=10_000,
          collected_amount=350_000, days_won_to_contract=5, days_contract_to_order=30,
          days_statement_to_payment=60, contract_link_method="rule:account+signed_after_win"),
    _deal("D4", CHEN, "A3", "imaging_equipment", D(2025, 6, 1), 300_000, contracts=1,
          contract_amount=300_000, days_won_to_contract=20, stuck_at_step="no_order",
          stuck_since=D(2025, 6, 21), days_stuck=497, contract_link_method="key:opportunity_id"),
]  # fmt: skip
# (deal, step, reason, amount lost)
LEAKS = [
    ("D1", "won_to_contract", "contract_below_won", 100_000),
    ("D1", "bill_to_cash", "outstanding", 300_000),
    ("D2", "won_to_contract", "no_contract", 200_000),
    ("D3", "contract_to_order", "ordered_below_contract", 100_000),
    ("D3", "bill_to_cash", "credit_note:goods_returned", 40_000),
    ("D3", "bill_to_cash", "credit_note:bad_debt_write_off", 10_000),
    ("D4", "contract_to_order", "no_order", 300_000),
]
CUSTOMERS = {"GA1": "医院甲", "GA2": "医院乙", "GA3": "经销商丙"}

FCT_COLUMNS = {
    "opportunity_id": "varchar", "account_id": "varchar", "golden_customer_id": "varchar",
    "owner_id": "varchar", "owner_name": "varchar", "team_id": "varchar",
    "team_name": "varchar", "region_id": "varchar", "region_name": "varchar",
    "product_line": "varchar", "won_on": "date", "won_month": "date",
    "won_amount": "decimal(18, 2)", "contracts": "bigint",
    "contract_link_method": "varchar", "contract_amount": "decimal(18, 2)",
    "order_lines": "bigint", "ordered_amount": "decimal(18, 2)", "devices_installed": "bigint",
    "billed_amount": "decimal(18, 2)", "credited_amount": "decimal(18, 2)",
    "written_off_amount": "decimal(18, 2)", "collected_amount": "decimal(18, 2)",
    "outstanding_amount": "decimal(18, 2)", "days_won_to_contract": "integer",
    "days_contract_to_order": "integer", "days_order_to_install": "integer",
    "days_statement_to_payment": "integer", "stuck_at_step": "varchar", "stuck_since": "date",
    "days_stuck": "integer",
}  # fmt: skip
LEAK_COLUMNS = (
    "opportunity_id", "won_month", "product_line", "region_id", "team_id", "owner_id",
    "golden_customer_id",
)  # fmt: skip


def build_published(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        ddl = ", ".join(f"{name} {kind}" for name, kind in FCT_COLUMNS.items())
        con.execute(f"create table fct_deal_to_cash ({ddl})")
        for row in DEALS:
            con.execute(
                f"insert into fct_deal_to_cash values ({', '.join('?' * len(FCT_COLUMNS))})",
                [row.get(name) for name in FCT_COLUMNS],
            )
        con.execute(
            "create table rpt_deal_to_cash_leakage as select "
            + ", ".join(LEAK_COLUMNS)
            + ", ''::varchar as step, ''::varchar as reason, 0::decimal(18, 2) as amount_lost "
            "from fct_deal_to_cash limit 0"
        )
        for deal, step, reason, amount in LEAKS:
            con.execute(
                f"insert into rpt_deal_to_cash_leakage select {', '.join(LEAK_COLUMNS)}, ?, ?, ? "
                "from fct_deal_to_cash where opportunity_id = ?",
                [step, reason, amount, deal],
            )
        con.execute(
            "create table dim_customers (golden_customer_id varchar, customer_name varchar)"
        )
        con.executemany("insert into dim_customers values (?, ?)", list(CUSTOMERS.items()))
        con.execute(
            "create table dim_product_lines as select * from read_csv(?)",
            [str(REPO_ROOT / "seeds" / "product_lines.csv")],
        )
    finally:
        con.close()
    return path


@pytest.fixture
def chain_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "d2c_home"
    build_published(home / "published.duckdb")
    monkeypatch.setenv("MEDOPS_HOME", str(home))
    return home


def run_page(scope: Scope | None = None) -> AppTest:
    """The page as the test executive, or as the user "lead" with ``scope``."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    if scope is not None:
        from dashboards.auth_session import SESSION_KEY, AuthSession, now

        at.session_state[SESSION_KEY] = AuthSession("lead", "组长", scope, now(), now())
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_chain_waterfall_steps_and_durations(chain_home: Path) -> None:
    at = run_page()
    assert [title.value for title in at.title] == ["销售到回款"]
    assert metrics(at) == {
        "赢单金额": "¥200.0万",
        "合同金额": "¥170.0万",
        "下单金额": "¥130.0万",
        "开票金额": "¥130.0万",
        "回款金额": "¥95.0万",
        "未回款": "¥30.0万",
        "回款占赢单": "47.5%",
    }
    steps, durations = at.dataframe[0].value, at.dataframe[1].value
    assert list(steps["环节"]) == [
        "赢单", "已签合同", "已下单", "已装机（设备）", "已开票", "已回款", "仍有未回款",
    ]  # fmt: skip
    assert list(steps["商机数"]) == [4, 3, 2, 1, 2, 2, 1]
    amounts = list(steps["金额"])
    assert amounts[:3] == [2_000_000, 1_700_000, 1_300_000] and amounts[4:] == [
        1_300_000,
        950_000,
        300_000,
    ]
    assert steps["装机台数"][3] == 1
    assert list(durations["环节"]) == ["赢单→签约", "签约→首次下单", "下单→装机", "对账→回款"]
    assert list(durations["中位数"]) == [10.0, 30.0, 60.0, 75.0]
    assert list(durations["P90"]) == pytest.approx([18.0, 30.0, 60.0, 87.0])
    [waterfall] = [chart for chart in at.get("plotly_chart")][:1]
    assert "waterfall" in waterfall.proto.spec


def test_leakage_drills_down_to_deals_and_stuck_deals(chain_home: Path) -> None:
    at = run_page()
    leaks = at.dataframe[2].value
    assert list(zip(leaks["环节"], leaks["原因"], leaks["流失金额"], strict=True)) == [
        ("赢单→合同", "赢单未签合同", 200_000),
        ("赢单→合同", "合同低于赢单金额", 100_000),
        ("合同→订单", "合同未下单", 300_000),
        ("合同→订单", "下单低于合同", 100_000),
        ("开票→回款", "未回款", 300_000),
        ("开票→回款", "红字发票：退货", 40_000),
        ("开票→回款", "红字发票：坏账核销", 10_000),
    ]
    deals = at.dataframe[3].value  # the first row's deals
    assert list(deals["商机编号"]) == ["D2"] and list(deals["客户"]) == ["医院乙"]
    at.selectbox(key="d2c_leak").set_value(5).run()
    deals = at.dataframe[3].value
    assert list(deals["商机编号"]) == ["D3"] and list(deals["流失金额"]) == [40_000]
    stuck = at.dataframe[4].value
    assert list(zip(stuck["停在"], stuck["商机编号"], stuck["停留天数"], strict=True)) == [
        ("未签合同", "D2", 240),
        ("未下单", "D4", 497),
        ("未回款", "D1", 245),
    ]


def test_a_won_deal_without_a_won_date_is_counted_not_fatal(chain_home: Path) -> None:
    # a 商机 exported as won without its 赢单日期: no month holds it, the page says so
    con = duckdb.connect(str(chain_home / "published.duckdb"))
    try:
        undated = _deal("D5", WANG, "A1", "lab_reagents", D(2026, 1, 1), 70_000)
        undated.update(won_on=None, won_month=None)
        con.execute(
            f"insert into fct_deal_to_cash values ({', '.join('?' * len(FCT_COLUMNS))})",
            [undated.get(name) for name in FCT_COLUMNS],
        )
    finally:
        con.close()
    at = run_page()
    assert any("1 个赢单商机缺少赢单日期" in caption.value for caption in at.caption)
    assert metrics(at)["赢单金额"] == "¥200.0万"  # the months' figures, without it


def test_filters_and_english(chain_home: Path) -> None:
    at = run_page()
    at.selectbox(key="d2c_region").set_value("R_SOUTH").run()
    assert metrics(at)["赢单金额"] == "¥80.0万"
    at.multiselect(key="d2c_product_lines").set_value(["lab_reagents"]).run()
    assert metrics(at)["赢单金额"] == "¥50.0万" and metrics(at)["回款占赢单"] == "70.0%"
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert [title.value for title in at.title] == ["Deal to cash"]
    assert metrics(at)["Won"] == "¥500,000"
    assert list(at.dataframe[0].value["Step"])[:2] == ["Won", "Contracted"]


def test_team_lead_sees_only_their_team_and_downloads_only_those_rows(
    chain_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    users_file = tmp_path / "users.yaml"
    users.add_user("lead", "组长", "team_lead", "team lead password", unit_id="T2", path=users_file)
    monkeypatch.setenv("MEDOPS_USERS_FILE", str(users_file))
    at = run_page(TEAM_LEAD)
    assert metrics(at)["赢单金额"] == "¥80.0万"
    assert set(at.dataframe[4].value["商机编号"]) == {"D4"}
    assert at.selectbox(key="d2c_region").options == ["全部", "华南大区"]
    # the download's deals: the query the page hands the workbook, for the team lead's scope
    source = Published(str(chain_home / "published.duckdb"), 0, TEAM_LEAD)
    filters = d2c.ChainFilters(D(2025, 6, 1), D(2026, 3, 1))
    deals = d2c.chain_deals(source, filters)
    assert list(deals["opportunity_id"]) == ["D4", "D3"]
    workbook = openpyxl.load_workbook(
        io.BytesIO(d2c.chain_workbook({"deals": deals}, "title")), read_only=True
    )
    rows = list(workbook["deals"].iter_rows(min_row=3, values_only=True))
    assert [row[0] for row in rows] == ["D4", "D3"]
    assert [row[6] for row in rows] == [300_000, 500_000]
