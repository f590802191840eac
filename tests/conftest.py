"""Shared test fixtures."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl
import pytest
import yaml

if TYPE_CHECKING:
    import dagster as dg
    from streamlit.testing.v1 import AppTest

# --- the main module ----------------------------------------------------------------------
# Streamlit's AppTest runs a page as ``__main__`` and leaves it in sys.modules. A process
# started later with the spawn method (Dagster's multiprocess executor, as the shared
# end-to-end build launches the job) imports the parent's main module first, so it would run
# that page and exit with code 1 before its step began. Every test hands the real one back.
_REAL_MAIN_MODULE = sys.modules["__main__"]


@pytest.fixture(autouse=True)
def restore_main_module():
    yield
    sys.modules["__main__"] = _REAL_MAIN_MODULE


# --- cockpit: every AppTest starts logged in ------------------------------------------------
# The cockpit answers nothing without a login. The page suites test pages, not the login, so
# each AppTest they create starts with the session a password login of an executive (who may
# open every data page and see every row) would leave; tests/test_cockpit_access.py tests the
# login itself and the other roles. Mark a test ``anonymous`` for an AppTest without a login.

COCKPIT_TEST_USER = "test.executive"
COCKPIT_TEST_ADMIN = "test.admin"
COCKPIT_TEST_PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def cockpit_users_file(tmp_path_factory) -> Path:
    """A users file with the test executive (hashed once per run: bcrypt is slow on purpose)."""
    from dashboards import users

    path = tmp_path_factory.mktemp("cockpit_users") / "users.yaml"
    users.add_user(COCKPIT_TEST_USER, "测试总经理", "executive", COCKPIT_TEST_PASSWORD, path=path)
    users.add_user(COCKPIT_TEST_ADMIN, "测试管理员", "admin", COCKPIT_TEST_PASSWORD, path=path)
    return path


@pytest.fixture(autouse=True)
def cockpit_login(request, monkeypatch, tmp_path):
    """Log every AppTest of the test in as the test executive (unless marked anonymous)."""
    if "streamlit.testing.v1" not in sys.modules:
        return
    from streamlit.testing.v1 import AppTest

    from dashboards.access import FULL_ACCESS
    from dashboards.auth_session import SESSION_KEY, AuthSession, now

    monkeypatch.setenv("MEDOPS_USERS_FILE", str(request.getfixturevalue("cockpit_users_file")))
    monkeypatch.setenv("MEDOPS_AUDIT_DB", str(tmp_path / "audit.sqlite"))
    if request.node.get_closest_marker("anonymous"):
        return
    from_file = AppTest.from_file

    def logged_in(*args, **kwargs) -> AppTest:
        at = from_file(*args, **kwargs)
        at.session_state[SESSION_KEY] = AuthSession(
            COCKPIT_TEST_USER, "测试总经理", FULL_ACCESS, now(), now()
        )
        return at

    monkeypatch.setattr(AppTest, "from_file", logged_in)


# --- cockpit: a tiny published file with the sales-funnel marts -----------------------------
# Six hand-written opportunities; the expected figures in tests/test_cockpit*.py are worked out
# by hand from these rows (see the comments there), not by the cockpit's own queries.

_STAGES = {
    "qualification": (1, "初步接洽", "Qualification"),
    "needs_analysis": (2, "需求确认", "Needs analysis"),
    "proposal": (3, "方案报价", "Proposal"),
    "negotiation": (4, "商务谈判", "Negotiation"),
    "won": (5, "赢单", "Won"),
}
# team: (name, province unit id and name, region id and name)
_TEAMS = {
    "T_EAST_1": ("华东一组", "P_JS", "江苏省区", "R_EAST", "华东大区"),
    "T_SOUTH_1": ("华南一组", "P_GD", "广东省区", "R_SOUTH", "华南大区"),
}
_REPS = {"U1": ("张伟", "T_EAST_1"), "U2": ("李娜", "T_EAST_1"), "U3": ("王芳", "T_SOUTH_1")}

# opportunity: (owner, product line, channel, lead source, amount, latest stage, lost reason)
COCKPIT_OPPORTUNITIES = {
    "O1": ("U1", "imaging_equipment", "direct", "trade_show", "1200000.00", "won", None),
    "O2": ("U1", "imaging_equipment", "direct", "website", "800000.00", "lost", "价格因素"),
    "O3": ("U3", "lab_reagents", "distributor", "referral", "350000.00", "won", None),
    "O4": ("U3", "lab_reagents", "direct", None, "90000.00", "needs_analysis", None),
    "O5": ("U2", "lab_reagents", "direct", "website", "60000.00", "lost", None),
    "O6": ("U2", "imaging_equipment", "direct", "trade_show", "500000.00", "won", None),
}
SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"

# (opportunity, stage, reached on, advanced to next stage, skipped, days in stage or None)
COCKPIT_STAGE_ROWS = [
    ("O1", "qualification", "2025-01-10", True, False, 10.0),
    ("O1", "needs_analysis", "2025-01-20", True, False, 12.0),
    ("O1", "proposal", "2025-02-01", True, False, 15.0),
    ("O1", "negotiation", "2025-02-16", True, False, 13.0),
    ("O1", "won", "2025-03-01", False, False, None),
    ("O2", "qualification", "2025-02-05", True, False, 5.0),
    ("O2", "needs_analysis", "2025-02-10", True, False, 20.0),
    ("O2", "proposal", "2025-03-02", False, False, 30.0),
    ("O3", "qualification", "2025-03-15", True, False, 17.0),
    ("O3", "needs_analysis", "2025-04-01", True, True, None),
    ("O3", "proposal", "2025-04-01", True, False, 25.0),
    ("O3", "negotiation", "2025-04-26", True, False, 24.0),
    ("O3", "won", "2025-05-20", False, False, None),
    ("O4", "qualification", "2025-04-01", True, False, 8.0),
    ("O4", "needs_analysis", "2025-04-09", False, False, None),
    ("O5", "qualification", "2025-06-03", False, False, 4.0),
    ("O6", "qualification", "2024-03-01", True, False, 20.0),
    ("O6", "needs_analysis", "2024-03-21", True, False, 10.0),
    ("O6", "proposal", "2024-03-31", True, False, 15.0),
    ("O6", "negotiation", "2024-04-15", True, False, 16.0),
    ("O6", "won", "2024-05-01", False, False, None),
]

_FCT_DDL = """
create table fct_funnel_stage_reached (
    opportunity_id varchar not null,
    stage_code varchar not null,
    stage_order integer,
    stage_name_zh varchar,
    stage_name_en varchar,
    reached_at timestamp not null,
    reached_month date,
    advanced_to_next_stage boolean,
    is_final_stage boolean,
    is_skipped boolean,
    spells_in_stage bigint,
    days_in_stage double,
    is_won boolean,
    is_lost boolean,
    owner_id varchar,
    owner_name varchar,
    team_id varchar,
    team_name varchar,
    province_unit_id varchar,
    province_unit_name varchar,
    region_id varchar,
    region_name varchar,
    product_line varchar,
    channel varchar,
    lead_source varchar,
    lost_reason varchar,
    account_id varchar,
    amount decimal(18, 2),
    has_stage_history boolean
)
"""

# The code tables the cockpit labels codes with: published mart -> the seed it copies.
_CODE_TABLES = {
    "dim_product_lines": "product_lines",
    "dim_sales_channels": "sales_channels",
    "dim_lead_sources": "lead_sources",
    "dim_lost_reasons": "lost_reasons",
}


def build_cockpit_published(path: Path) -> Path:
    """Write a published DuckDB file with the funnel fact (from the rows above) and the code
    tables (copies of the seeds, as the dim_ marts are)."""
    rows = []
    for opp, stage, reached_on, advanced, skipped, days in COCKPIT_STAGE_ROWS:
        owner, product_line, channel, lead_source, amount, latest, reason = COCKPIT_OPPORTUNITIES[
            opp
        ]
        owner_name, team_id = _REPS[owner]
        team_name, province_id, province, region_id, region = _TEAMS[team_id]
        order, name_zh, name_en = _STAGES[stage]
        reached_at = dt.datetime.fromisoformat(reached_on).replace(hour=9)
        rows.append(
            (
                opp,
                stage,
                order,
                name_zh,
                name_en,
                reached_at,
                reached_at.date().replace(day=1),
                advanced,
                stage == "won",
                skipped,
                0 if skipped else 1,
                days,
                latest == "won",
                latest == "lost",
                owner,
                owner_name,
                team_id,
                team_name,
                province_id,
                province,
                region_id,
                region,
                product_line,
                channel,
                lead_source,
                reason,
                f"A_{opp}",
                amount,
                # O5 came from an export with its current stage only (no stage history)
                opp != "O5",
            )
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute(_FCT_DDL)
        con.executemany(
            f"insert into fct_funnel_stage_reached values ({', '.join(['?'] * len(rows[0]))})",
            rows,
        )
        for table, seed in _CODE_TABLES.items():
            con.execute(
                f"create table {table} as select * from read_csv(?, all_varchar = true)",
                [str(SEEDS_DIR / f"{seed}.csv")],
            )
    finally:
        con.close()
    return path


@pytest.fixture
def cockpit_home(tmp_path: Path) -> Path:
    """A MEDOPS_HOME whose published.duckdb holds the hand-written sales-funnel marts."""
    home = tmp_path / "medops_home"
    build_cockpit_published(home / "published.duckdb")
    return home


# --- cockpit: a published file with the four data-quality marts ------------------------------
# Hand-written rows; the expected figures in tests/test_data_quality_page.py are worked out by
# hand from these rows (see the comments there). The tables take their columns and types from
# the marts' enforced contracts (dbt/models/marts/data_quality/_data_quality__models.yml), so a
# contract change that the page does not follow shows up here.

DATA_QUALITY_MODELS_YML = (
    Path(__file__).resolve().parent.parent
    / "dbt"
    / "models"
    / "marts"
    / "data_quality"
    / "_data_quality__models.yml"
)


def _ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


DQ_INGEST_FILES = [
    {
        "load_id": "L1",
        "source": "crm_accounts",
        "system": "crm",
        "file_name": "crm_accounts_20261120.xlsx",
        "status": "loaded",
        "rows_read": 100,
        "rows_loaded": 95,
        "rows_quarantined": 5,
        "rows_rejected": 0,
        "quarantine_share": 0.05,
        "encoding": "xlsx",
        "loaded_at": _ts("2026-11-21 02:05:00"),
        "earlier_versions": 1,
    },
    {
        "load_id": "L2",
        "source": "crm_visits",
        "system": "crm",
        "file_name": "crm_visits_20261121.csv",
        "status": "loaded",
        "rows_read": 200,
        "rows_loaded": 190,
        "rows_quarantined": 10,
        "rows_rejected": 0,
        "quarantine_share": 0.05,
        "encoding": "gb18030",
        "unmapped_columns": "备注, 来源",
        "message": "schema drift: unmapped columns ['备注', '来源'] kept in _extra",
        "loaded_at": _ts("2026-11-21 02:06:00"),
    },
    {
        "load_id": "L3",
        "source": "erp_orders",
        "system": "erp",
        "file_name": "erp_orders_20261121.csv",
        "status": "rejected",
        "rows_read": 50,
        "rows_loaded": 0,
        "rows_quarantined": 0,
        "rows_rejected": 50,
        "encoding": "utf-8-sig",
        "message": "required columns missing: sku (物料编码/sku)",
        "loaded_at": _ts("2026-11-21 02:07:00"),
    },
    {
        "load_id": "L4",
        "source": None,
        "system": None,
        "file_name": "notes_20261121.txt",
        "status": "rejected",
        "rows_read": 0,
        "rows_loaded": 0,
        "rows_quarantined": 0,
        "rows_rejected": 0,
        "message": "no source contract matches this file name",
        "loaded_at": _ts("2026-11-21 02:08:00"),
    },
    {
        "load_id": "L5",
        "source": "svc_tickets",
        "system": "service",
        "file_name": "svc_tickets_20261118.xlsx",
        "status": "loaded",
        "rows_read": 40,
        "rows_loaded": 40,
        "rows_quarantined": 0,
        "rows_rejected": 0,
        "quarantine_share": 0.0,
        "encoding": "xlsx",
        "loaded_at": _ts("2026-11-18 02:00:00"),
    },
]

# (load_id, reason kind, rows, example row number or None for a whole file)
DQ_QUARANTINE_REASONS = [
    ("L1", "missing value in account_id", 3, 7),
    ("L1", "duplicate row", 2, 40),
    ("L2", "unknown code in activity_type", 6, 3),
    ("L2", "invalid timestamp in checked_in_at", 4, 12),
    ("L3", "required columns missing", 1, None),
    ("L4", "no source contract matches this file name", 1, None),
]

# (source, expectation, columns, success, checked, unexpected, percent)
DQ_VALIDATION = [
    ("crm_accounts", "expect_column_values_to_not_be_null", "account_name", True, 95, 0, 0.0),
    ("crm_visits", "expect_column_values_to_be_between", "longitude", False, 190, 7, 3.684),
    (
        "svc_tickets",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "resolved_at,created_at",
        False,
        40,
        2,
        5.0,
    ),
]

DQ_MEASURED_AT = _ts("2026-11-21 10:00:00")
# (source, system, last loaded at or None, age in hours, status): ages from DQ_MEASURED_AT
DQ_FRESHNESS = [
    ("crm_accounts", "crm", _ts("2026-11-21 02:05:00"), 7.9166667, "fresh"),
    ("crm_visits", "crm", _ts("2026-11-21 02:06:00"), 7.9, "fresh"),
    ("erp_orders", "erp", None, None, "error"),  # its only file was rejected
    ("svc_tickets", "service", _ts("2026-11-18 02:00:00"), 80.0, "warn"),
]


def data_quality_contracts() -> dict[str, dict[str, str]]:
    """Column name -> data type of each data-quality mart, from its enforced contract."""
    models = yaml.safe_load(DATA_QUALITY_MODELS_YML.read_text(encoding="utf-8"))["models"]
    return {m["name"]: {c["name"]: c["data_type"] for c in m["columns"]} for m in models}


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], row: dict) -> None:
    con.execute(
        f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' * len(columns))})",
        [row.get(column) for column in columns],
    )


def _data_quality_rows() -> dict[str, list[dict]]:
    files = {row["load_id"]: row for row in DQ_INGEST_FILES}
    reasons = []
    for load_id, kind, count, example in DQ_QUARANTINE_REASONS:
        file = files[load_id]
        whole = example is None
        reasons.append(
            {
                "source": file["source"],
                "system": file["system"],
                "file_name": file["file_name"],
                "load_id": load_id,
                "reason_kind": kind,
                "is_whole_file": whole,
                "rows_quarantined": count,
                "share_of_rows_read": None if whole else count / file["rows_read"],
                "example_row_number": example,
                "example_reason": kind if whole else f"{kind}: 'x'",
                "example_raw_values": None if whole else '{"a": "x"}',
                "loaded_at": file["loaded_at"],
            }
        )
    validation = [
        {
            "source": source,
            "system": {"crm": "crm", "svc": "service"}[source.split("_")[0]],
            "expectation": expectation,
            "column_names": columns,
            "success": success,
            "element_count": checked,
            "unexpected_count": unexpected,
            "unexpected_percent": percent,
            "partial_unexpected": None if success else '["a", "b"]',
            "run_id": "R9",
            "validated_at": _ts("2026-11-21 02:30:00"),
        }
        for source, expectation, columns, success, checked, unexpected, percent in DQ_VALIDATION
    ]
    freshness = []
    for source, system, last_loaded_at, age, status in DQ_FRESHNESS:
        own = [f for f in DQ_INGEST_FILES if f["source"] == source]
        last = max(own, key=lambda f: f["loaded_at"])
        freshness.append(
            {
                "source": source,
                "system": system,
                "last_file_name": last["file_name"],
                "last_file_status": last["status"],
                "last_file_at": last["loaded_at"],
                "last_loaded_at": last_loaded_at,
                "files_in_force": len(own),
                "files_loaded": sum(f["status"] == "loaded" for f in own),
                "files_rejected": sum(f["status"] == "rejected" for f in own),
                "rows_read": sum(f["rows_read"] for f in own),
                "rows_loaded": sum(f["rows_loaded"] for f in own),
                "rows_quarantined": sum(f["rows_quarantined"] for f in own),
                "age_hours": age,
                "warn_after_hours": 48,
                "error_after_hours": 168,
                "freshness_status": status,
                "measured_at": DQ_MEASURED_AT,
            }
        )
    return {
        "rpt_ingest_files": DQ_INGEST_FILES,
        "rpt_quarantine_reasons": reasons,
        "rpt_validation_latest": validation,
        "rpt_source_freshness": freshness,
    }


def build_data_quality_published(
    path: Path, marts: tuple[str, ...] | None = None, empty: bool = False
) -> Path:
    """Write a published DuckDB file with the data-quality marts (all of them, or ``marts``)
    filled from the rows above, or left empty."""
    contracts = data_quality_contracts()
    rows = _data_quality_rows()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        for mart in marts or tuple(contracts):
            columns = contracts[mart]
            ddl = ", ".join(f"{name} {data_type}" for name, data_type in columns.items())
            con.execute(f"create table {mart} ({ddl})")
            # marts without hand-written rows (rpt_export_shapes: full exports) stay empty
            for row in [] if empty else rows.get(mart, []):
                _insert(con, mart, list(columns), row)
    finally:
        con.close()
    return path


def add_export_shape(published: Path, area: str, source_shape: str, source_rows: int) -> None:
    """Record in a published file that ``area`` rests on a thin export shape, as
    ``rpt_export_shapes`` does after a build on such an export (the table is made if needed).
    Published as a build publishes: a new file renamed over the old one (the cockpit keeps the
    old one open, and DuckDB refuses to write a file another database of the process has open)."""
    next_file = published.with_name(published.name + ".next")
    shutil.copyfile(published, next_file)
    con = duckdb.connect(str(next_file))
    try:
        con.execute(
            "create table if not exists rpt_export_shapes"
            " (area varchar, source_shape varchar, source_rows bigint)"
        )
        con.execute(
            "insert into rpt_export_shapes values (?, ?, ?)", [area, source_shape, source_rows]
        )
    finally:
        con.close()
    os.replace(next_file, published)


@pytest.fixture
def data_quality_home(tmp_path: Path) -> Path:
    """A MEDOPS_HOME whose published.duckdb holds the hand-written data-quality marts."""
    home = tmp_path / "dq_home"
    build_data_quality_published(home / "published.duckdb")
    return home


# --- cockpit: a published file with the sales KPI and alert marts ------------------------------
# Hand-written rows; the expected figures in tests/test_sales_pages.py are worked out by hand
# from these rows (see the comments there). Columns and types come from the marts' enforced
# contracts (dbt/models/marts/sales/_sales_kpis__models.yml and _sales_alerts__models.yml).

SALES_MODELS_DIR = Path(__file__).resolve().parent.parent / "dbt" / "models" / "marts" / "sales"
SALES_MARTS = (
    "rpt_quota_attainment_monthly",
    "rpt_revenue_monthly",
    "rpt_lead_response_monthly",
    "rpt_deal_size_monthly",
    "rpt_customer_retention_quarterly",
    "rpt_sales_alerts",
)
_SALES_TEAMS = {
    "T_EAST_1": ("华东一组", "P_JS", "江苏省区", "R_EAST", "华东大区"),
    "T_SOUTH_1": ("华南一组", "P_GD", "广东省区", "R_SOUTH", "华南大区"),
    None: (None, None, None, None, None),
}
_SALES_PEOPLE = {
    "E1": ("王芳", "T_EAST_1", "M1", "李强"),
    "E2": ("陈静", "T_SOUTH_1", "M2", "赵敏"),
    "E3": ("刘洋", "T_EAST_1", "M1", "李强"),
    "E9": ("周杰", None, None, None),  # not in a team
}

# (month, employee, quota or None, deals won, bookings)
SALES_QUOTA_ROWS = [
    ("2024-01", "E1", "100000.00", 1, "100000.00"),
    ("2025-01", "E1", "100000.00", 1, "80000.00"),
    ("2025-02", "E1", "100000.00", 2, "70000.00"),
    ("2025-01", "E2", "50000.00", 1, "60000.00"),
    ("2025-02", "E2", "50000.00", 0, "0.00"),
    ("2025-02", "E9", None, 1, "30000.00"),
]
# (month, team, product line, revenue)
SALES_REVENUE_ROWS = [
    ("2025-01", "T_EAST_1", "imaging_equipment", "120000.00"),
    ("2025-02", "T_EAST_1", "lab_reagents", "30000.00"),
    ("2025-03", "T_SOUTH_1", "lab_reagents", "45000.00"),
    ("2025-02", None, "lab_reagents", "5000.00"),
]
# (month, team, lead source, leads, contacted, contacted within 24 h)
SALES_LEAD_ROWS = [
    ("2025-01", "T_EAST_1", "web", 10, 8, 6),
    ("2025-02", "T_EAST_1", "event", 10, 9, 6),
    ("2025-01", "T_SOUTH_1", "web", 5, 4, 1),
    ("2025-02", None, "web", 5, 0, 0),
]
# (month won, team, product line, channel, deals won, won amount)
SALES_DEAL_ROWS = [
    ("2024-01", "T_EAST_1", "imaging_equipment", "direct", 1, "100000.00"),
    ("2025-01", "T_EAST_1", "imaging_equipment", "direct", 2, "300000.00"),
    ("2025-02", "T_SOUTH_1", "lab_reagents", "direct", 1, "60000.00"),
]
# (quarter, team, has prior history, complete quarter, active, new, returning, active in the
# previous quarter, retained, churned, cross-sold)
SALES_RETENTION_ROWS = [
    ("2023-10", "T_EAST_1", False, True, 5, 5, 0, 0, 0, 0, 0),
    ("2024-10", "T_EAST_1", True, True, 10, 2, 8, 9, 7, 2, 2),
    ("2025-01", "T_EAST_1", True, False, 12, 3, 9, 10, 8, 2, 3),
    ("2025-01", "T_SOUTH_1", True, False, 4, 1, 3, 5, 3, 2, 0),
]
SALES_ALERTS_AS_OF = _ts("2026-11-20 18:00:00")
_ALERT_NAMES = {
    "no_follow_up": ("商机超期未跟进", "Opportunity without follow-up"),
    "lead_not_contacted": ("线索超时未联系", "Lead not contacted"),
    "stuck_in_stage": ("商机阶段停滞", "Deal stuck in stage"),
}
# (rule, subject, stage, owner or None, days since, threshold, unit, amount or None)
SALES_ALERT_ROWS = [
    ("no_follow_up", "O101", "proposal", "E1", 50.0, 15.0, "days", "800000.00"),
    ("lead_not_contacted", "L201", None, "E2", 3.0, 24.0, "hours", None),
    ("stuck_in_stage", "O102", "negotiation", "E1", 80.0, 23.5, "days", "1200000.00"),
    ("no_follow_up", "O103", "needs_analysis", "E3", 30.0, 15.0, "days", "60000.00"),
    ("lead_not_contacted", "L202", None, None, 1.5, 24.0, "hours", None),
]


def sales_contracts() -> dict[str, dict[str, str]]:
    """Column name -> data type of each sales mart, from the enforced contracts."""
    contracts = {}
    for yml in (
        "_sales_kpis__models.yml",
        "_sales_alerts__models.yml",
        "_sales_outcomes__models.yml",
    ):
        models = yaml.safe_load((SALES_MODELS_DIR / yml).read_text(encoding="utf-8"))["models"]
        contracts |= {m["name"]: {c["name"]: c["data_type"] for c in m["columns"]} for m in models}
    return contracts


_PRODUCT_LINE_NAMES_ZH = {"imaging_equipment": "影像设备", "lab_reagents": "检验试剂"}


def _team_columns(team_id: str | None) -> dict:
    team_name, province_id, province, region_id, region = _SALES_TEAMS[team_id]
    return {
        "team_id": team_id,
        "team_name": team_name,
        "province_unit_id": province_id,
        "province_unit_name": province,
        "region_id": region_id,
        "region_name": region,
    }


def _month(text: str) -> dt.date:
    return dt.date.fromisoformat(f"{text}-01")


def _sales_rows() -> dict[str, list[dict]]:
    quota = []
    for month, employee, quota_amount, won, bookings in SALES_QUOTA_ROWS:
        name, team_id, _, _ = _SALES_PEOPLE[employee]
        start = _month(month)
        quarter = (start.month - 1) // 3
        quota.append(
            {
                "month_start": start,
                "quota_month": month,
                "quarter_start": start.replace(month=quarter * 3 + 1),
                "quarter_label": f"{start.year}-Q{quarter + 1}",
                "employee_id": employee,
                "employee_name": name,
                **_team_columns(team_id),
                "quota_amount": quota_amount,
                "deals_won": won,
                "bookings_amount": bookings,
                "attainment": float(bookings) / float(quota_amount) if quota_amount else None,
            }
        )
    revenue = [
        {
            "month_start": _month(month),
            **_team_columns(team_id),
            "product_line": line,
            "product_line_name_zh": _PRODUCT_LINE_NAMES_ZH[line],
            "orders": 1,
            "order_lines": 1,
            "quantity": 1,
            "revenue": amount,
        }
        for month, team_id, line, amount in SALES_REVENUE_ROWS
    ]
    leads = [
        {
            "month_start": _month(month),
            **_team_columns(team_id),
            "lead_source": lead_source,
            "leads": count,
            "leads_contacted": contacted,
            "leads_contacted_within_24h": within,
            "share_contacted_within_24h": within / count,
            "leads_converted": 0,
            "conversion_rate": 0.0,
        }
        for month, team_id, lead_source, count, contacted, within in SALES_LEAD_ROWS
    ]
    alerts = []
    for rule, subject, stage, owner, days, threshold, unit, amount in SALES_ALERT_ROWS:
        name, team_id, manager_id, manager_name = _SALES_PEOPLE.get(owner, (None,) * 4)
        alerts.append(
            {
                "alert_rule": rule,
                "alert_name_zh": _ALERT_NAMES[rule][0],
                "alert_name_en": _ALERT_NAMES[rule][1],
                "subject_id": subject,
                "stage_code": stage,
                "owner_id": owner,
                "owner_name": name,
                "manager_id": manager_id,
                "manager_name": manager_name,
                **_team_columns(team_id),
                "last_touch_at": SALES_ALERTS_AS_OF - dt.timedelta(days=days),
                "as_of_at": SALES_ALERTS_AS_OF,
                "days_since": days,
                "threshold": threshold,
                "threshold_unit": unit,
                "amount": amount,
            }
        )
    deals = [
        {
            "month_start": _month(month),
            **_team_columns(team_id),
            "product_line": line,
            "channel": channel,
            "deals_won": won,
            "won_amount": amount,
            "average_deal_size": float(amount) / won,
            "median_deal_size": float(amount) / won,
        }
        for month, team_id, line, channel, won, amount in SALES_DEAL_ROWS
    ]
    retention = []
    for row in SALES_RETENTION_ROWS:
        quarter, team_id, prior, complete, active, new, returning = row[:7]
        previous, retained, churned, cross_sold = row[7:]
        retention.append(
            {
                "quarter_start": _month(quarter),
                **_team_columns(team_id),
                "has_prior_history": prior,
                "is_complete_quarter": complete,
                "customers_active": active,
                "customers_new": new,
                "customers_returning": returning,
                "customers_previous_quarter": previous,
                "customers_retained": retained,
                "customers_churned": churned,
                "customers_cross_sold": cross_sold,
                "revenue": "0.00",
            }
        )
    return {
        "rpt_quota_attainment_monthly": quota,
        "rpt_revenue_monthly": revenue,
        "rpt_lead_response_monthly": leads,
        "rpt_deal_size_monthly": deals,
        "rpt_customer_retention_quarterly": retention,
        "rpt_sales_alerts": alerts,
    }


def build_sales_published(
    path: Path, marts: tuple[str, ...] = SALES_MARTS, empty: bool = False
) -> Path:
    """Write a published DuckDB file with the sales KPI and alert marts (or ``marts``) filled
    from the rows above, or left empty."""
    contracts = sales_contracts()
    rows = _sales_rows()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        for mart in marts:
            columns = contracts[mart]
            ddl = ", ".join(f"{name} {data_type}" for name, data_type in columns.items())
            con.execute(f"create table {mart} ({ddl})")
            for row in [] if empty else rows[mart]:
                _insert(con, mart, list(columns), row)
    finally:
        con.close()
    return path


@pytest.fixture
def sales_home(tmp_path: Path) -> Path:
    """A MEDOPS_HOME whose published.duckdb holds the hand-written sales KPI and alert marts."""
    home = tmp_path / "sales_home"
    build_sales_published(home / "published.duckdb")
    return home


# --- one warehouse built end to end from clean generated exports, shared by the slow suites ---


@pytest.fixture
def spark_runtime() -> None:
    """Java and pyspark are there, or the test fails with the commands that install them: the
    Spark suites never skip."""
    from medops.spark import SparkSetupError, check_spark_runtime

    try:
        check_spark_runtime()
    except SparkSetupError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def clean_build(tmp_path_factory):
    """Generated exports (scale 0.01, seed 11, no dirt) through the real Dagster job, launched
    as the daemon launches it (the job's in-process executor, one step at a time, a persistent
    instance): ingest, dbt build, blocking checks, publish. Returns (home, exports, result)."""
    import dagster as dg

    from dagster_project.launch import run_nightly
    from medops.generator import generate_exports

    home = tmp_path_factory.mktemp("medops_home")
    exports = home / "exports"
    generate_exports(exports, scale=0.01, seed=11, dirty_rate=0.0)
    with pytest.MonkeyPatch.context() as patch:
        # the step processes read both from the environment
        patch.setenv("MEDOPS_HOME", str(home))
        patch.setenv("DAGSTER_HOME", str(home / "dagster"))
        (home / "dagster").mkdir()
        with dg.DagsterInstance.get() as instance:
            result = run_nightly(instance, exports, log_level="WARNING")
    return home, exports, result


def step_spans(instance: dg.DagsterInstance, run_id: str) -> dict[str, tuple[float, float, int]]:
    """step key -> (started, ended, process id) from the run's event log."""
    import dagster as dg

    spans: dict[str, list] = {}
    for kind in (dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS):
        for record in instance.get_records_for_run(run_id, of_type=kind).records:
            entry = record.event_log_entry
            span = spans.setdefault(entry.dagster_event.step_key, [None, None, None])
            if kind == dg.DagsterEventType.STEP_START:
                span[0], span[2] = entry.timestamp, entry.dagster_event.pid
            else:
                span[1] = entry.timestamp
    return {step: tuple(span) for step, span in spans.items()}


# --- comparing two warehouses built from the same exports ----------------------------------
# Two runs differ where the run's clock or identity writes, and nowhere else:
FLOAT_DECIMALS = 4
# columns the run's clock or identity writes: the same exports loaded at another time differ
# there and nowhere else
VOLATILE_COLUMNS = {
    "_load_id",
    "load_id",
    "_loaded_at",
    "loaded_at",
    "frozen_at",
    "last_loaded_at",
    "last_file_at",
    "measured_at",
    "age_hours",
    "freshness_status",
    "validated_at",
    "run_id",
    "published_at",
    "copy_id",
    "warehouse_path",
}
# every validation run is appended, a killed run's partial one too: a history, not a result
# (the latest result per source is the mart rpt_validation_latest, compared)
HISTORY_TABLES = {
    '"raw"."_validation_results"',
    '"staging"."stg_ingest_meta__validation_results"',  # its staging view
}


def table_fingerprints(db: Path, schemas: tuple[str, ...]) -> dict[str, tuple[int, int, int]]:
    """schema.table -> (rows, distinct rows, content hash) over the comparable columns."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns: dict[str, list[str]] = {}
        for schema, table, column, data_type in con.execute(
            "select schema_name, table_name, column_name, data_type from duckdb_columns() "
            "where database_name = current_database() and schema_name in "
            f"({', '.join('?' for _ in schemas)}) order by schema_name, table_name, "
            "column_index",
            list(schemas),
        ).fetchall():
            name = f'"{schema}"."{table}"'
            if name in HISTORY_TABLES:
                continue
            columns.setdefault(name, [])
            if column in VOLATILE_COLUMNS:
                continue
            quoted = f'"{column}"'
            if data_type in ("DOUBLE", "FLOAT"):
                quoted = f"round({quoted}, {FLOAT_DECIMALS})"
            columns[name].append(quoted)
        prints = {}
        for name, kept in columns.items():
            row = f"hash({', '.join(kept)})" if kept else "0"
            prints[name] = con.execute(
                f"select count(*), count(distinct {row}), "
                f"coalesce(sum({row}::hugeint), 0)::varchar from {name}"
            ).fetchone()
        return prints
    finally:
        con.close()


def assert_same_tables(got: dict, expected: dict, where: str) -> None:
    assert sorted(got) == sorted(expected), where
    differing = [name for name in expected if got[name] != expected[name]]
    assert not differing, f"{where}: {[(n, got[n], expected[n]) for n in differing]}"


def failed_build_notice(app: Path) -> tuple[str, list[str]]:
    """The cockpit's failed-build notice (in English) and the reasons it lists, for the
    MEDOPS_HOME of the environment."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(app), default_timeout=120)
    at.run()
    at.radio(key="lang").set_value("en").run()
    assert not at.exception, [e.value for e in at.exception]
    [notice] = [e.value for e in at.error if "failed checks" in e.value]
    return notice, [code.value for code in at.code]


def query(db: Path, sql: str) -> list[tuple]:
    """Rows of a query on a DuckDB file opened read-only for just this query."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# The CRM's stage names and their codes, written out here independently of the seed.
STAGE_CODES = {
    "初步接洽": "qualification",
    "需求确认": "needs_analysis",
    "方案报价": "proposal",
    "商务谈判": "negotiation",
    "赢单": "won",
    "输单": "lost",
}


def truth(exports: Path, table: str) -> pl.DataFrame:
    """A clean table of the generator's answer key (canonical names, the exports' values)."""
    return pl.read_parquet(exports / "_answer_key" / "truth" / f"{table}.parquet")


def metrics(at: AppTest) -> dict[str, str]:
    """The KPI cards of a page run in AppTest: label -> shown value."""
    return {metric.label: metric.value for metric in at.metric}


@pytest.fixture()
def con(tmp_path):
    """A warehouse file of the test's own, for the ingest suites."""
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()
