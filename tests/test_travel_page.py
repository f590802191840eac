"""The cockpit's travel page (AppTest) and its queries, on a hand-written published file.

Tables take their columns and types from the travel marts' enforced contracts
(dbt/models/marts/travel/_travel__models.yml). Expected figures worked out by hand:

- two teams: T_GD (广东省, 3 reps) and T_FJ (福建省, 2 reps);
- months 2025-01 and 2025-02 (the default window holds both):
  E1 (T_GD) 2025-01: 10 visits, route 400 km, claimed 420 km, ¥386.00, revenue ¥38,600;
  E1 (T_GD) 2025-02: 10 visits, route 300 km, claimed 300 km, ¥290.00, revenue ¥0;
  E2 (T_FJ) 2025-02: 4 visits, route 100 km, claimed 150 km, ¥170.00, revenue ¥17,000;
  all: 24 visits, 800 route km, 870 claimed km, ¥846.00 -> cost per visit 846 / 24 = ¥35.25
  -> "¥35"; per CNY revenue 846 / 55,600 = 1.52 %;
- flagged claims: C1 and C2 (E1, 2025-01), C4 (E2, 2025-02); C3 is not flagged -> 3;
  福建省 only: 4 visits, ¥170, cost per visit ¥42.50 -> "¥42", 1 flagged (C4);
  2025-02 only: 1 flagged (C4: C1 and C2 are January's);
- budget gap = current - fair: T_GD 24,000 - 30,000 = -6,000, T_FJ 12,000 - 9,000 = 3,000.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from conftest import metrics
from streamlit.testing.v1 import AppTest

from dashboards import charts, travel_charts, travel_data
from dashboards.access import FULL_ACCESS
from dashboards.data import Published

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "dashboards" / "app.py"
PAGE = "pages/travel_cost.py"
MODELS_YML = REPO_ROOT / "dbt" / "models" / "marts" / "travel" / "_travel__models.yml"

TEAMS = {
    "T_GD": {
        "team_name": "广东影像一组",
        "office_province": "广东省",
        "province_unit_name": "广东省区",
    },
    "T_FJ": {
        "team_name": "福建影像一组",
        "office_province": "福建省",
        "province_unit_name": "福建省区",
    },
}
BUDGETS = [
    # team, reps, customers, fair, current, claimed per month
    ("T_GD", 3, 60, 30000.0, 24000.0, 27000.0),
    ("T_FJ", 2, 45, 9000.0, 12000.0, 8000.0),
]
# month, employee, team, visits, route km, claimed km, amount, revenue
COSTS = [
    ("2025-01", "E1", "T_GD", 10, 400.0, 420.0, "386.00", "38600.00"),
    ("2025-02", "E1", "T_GD", 10, 300.0, 300.0, "290.00", "0.00"),
    ("2025-02", "E2", "T_FJ", 4, 100.0, 150.0, "170.00", "17000.00"),
]
# claim, employee, team, day, claimed km, route km, flagged
CLAIMS = [
    ("C1", "E1", "T_GD", "2025-01-06", 90.0, 40.0, True),
    ("C2", "E1", "T_GD", "2025-01-07", 150.0, 60.0, True),
    ("C3", "E1", "T_GD", "2025-01-08", 42.0, 40.0, False),
    ("C4", "E2", "T_FJ", "2025-02-03", 80.0, 30.0, True),
]


def contracts() -> dict[str, dict[str, str]]:
    models = yaml.safe_load(MODELS_YML.read_text(encoding="utf-8"))["models"]
    return {m["name"]: {c["name"]: c["data_type"] for c in m["columns"]} for m in models}


def _month(text: str) -> dt.date:
    return dt.date.fromisoformat(f"{text}-01")


def _rows() -> dict[str, list[dict]]:
    budgets = [
        {
            "team_id": team,
            **TEAMS[team],
            "period_start": dt.date(2024, 2, 1),
            "period_end": dt.date(2025, 1, 31),
            "reps": reps,
            "customers_served": customers,
            "fair_budget_month_cny": fair,
            "current_budget_month_cny": current,
            "claimed_month_cny": claimed,
            "budget_per_head_month_cny": current / reps,
            "fair_budget_per_head_cny": fair / reps,
            "claimed_per_head_cny": claimed / reps,
        }
        for team, reps, customers, fair, current, claimed in BUDGETS
    ]
    costs = [
        {
            "month_start": _month(month),
            "employee_id": employee,
            "team_id": team,
            **TEAMS[team],
            "visits": visits,
            "route_km": route,
            "claimed_km": claimed_km,
            "claimed_amount": amount,
            "revenue": revenue,
            "planned_km": route,
        }
        for month, employee, team, visits, route, claimed_km, amount, revenue in COSTS
    ]
    claims = [
        {
            "claim_id": claim,
            "employee_id": employee,
            "employee_name": {"E1": "王芳", "E2": "陈静"}[employee],
            "team_id": team,
            "team_name": TEAMS[team]["team_name"],
            "travelled_on": dt.date.fromisoformat(day),
            "month_start": dt.date.fromisoformat(day).replace(day=1),
            "account_id": f"A_{claim}",
            "claimed_km": claimed_km,
            "route_km": route_km,
            "excess_km": claimed_km - route_km,
            "excess_share": claimed_km / route_km - 1,
            "claimed_amount": f"{claimed_km * 0.8 + 50:.2f}",
            "is_km_over_route": flagged,
            "route_basis": "visit_route",
        }
        for claim, employee, team, day, claimed_km, route_km, flagged in CLAIMS
    ]
    locations = [
        {
            "location_type": "office",
            "location_id": "OF1",
            "location_name": "广州办事处",
            "longitude": 113.26,
            "latitude": 23.13,
            "coordinate_precision": "point",
        },
        {
            "location_type": "office",
            "location_id": "OF2",
            "location_name": "福州办事处",
            "longitude": 119.30,
            "latitude": 26.08,
            "coordinate_precision": "point",
        },
        {
            "location_type": "customer",
            "location_id": "A1",
            "location_name": "广州市第一人民医院",
            "longitude": 113.28,
            "latitude": 23.14,
            "coordinate_precision": "point",
            "customer_class": "hospital_3A",
            "revenue": "500000.00",
            "team_id": "T_GD",
            "team_name": "广东影像一组",
            "serving_office_id": "OF1",
            "round_trip_road_km": 5.0,
        },
        {
            "location_type": "customer",
            "location_id": "A2",
            "location_name": "福州市第二医院",
            "longitude": 119.40,
            "latitude": 26.00,
            "coordinate_precision": "district",
            "customer_class": "hospital_2A",
            "revenue": "20000.00",
            "team_id": "T_FJ",
            "team_name": "福建影像一组",
            "serving_office_id": "OF2",
            "round_trip_road_km": 30.0,
        },
    ]
    precision = [
        {
            "location_type": "customer",
            "coordinate_precision": "point",
            "precision_rank": 1,
            "precision_name_zh": "精确点位",
            "precision_name_en": "Exact point",
            "locations": 1,
            "share_of_locations": 0.5,
        },
        {
            "location_type": "customer",
            "coordinate_precision": "district",
            "precision_rank": 2,
            "precision_name_zh": "区县中心",
            "precision_name_en": "District centre",
            "locations": 1,
            "share_of_locations": 0.5,
        },
    ]
    return {
        "rpt_travel_budget_teams": budgets,
        "rpt_travel_cost_monthly": costs,
        "fct_claim_audit": claims,
        "dim_geo_locations": locations,
        "rpt_geocoding_precision": precision,
    }


@pytest.fixture
def travel_home(tmp_path: Path) -> Path:
    home = tmp_path / "travel_home"
    home.mkdir()
    con = duckdb.connect(str(home / "published.duckdb"))
    try:
        for mart, rows in _rows().items():
            columns = contracts()[mart]
            con.execute(
                f"create table {mart} ({', '.join(f'{n} {d}' for n, d in columns.items())})"
            )
            for row in rows:
                names = ", ".join(row)
                marks = ", ".join("?" * len(row))
                con.execute(f"insert into {mart} ({names}) values ({marks})", list(row.values()))
    finally:
        con.close()
    return home


def run_page(home: Path, monkeypatch: pytest.MonkeyPatch, lang: str = "zh") -> AppTest:
    monkeypatch.setenv("MEDOPS_HOME", str(home))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page(PAGE).run()
    if lang != "zh":
        at.radio(key="lang").set_value(lang).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_page_shows_the_kpis_of_all_teams_and_months(travel_home, monkeypatch):
    at = run_page(travel_home, monkeypatch)
    shown = metrics(at)
    assert shown["拜访次数"] == "24"
    assert shown["实际路线里程"] == "800"
    assert shown["报销里程"] == "870"
    assert shown["每次拜访费用"] == "¥35"
    assert shown["差旅费用率"] == "1.5%"
    assert shown["异常报销单"] == "3"
    outliers = at.dataframe[1].value
    # largest excess first (90, 50, 50 km), ties by claim id
    assert list(outliers.iloc[:, 0]) == ["C2", "C1", "C4"]


def test_province_filter_narrows_kpis_budget_and_outliers(travel_home, monkeypatch):
    at = run_page(travel_home, monkeypatch)
    at.multiselect(key="travel_provinces").set_value(["福建省"]).run()
    assert not at.exception
    shown = metrics(at)
    assert shown["拜访次数"] == "4"
    assert shown["每次拜访费用"] == "¥42"
    assert shown["异常报销单"] == "1"
    budget = at.dataframe[0].value
    assert list(budget.iloc[:, 0]) == ["福建影像一组"]


def test_page_in_english(travel_home, monkeypatch):
    at = run_page(travel_home, monkeypatch, lang="en")
    assert at.title[0].value == "Travel cost"
    assert metrics(at)["Flagged claims"] == "3"


def test_budget_queries_and_excel_download(travel_home):
    source = Published(str(travel_home / "published.duckdb"), 1, FULL_ACCESS)
    filters = travel_data.TravelFilters(dt.date(2025, 1, 1), dt.date(2025, 2, 1))
    budget = travel_data.budget_by_team(source, filters)
    gaps = dict(zip(budget["team_id"], budget["budget_gap_cny"], strict=True))
    assert gaps == {"T_GD": -6000.0, "T_FJ": 3000.0}
    table = travel_charts.budget_table(budget, "zh")
    workbook = charts.table_to_excel(
        table, "预算", "zh", number_formats=travel_charts.budget_excel_formats("zh")
    )
    read_back = pd.read_excel(io.BytesIO(workbook))
    # teams ordered by office province, then name (广 sorts before 福)
    assert list(read_back["团队"]) == ["广东影像一组", "福建影像一组"]
    assert list(read_back["公平预算/月"]) == [30000.0, 9000.0]


def test_month_filter_and_map_locations(travel_home):
    source = Published(str(travel_home / "published.duckdb"), 1, FULL_ACCESS)
    february = travel_data.TravelFilters(dt.date(2025, 2, 1), dt.date(2025, 2, 1))
    assert list(travel_data.outlier_claims(source, february)["claim_id"]) == ["C4"]
    guangdong = travel_data.TravelFilters(dt.date(2025, 1, 1), dt.date(2025, 2, 1), ("广东省",))
    located = travel_data.map_locations(source, guangdong)
    assert sorted(located["location_id"]) == ["A1", "OF1"]
    figure = travel_charts.location_map(located, "zh")
    # the map keeps the offices and the customers with the most revenue
    kept = travel_charts.largest_customers(located, limit=0)
    assert list(kept["location_id"]) == ["OF1"]
    assert sorted(travel_charts.largest_customers(located, limit=5)["location_id"]) == ["A1", "OF1"]
    # a plain x/y scatter: nothing for the browser to download (no tiles, no topojson)
    assert {trace.type for trace in figure.data} <= {"scatter", "scattergl"}


def test_the_map_keeps_the_customers_with_the_most_revenue():
    import pandas as pd

    locations = pd.DataFrame(
        {
            "location_type": ["customer", "customer", "office", "customer", "customer"],
            "location_id": ["C5", "CX", "OF1", "C9", "C9B"],
            "revenue": [5.0, None, None, 9.0, 9.0],
        }
    )
    kept = travel_charts.largest_customers(locations, limit=3)
    # most revenue first, a tie by id, no revenue last; the office always
    assert list(kept["location_id"]) == ["C9", "C9B", "C5", "OF1"]
