"""The cockpit's customer 360° and ownership-collision pages (AppTest).

The published file holds hand-written rows of the customer marts (tables typed by the marts'
enforced contracts). Expected figures, worked out by hand from these rows:

360. Golden customer G1 上海市第一人民医院 has three records: A1 (its own name), A2 上海一院
and A3 上海市第一人民醫院(北部); only A2's name contains 一院, so a search for 一院 finds G1 through
its alias. Its card shows tier A, 12-month revenue 1,200,000 -> ¥120.0万, completeness 100.0%,
3 source records; the aliases table has 3 rows, the contacts table 2 (C1 at A1, C2 at A2, masked;
C3 belongs to another customer); the history tabs count 2 opportunities, 1 contract, 1 order,
1 device, 1 service ticket, 1 visit. A search for 瑞慈 finds G2 and G3 (value 0.50 before
0.30); G3's group is G2's, two members. 不存在的医院 finds nothing.

Tiers. The latest month is 2025-02: A 2 customers (50.0%), B 1 (25.0%), C 1 (25.0%).

Collisions. Three rows: customer_owners:G1 and open_opportunities:G1 (open amount 1,300,000),
group_owners:G2 (an approved shared follow-up). By default the shared one is hidden: 2
collisions, ¥130.0万 open. With shared follow-ups: 3. Region 华南大区 (with shared): only G2.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import duckdb
import openpyxl
import pytest
import yaml
from streamlit.testing.v1 import AppTest

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "dashboards" / "app.py"
PAGE_360 = "pages/customer_360.py"
PAGE_COLLISIONS = "pages/customer_collisions.py"
PAGE_TIERS = "pages/customer_tiers.py"
MODEL_YMLS = (
    REPO_ROOT / "dbt" / "models" / "marts" / "customers" / "_customers__models.yml",
    REPO_ROOT / "dbt" / "models" / "marts" / "core" / "_core__models.yml",
)

CUSTOMERS = [
    {
        "golden_customer_id": "G1",
        "customer_name": "上海市第一人民医院",
        "account_type": "hospital",
        "hospital_grade": "3A",
        "province": "上海市",
        "city": "上海市",
        "district": "徐汇区",
        "address": "上海市徐汇区中山路1号",
        "phone": "021-64041990",
        "credit_code": "12310000425000000X",
        "owner_id": "E1",
        "owner_name": "王芳",
        "team_id": "T1",
        "team_name": "华东一组",
        "region_name": "华东大区",
        "source_records": 3,
        "top_group_customer_id": "G1",
        "top_group_name": "上海市第一人民医院",
        "hierarchy_level": 1,
        "direct_subsidiaries": 0,
        "contacts": 2,
        "revenue_12m": "1200000.00",
        "value_score": 0.72,
        "customer_tier": "A",
        "profile_completeness": 1.0,
    },
    {
        "golden_customer_id": "G2",
        "customer_name": "瑞慈医疗集团有限公司",
        "account_type": "exam_group",
        "city": "上海市",
        "owner_id": "E1",
        "owner_name": "王芳",
        "team_name": "华东一组",
        "source_records": 1,
        "top_group_customer_id": "G2",
        "top_group_name": "瑞慈医疗集团有限公司",
        "hierarchy_level": 1,
        "direct_subsidiaries": 1,
        "value_score": 0.5,
        "customer_tier": "B",
        "profile_completeness": 0.5,
    },
    {
        "golden_customer_id": "G3",
        "customer_name": "瑞慈医疗(杭州)体检中心",
        "account_type": "exam_group",
        "city": "杭州市",
        "owner_id": "E3",
        "owner_name": "陈静",
        "team_name": "华南一组",
        "source_records": 1,
        "parent_golden_customer_id": "G2",
        "top_group_customer_id": "G2",
        "top_group_name": "瑞慈医疗集团有限公司",
        "hierarchy_level": 2,
        "direct_subsidiaries": 0,
        "value_score": 0.3,
        "customer_tier": "C",
        "profile_completeness": 0.5,
    },
]


def _match(account_id, golden, name, method, score, owner, team, cleaned=None):
    return {
        "account_id": account_id,
        "golden_customer_id": golden,
        "customer_name": next(
            c["customer_name"] for c in CUSTOMERS if c["golden_customer_id"] == golden
        ),
        "account_name": name,
        "normalized_name": cleaned or name,
        "match_method": method,
        "match_score": score,
        "match_evidence": "name 1.00",
        "owner_name": owner,
        "team_name": team,
        "created_on": dt.date(2020, 1, 1),
    }


MATCHES = [
    _match("A1", "G1", "上海市第一人民医院", "survivor", 1.0, "王芳", "华东一组"),
    _match("A2", "G1", "上海一院", "matched", 0.95, "李强", "华东二组"),
    _match(
        "A3",
        "G1",
        "上海市第一人民醫院(北部)",
        "matched",
        0.9,
        "王芳",
        "华东一组",
        cleaned="上海市第一人民医院(北部)",
    ),  # fmt: skip
    _match("A4", "G2", "瑞慈医疗集团有限公司", "singleton", 1.0, "王芳", "华东一组"),
    _match("A5", "G3", "瑞慈医疗(杭州)体检中心", "singleton", 1.0, "陈静", "华南一组"),
]
CONTACTS = [
    {"contact_id": "C1", "account_id": "A1", "department": "放射科", "title": "主任",
     "contact_name": "王**", "mobile": "138****5678"},
    {"contact_id": "C2", "account_id": "A2", "department": "检验科", "title": "主任",
     "contact_name": "李*", "mobile": "139****0000"},
    {"contact_id": "C3", "account_id": "A4", "department": "采购中心", "title": "主任",
     "contact_name": "赵*", "mobile": "137****1111"},
]  # fmt: skip
TIMELINE = [
    ("G1", "opportunity", "O1", "2025-03-01", "800000.00", "proposal", "lab_reagents"),
    ("G1", "opportunity", "O2", "2025-04-01", "500000.00", "negotiation", "new_line"),
    ("G1", "contract", "K1", "2025-02-01", "120000.00", "valid"),
    ("G1", "order", "R1", "2025-02-10", "120000.00", "contract"),
    ("G1", "device", "D1", "2024-06-01", None, "warranty"),
    ("G1", "service_ticket", "S1", "2025-05-01", None, "closed"),
    ("G1", "visit", "V1", "2025-05-02", None, "visit"),
    ("G3", "visit", "V2", "2025-05-03", None, "visit"),
]
COLLISIONS = [
    {
        "collision_id": "customer_owners:G1",
        "collision_type": "customer_owners",
        "golden_customer_id": "G1",
        "customer_name": "上海市第一人民医院",
        "region_names": "华东大区",
        "owners": 2,
        "teams": 2,
        "owner_names": "王芳 (华东一组), 李强 (华东二组)",
        "account_records": 3,
        "open_opportunities": 0,
        "open_amount": "0.00",
        "evidence": "A2 上海一院 → 李强",
        "is_shared_followup": False,
    },
    {
        "collision_id": "open_opportunities:G1",
        "collision_type": "open_opportunities",
        "golden_customer_id": "G1",
        "customer_name": "上海市第一人民医院",
        "region_names": "华东大区",
        "owners": 2,
        "teams": 2,
        "owner_names": "王芳 (华东一组), 李强 (华东二组)",
        "account_records": 2,
        "open_opportunities": 2,
        "open_amount": "1300000.00",
        "evidence": "O1, O2",
        "is_shared_followup": False,
    },
    {
        "collision_id": "group_owners:G2",
        "collision_type": "group_owners",
        "golden_customer_id": "G2",
        "customer_name": "瑞慈医疗集团有限公司",
        "region_names": "华东大区, 华南大区",
        "owners": 2,
        "teams": 2,
        "owner_names": "王芳 (华东一组), 陈静 (华南一组)",
        "account_records": 2,
        "open_opportunities": 0,
        "open_amount": "0.00",
        "evidence": "A4, A5",
        "is_shared_followup": True,
        "shared_followup_reason": "集团总部与分院分别采购",
    },
]


# (month, tier, customers, share of the month's customers)
TIER_SHARES = [
    ("2025-01-01", "A", 1, 0.25),
    ("2025-01-01", "B", 1, 0.25),
    ("2025-01-01", "C", 2, 0.5),
    ("2025-02-01", "A", 2, 0.5),
    ("2025-02-01", "B", 1, 0.25),
    ("2025-02-01", "C", 1, 0.25),
]


def _contracts() -> dict[str, dict[str, str]]:
    contracts = {}
    for yml in MODEL_YMLS:
        models = yaml.safe_load(yml.read_text(encoding="utf-8"))["models"]
        contracts |= {m["name"]: {c["name"]: c["data_type"] for c in m["columns"]} for m in models}
    return contracts


def build_customers_published(path: Path) -> Path:
    contracts = _contracts() | {
        "dim_product_lines": dict.fromkeys(
            ("product_line", "product_line_name_zh", "product_line_name_en"), "varchar"
        )
    }
    timeline = [
        {
            "golden_customer_id": golden,
            "account_id": "A1" if golden == "G1" else "A5",
            "account_name": "上海市第一人民医院" if golden == "G1" else "瑞慈医疗(杭州)体检中心",
            "event_type": kind,
            "event_id": event_id,
            "event_on": dt.date.fromisoformat(on),
            "amount": amount,
            "event_status": status,
            "detail": detail[0] if detail else None,
        }
        for golden, kind, event_id, on, amount, status, *detail in TIMELINE
    ]
    rows = {
        "dim_customers": CUSTOMERS,
        "fct_customer_account_matches": MATCHES,
        "dim_contacts": CONTACTS,
        "fct_customer_timeline": timeline,
        # the code table of product lines, as published from the seed (one line of it)
        "dim_product_lines": [
            {
                "product_line": "lab_reagents",
                "product_line_name_zh": "检验试剂",
                "product_line_name_en": "Lab reagents",
            },
        ],
        "rpt_customer_collisions": COLLISIONS,
        "rpt_customer_tier_share_monthly": [
            {
                "month_start": dt.date.fromisoformat(month),
                "customer_tier": tier,
                "customers": customers,
                "share_of_customers": share,
            }
            for month, tier, customers, share in TIER_SHARES
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        for mart, mart_rows in rows.items():
            columns = contracts[mart]
            ddl = ", ".join(f"{name} {data_type}" for name, data_type in columns.items())
            con.execute(f"create table {mart} ({ddl})")
            for row in mart_rows:
                con.execute(
                    f"insert into {mart} ({', '.join(columns)}) "
                    f"values ({', '.join('?' * len(columns))})",
                    [row.get(column) for column in columns],
                )
    finally:
        con.close()
    return path


@pytest.fixture
def customers_home(tmp_path: Path) -> Path:
    home = tmp_path / "customers_home"
    build_customers_published(home / "published.duckdb")
    return home


def run_page(home: Path, monkeypatch: pytest.MonkeyPatch, page: str) -> AppTest:
    monkeypatch.setenv("MEDOPS_HOME", str(home))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def search(at: AppTest, text: str) -> AppTest:
    at.text_input(key="customers_q").set_value(text).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_search_by_an_alias_shows_the_golden_customer(customers_home, monkeypatch):
    at = search(run_page(customers_home, monkeypatch, PAGE_360), "一院")
    assert at.selectbox(key="customers_pick").options == [
        "上海市第一人民医院 · 上海市 · G1  (上海一院)"
    ]
    cards = {metric.label: metric.value for metric in at.metric}
    assert cards == {
        "价值等级": "A",
        "价值得分": "0.72",
        "近12个月收入": "¥120.0万",
        "档案完整度": "100.0%",
        "源记录数": "3",
        # at a glance, from TIMELINE: O1 + O2 open, K1 valid, D1, S1 closed, V1 2025-05-02
        "在途商机金额": "¥130.0万",
        "有效合同": "1",
        "装机设备": "1",
        "未关闭工单": "0",
        "最近拜访": "2025-05-02",
    }
    tables = [frame.value for frame in at.dataframe]
    golden = next(t for t in tables if "字段" in t.columns)
    fields = dict(zip(golden["字段"], golden["值"], strict=True))
    assert fields["统一社会信用代码"] == "12310000425000000X"
    assert fields["省 / 市 / 区县"] == "上海市 / 上海市 / 徐汇区"
    assert fields["医院等级"] == "三级甲等"  # the code 3A through its label
    assert fields["客户类型"] == "医院"
    aliases = next(t for t in tables if "源记录名称" in t.columns)
    assert list(aliases["源客户编码"]) == ["A1", "A2", "A3"]
    assert list(aliases["归并方式"]) == ["主记录", "自动归并", "自动归并"]
    contacts = next(t for t in tables if "手机" in t.columns)
    assert sorted(contacts["姓名"]) == ["李*", "王**"]
    assert [tab.label for tab in at.tabs] == [
        "商机 (2)", "合同 (1)", "订单 (1)", "装机设备 (1)", "服务工单 (1)", "拜访 (1)",
    ]  # fmt: skip
    deals = next(t for t in tables if "编号" in t.columns and "O1" in t["编号"].tolist())
    # a product line by its name; a code the code table lacks stays as it is
    assert deals["详情"].tolist() == ["new_line", "检验试剂"]


def test_group_members_and_ordering_by_value(customers_home, monkeypatch):
    at = search(run_page(customers_home, monkeypatch, PAGE_360), "瑞慈")
    pick = at.selectbox(key="customers_pick")
    assert [option.split(" · ")[-1] for option in pick.options] == ["G2", "G3"]
    pick.set_value("G3").run()
    members = next(frame.value for frame in at.dataframe if "等级" in frame.value.columns)
    assert list(members["客户主编码"]) == ["G2", "G3"]


def test_search_in_traditional_characters_finds_the_simplified_name(customers_home, monkeypatch):
    # 第一人民醫院（北部） cleans to 第一人民医院(北部), the cleaned name of record A3 only
    at = search(run_page(customers_home, monkeypatch, PAGE_360), "第一人民醫院（北部）")
    assert at.selectbox(key="customers_pick").options == [
        "上海市第一人民医院 · 上海市 · G1  (上海市第一人民醫院(北部))"
    ]


def test_a_name_nobody_has(customers_home, monkeypatch):
    at = search(run_page(customers_home, monkeypatch, PAGE_360), "不存在的医院")
    assert [w.value for w in at.warning] == ["没有名称包含该文字的客户。"]


def test_collisions_hide_approved_shared_followup_until_asked(customers_home, monkeypatch):
    at = run_page(customers_home, monkeypatch, PAGE_COLLISIONS)
    cards = {metric.label: metric.value for metric in at.metric}
    assert cards["撞单数"] == "2"
    assert cards["涉及在途金额"] == "¥130.0万"
    at.toggle(key="customers_show_shared").set_value(True).run()
    assert {metric.label: metric.value for metric in at.metric}["撞单数"] == "3"
    at.multiselect(key="customers_collision_regions").set_value(["华南大区"]).run()
    table = at.dataframe[0].value
    assert list(table["客户主编码"]) == ["G2"]


def test_collisions_excel_download_has_the_rows_shown(customers_home, monkeypatch):
    from dashboards import charts, customers_data
    from dashboards.access import FULL_ACCESS
    from dashboards.data import current_published

    monkeypatch.setenv("MEDOPS_HOME", str(customers_home))
    frame = customers_data.collisions(current_published(FULL_ACCESS))
    workbook = openpyxl.load_workbook(
        io.BytesIO(charts.table_to_excel(frame[["collision_id", "open_amount"]], "x", "zh", {}))
    )
    values = [row for row in workbook.active.iter_rows(min_row=2, values_only=True)]
    # largest open amount first, then most owners, then id
    assert [v[0] for v in values] == [
        "open_opportunities:G1",
        "customer_owners:G1",
        "group_owners:G2",
    ]


def test_tier_page_shows_the_latest_month_and_the_trend(customers_home, monkeypatch):
    at = run_page(customers_home, monkeypatch, PAGE_TIERS)
    assert {metric.label: metric.value for metric in at.metric} == {
        "最新月份": "2025-02",
        "A 级（高价值）": "2 · 50.0%",
        "B 级": "1 · 25.0%",
        "C 级": "1 · 25.0%",
    }
    assert len(at.get("plotly_chart")) == 1


# G1's open instalments on the latest aging date (2026-10-31): S1 45 days overdue ¥100,000 and
# S2 not yet due ¥50,000; S3 is settled, the 2026-09-30 row is not the latest date and G2's row
# is another customer's -> open ¥150,000, overdue ¥100,000, longest 45 days.
AGING_ROWS = [
    ("2026-10-31", True, "S1", "G1", "100000.00", 45, "days_31_60"),
    ("2026-10-31", True, "S2", "G1", "50000.00", -5, "not_yet_due"),
    ("2026-10-31", True, "S3", "G1", "0.00", 10, "days_1_30"),
    ("2026-09-30", False, "S1", "G1", "100000.00", 14, "days_1_30"),
    ("2026-10-31", True, "S9", "G2", "70000.00", 100, "days_91_180"),
]


def add_receivables_marts(path: Path) -> None:
    """The aging snapshot (typed by its contract) and the bucket table (the seed) for G1, G2."""
    yml = REPO_ROOT / "dbt" / "models" / "marts" / "receivables" / "_receivables__models.yml"
    models = yaml.safe_load(yml.read_text(encoding="utf-8"))["models"]
    columns = next(
        {c["name"]: c["data_type"] for c in m["columns"]}
        for m in models
        if m["name"] == "fct_ar_aging_snapshot"
    )
    con = duckdb.connect(str(path))
    try:
        ddl = ", ".join(f"{name} {data_type}" for name, data_type in columns.items())
        con.execute(f"create table fct_ar_aging_snapshot ({ddl})")
        for as_of, latest, statement, golden, amount, days, bucket in AGING_ROWS:
            row = {
                "as_of_date": dt.date.fromisoformat(as_of),
                "is_latest": latest,
                "statement_id": statement,
                "installment_no": 1,
                "account_id": f"A_{statement}",
                "account_name": "上海一院",
                "golden_customer_id": golden,
                "due_on": dt.date(2026, 9, 16),
                "open_amount": amount,
                "days_past_due": days,
                "due_bucket_code": bucket,
                "late_fee_accrued": "0.00",
            }
            con.execute(
                f"insert into fct_ar_aging_snapshot ({', '.join(columns)}) "
                f"values ({', '.join('?' * len(columns))})",
                [row.get(column) for column in columns],
            )
        con.execute(
            "create table dim_ar_aging_buckets as select * from read_csv(?, all_varchar = true)",
            [str(REPO_ROOT / "seeds" / "aging_buckets.csv")],
        )
    finally:
        con.close()


def test_receivables_on_the_360_page(customers_home, monkeypatch):
    add_receivables_marts(customers_home / "published.duckdb")
    at = search(run_page(customers_home, monkeypatch, PAGE_360), "一院")
    cards = {metric.label: metric.value for metric in at.metric}
    assert (cards["未结清金额"], cards["逾期金额"], cards["最长逾期天数"]) == (
        "¥150,000",
        "¥100,000",
        "45",
    )
    aging = next(frame.value for frame in at.dataframe if "账龄区间" in frame.value.columns)
    assert list(aging["对账单号"]) == ["S1", "S2"]
    assert list(aging["账龄区间"]) == ["逾期31-60天", "未到期"]


def test_360_page_without_receivables_says_so(customers_home, monkeypatch):
    at = search(run_page(customers_home, monkeypatch, PAGE_360), "一院")
    assert any("尚未发布应收账龄数据" in caption.value for caption in at.caption)
