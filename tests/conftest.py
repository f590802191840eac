"""Shared test fixtures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

# --- cockpit: a tiny published file with the two sales-funnel marts --------------------------
# Six hand-written opportunities; the expected figures in tests/test_cockpit*.py are worked out
# by hand from these rows (see the comments there), not by the cockpit's own queries.

_STAGES = {
    "qualification": (1, "初步接洽", "Qualification"),
    "needs_analysis": (2, "需求确认", "Needs analysis"),
    "proposal": (3, "方案报价", "Proposal"),
    "negotiation": (4, "商务谈判", "Negotiation"),
    "won": (5, "赢单", "Won"),
}
_TEAMS = {
    "T_EAST_1": ("华东一组", "江苏省区", "华东大区"),
    "T_SOUTH_1": ("华南一组", "广东省区", "华南大区"),
}
_PRODUCT_LINES = {"imaging_equipment": "影像设备", "lab_reagents": "检验试剂"}

# opportunity: (team, product line, amount, latest stage)
COCKPIT_OPPORTUNITIES = {
    "O1": ("T_EAST_1", "imaging_equipment", "1200000.00", "won"),
    "O2": ("T_EAST_1", "imaging_equipment", "800000.00", "lost"),
    "O3": ("T_SOUTH_1", "lab_reagents", "350000.00", "won"),
    "O4": ("T_SOUTH_1", "lab_reagents", "90000.00", "needs_analysis"),
    "O5": ("T_EAST_1", "lab_reagents", "60000.00", "lost"),
    "O6": ("T_EAST_1", "imaging_equipment", "500000.00", "won"),
}

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
    province_unit_name varchar,
    region_name varchar,
    product_line varchar,
    channel varchar,
    account_id varchar,
    amount decimal(18, 2)
)
"""

_RPT_DDL = """
create table rpt_sales_funnel_monthly (
    month_start date,
    region_name varchar,
    province_unit_name varchar,
    team_id varchar,
    team_name varchar,
    product_line varchar,
    product_line_name_zh varchar,
    stage_code varchar,
    stage_order integer,
    stage_name_zh varchar,
    stage_name_en varchar,
    opportunities_reached bigint,
    opportunities_advanced bigint,
    conversion_rate double,
    opportunities_won bigint,
    stays_completed bigint,
    median_days_in_stage double,
    p75_days_in_stage double,
    p90_days_in_stage double
)
"""

# The report is an input of the cockpit here, filled from the fact rows the way the mart is.
_RPT_FILL = """
insert into rpt_sales_funnel_monthly
select
    fct.reached_month,
    fct.region_name,
    fct.province_unit_name,
    fct.team_id,
    fct.team_name,
    fct.product_line,
    lines.product_line_name_zh,
    fct.stage_code,
    fct.stage_order,
    fct.stage_name_zh,
    fct.stage_name_en,
    count(*),
    count(*) filter (where fct.advanced_to_next_stage),
    case
        when not any_value(fct.is_final_stage)
            then count(*) filter (where fct.advanced_to_next_stage) / count(*)
    end,
    count(*) filter (where fct.is_won),
    count(fct.days_in_stage),
    median(fct.days_in_stage),
    quantile_cont(fct.days_in_stage, 0.75),
    quantile_cont(fct.days_in_stage, 0.9),
from fct_funnel_stage_reached as fct
left join product_lines as lines on fct.product_line = lines.product_line
group by all
"""


def build_cockpit_published(path: Path) -> Path:
    """Write a published DuckDB file with the two sales-funnel marts filled from the rows above."""
    rows = []
    for opp, stage, reached_on, advanced, skipped, days in COCKPIT_STAGE_ROWS:
        team_id, product_line, amount, latest = COCKPIT_OPPORTUNITIES[opp]
        team_name, province, region = _TEAMS[team_id]
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
                f"U_{team_id}",
                "张伟",
                team_id,
                team_name,
                province,
                region,
                product_line,
                "direct",
                f"A_{opp}",
                amount,
            )
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute(_FCT_DDL)
        con.executemany(
            f"insert into fct_funnel_stage_reached values ({', '.join(['?'] * 24)})", rows
        )
        con.execute(
            "create temp table product_lines (product_line varchar, product_line_name_zh varchar)"
        )
        con.executemany("insert into product_lines values (?, ?)", list(_PRODUCT_LINES.items()))
        con.execute(_RPT_DDL)
        con.execute(_RPT_FILL)
    finally:
        con.close()
    return path


@pytest.fixture
def cockpit_home(tmp_path: Path) -> Path:
    """A MEDOPS_HOME whose published.duckdb holds the hand-written sales-funnel marts."""
    home = tmp_path / "medops_home"
    build_cockpit_published(home / "published.duckdb")
    return home
