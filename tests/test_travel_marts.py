"""Travel marts against the generator's answer key and figures computed here from its truth.

The warehouse is the shared end-to-end build of tests/conftest.py (clean generated exports
through the Dagster job). Expected figures come from the truth parquet files, the planted-case
CSVs and manifest.json, with plain Python (a haversine written here, GCJ-02 coordinates used
as they are: the offset moves both ends of a trip alike) and the business rules read from the
seeds; nothing is shared with the SQL under test. Definitions: DECISIONLOG.md, "Travel cost".
"""

from __future__ import annotations

import json
import math
import statistics
from collections import defaultdict
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from conftest import query, truth

pytestmark = pytest.mark.slow

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TRAVEL_MARTS = (
    "dim_geo_locations",
    "fct_visit_checkins",
    "fct_rep_day_routes",
    "fct_claim_audit",
    "rpt_geocoding_precision",
    "rpt_travel_cost_monthly",
    "rpt_travel_budget_teams",
)
ACCOUNT_TYPES = {
    "医院": "hospital",
    "经销商": "distributor",
    "体检集团": "exam_group",
    "企业": "enterprise",
}
GRADES = {"三甲": "3A", "三乙": "3B", "二甲": "2A", "二乙": "2B", "一级": "1"}
IN_PERSON = ("拜访", "学术会议")


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


@pytest.fixture(scope="module")
def travel_build(clean_build) -> tuple[Path, Path]:
    home, exports, result = clean_build
    assert result.success
    return home / "warehouse.duckdb", exports


def answer(exports: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(exports / "_answer_key" / f"{name}.csv", infer_schema_length=None)


def rules() -> dict:
    return pl.read_csv(SEEDS / "travel_rules.csv").row(0, named=True)


def detour_factors() -> tuple[float, dict[str, float]]:
    rows = pl.read_csv(SEEDS / "road_detour_factors.csv").iter_rows(named=True)
    by_province = {r["province"]: r["road_detour_factor"] for r in rows}
    return by_province.pop(None), by_province


def test_claim_audit_flags_exactly_the_planted_inflated_claims(travel_build):
    db, exports = travel_build
    planted = set(answer(exports, "inflated_claims")["claim_id"])
    assert planted, "the generator planted no inflated claims"
    flagged = {
        r[0] for r in query(db, "select claim_id from marts.fct_claim_audit where is_km_over_route")
    }
    assert flagged == planted
    # every claim is audited, each against the route of a visit day
    audited = query(
        db,
        "select count(*), count(*) filter (where route_basis = 'visit_route') "
        "from marts.fct_claim_audit",
    )
    assert audited[0] == (truth(exports, "expense_claims").height,) * 2


def test_far_checkins_are_exactly_the_planted_suspicious_ones(travel_build):
    db, exports = travel_build
    planted = {
        r["visit_id"]: r["distance_km"]
        for r in answer(exports, "suspicious_checkins").iter_rows(named=True)
    }
    assert planted
    far = {
        visit_id: (km, precision)
        for visit_id, km, precision in query(
            db,
            "select visit_id, checkin_distance_km, customer_coordinate_precision "
            "from marts.fct_visit_checkins where is_far_from_customer",
        )
    }
    assert set(far) == set(planted)
    # the distance found is the planted one: within the check-in noise (~0.2 km) when the
    # customer is located by its check-ins, within the spread of customers around their
    # district centre (~1.3 km per axis) when the only check-ins were the far ones
    tolerance_km = {"point": 1.0, "district": 6.0}
    for visit_id, km in planted.items():
        found_km, precision = far[visit_id]
        assert found_km == pytest.approx(km, abs=tolerance_km[precision]), visit_id
    # every in-person visit has a row, with a distance
    in_person = truth(exports, "visits").filter(pl.col("activity_type").is_in(IN_PERSON)).height
    assert query(db, "select count(*), count(checkin_distance_km) from marts.fct_visit_checkins")[
        0
    ] == (in_person, in_person)


def test_route_km_matches_the_generators_true_trip(travel_build):
    """The generator's true km of an inflated claim is office -> customer -> office on the
    customer's true location x its detour factor; ours uses the geocoded location."""
    db, exports = travel_build
    manifest = json.loads((exports / "_answer_key" / "manifest.json").read_text(encoding="utf-8"))
    generator_detour = manifest["parameters"]["detour_factor"]
    default_detour, by_province = detour_factors()
    routes = {
        claim_id: (route_km, province)
        for claim_id, route_km, province in query(
            db,
            "select claim.claim_id, claim.route_km, route.office_province "
            "from marts.fct_claim_audit as claim "
            "join marts.fct_rep_day_routes as route "
            "on claim.employee_id = route.employee_id and claim.travelled_on = route.visited_on",
        )
    }
    compared = 0
    for row in answer(exports, "inflated_claims").iter_rows(named=True):
        if row["true_km"] < 5:  # the generator floors a trip at 2 km; short trips round coarsely
            continue
        route_km, province = routes[row["claim_id"]]
        ours = route_km / by_province.get(province, default_detour) * generator_detour
        assert ours == pytest.approx(row["true_km"], rel=0.03, abs=0.3), row
        compared += 1
    assert compared > 10


def _customer_locations(exports: Path) -> dict[str, tuple[float, float]]:
    """Median of each customer's honest check-ins (the planted far ones left out)."""
    suspicious = set(answer(exports, "suspicious_checkins")["visit_id"])
    points = defaultdict(list)
    for v in truth(exports, "visits").iter_rows(named=True):
        if (
            v["activity_type"] in IN_PERSON
            and v["check_in_longitude"] is not None
            and v["visit_id"] not in suspicious
        ):
            points[v["account_id"]].append((v["check_in_longitude"], v["check_in_latitude"]))
    return {
        acc: (statistics.median(p[0] for p in pts), statistics.median(p[1] for p in pts))
        for acc, pts in points.items()
    }


def test_fair_budget_per_team_from_the_visit_plan(travel_build):
    db, exports = travel_build
    r = rules()
    default_detour, by_province = detour_factors()
    frequency = {
        (row["account_type"], row["hospital_grade"]): row["visits_per_month"]
        for row in pl.read_csv(
            SEEDS / "visit_frequency.csv", schema_overrides={"hospital_grade": pl.Utf8}
        ).iter_rows(named=True)
    }
    budgets = {
        row["province"]: row["budget_per_head_month_cny"]
        for row in pl.read_csv(SEEDS / "travel_budgets_current.csv").iter_rows(named=True)
    }
    offices = {o["office_id"]: o for o in truth(exports, "offices").iter_rows(named=True)}
    employees = {e["employee_id"]: e for e in truth(exports, "employees").iter_rows(named=True)}
    located = _customer_locations(exports)
    # a customer without an honest check-in is placed at its district's centre (the gazetteer)
    district_centres = {
        (g["province"], g["city"], g["district"]): (g["longitude_gcj02"], g["latitude_gcj02"])
        for g in pl.read_csv(SEEDS / "geo_gazetteer.csv").iter_rows(named=True)
        if g["admin_level"] == "district"
    }
    claims = truth(exports, "expense_claims")
    last_month = claims["travelled_on"].max().replace(day=1)
    period_start = (
        date(last_month.year - 1, last_month.month, 1) if r["budget_months"] == 12 else None
    )
    assert period_start is not None, "this test assumes a 12-month period"

    fair = defaultdict(float)
    planned_km = defaultdict(float)
    on_points = defaultdict(int)
    for acc in truth(exports, "accounts").iter_rows(named=True):
        owner = employees.get(acc["owner_id"])
        if owner is None or owner["job_role"] != "销售代表":
            continue
        kind, grade = ACCOUNT_TYPES[acc["account_type"]], GRADES.get(acc["hospital_grade"])
        visits = frequency.get((kind, grade), frequency.get((kind, None), 0))
        office = offices[owner["office_id"]]
        lon, lat = (
            located.get(acc["account_id"])
            or district_centres[(acc["province"], acc["city"], acc["district"])]
        )
        detour = by_province.get(office["province"], default_detour)
        km = max(
            2 * haversine_km(office["longitude"], office["latitude"], lon, lat) * detour,
            r["min_round_trip_km"],
        )
        fair[owner["unit_id"]] += visits * (km * r["km_rate_cny"] + r["daily_allowance_cny"])
        planned_km[owner["unit_id"]] += visits * km
        on_points[owner["unit_id"]] += acc["account_id"] in located

    heads = defaultdict(int)
    for e in employees.values():
        if e["job_role"] == "销售代表" and (e["left_on"] is None or e["left_on"] >= last_month):
            heads[e["unit_id"]] += 1
    claimed = defaultdict(float)
    for c in claims.filter(
        (pl.col("travelled_on") >= period_start) & (pl.col("travelled_on") < last_month)
    ).iter_rows(named=True):
        claimed[employees[c["employee_id"]]["unit_id"]] += c["claimed_amount"] / 12

    rows = query(
        db,
        "select team_id, office_province, reps, fair_budget_month_cny, planned_km_month, "
        "current_budget_month_cny, claimed_month_cny, customers_located_by_point "
        "from marts.rpt_travel_budget_teams",
    )
    assert {row[0] for row in rows} == set(fair)
    for team, province, reps, fair_cny, km, current, claimed_cny, points in rows:
        assert reps == heads[team]
        # the budget says how many of its customers rest on a measured point
        assert points == on_points[team], team
        assert fair_cny == pytest.approx(fair[team], rel=0.01), team
        assert km == pytest.approx(planned_km[team], rel=0.01), team
        assert current == reps * budgets.get(province, budgets[None])
        assert claimed_cny == pytest.approx(claimed[team], abs=0.01), team


def test_monthly_travel_cost_adds_up_to_the_claims_and_visits(travel_build):
    db, exports = travel_build
    claims = (
        truth(exports, "expense_claims")
        .group_by(pl.col("travelled_on").dt.truncate("1mo").alias("month"))
        .agg(
            pl.col("claimed_amount").sum().round(2),
            pl.col("claimed_km").sum(),
            pl.len().alias("claims"),
        )
    )
    visits = (
        truth(exports, "visits")
        .filter(pl.col("activity_type").is_in(IN_PERSON))
        .group_by(pl.col("checked_in_at").dt.date().dt.truncate("1mo").alias("month"))
        .agg(pl.len().alias("visits"))
    )
    expected = claims.join(visits, on="month", how="full", coalesce=True).fill_null(0)
    got = {
        row[0]: row[1:]
        for row in query(
            db,
            "select month_start, sum(claimed_amount), sum(claimed_km), sum(claims), sum(visits) "
            "from marts.rpt_travel_cost_monthly group by month_start",
        )
    }
    for row in expected.iter_rows(named=True):
        amount, km, n_claims, n_visits = got[row["month"]]
        assert float(amount) == pytest.approx(row["claimed_amount"], abs=0.01)
        assert km == pytest.approx(row["claimed_km"], abs=0.01)
        assert (n_claims, n_visits) == (row["claims"], row["visits"])
    # cost per visit is the month's claims over its visits
    for amount, visits, per_visit in query(
        db,
        "select claimed_amount, visits, cost_per_visit from marts.rpt_travel_cost_monthly "
        "where visits > 0",
    ):
        assert per_visit == pytest.approx(float(amount) / visits)


def test_geocoding_precision_reports_every_customer(travel_build):
    db, exports = travel_build
    located = _customer_locations(exports)
    accounts = truth(exports, "accounts").height
    shares = {
        (kind, precision): (n, share)
        for kind, precision, n, share in query(
            db,
            "select location_type, coordinate_precision, locations, share_of_locations "
            "from marts.rpt_geocoding_precision",
        )
    }
    # a customer with an honest check-in is located by its check-ins, any other by its district
    assert shares[("customer", "point")][0] == len(located)
    assert shares[("customer", "district")][0] == accounts - len(located)
    assert sum(n for (kind, _), (n, _) in shares.items() if kind == "customer") == accounts
    assert shares[("customer", "point")][1] == pytest.approx(len(located) / accounts)
    assert shares[("office", "point")] == (truth(exports, "offices").height, 1.0)


def test_published_copy_holds_the_travel_marts(travel_build):
    db, _ = travel_build
    published = db.parent / "published.duckdb"
    tables = {r[0] for r in query(published, "select table_name from information_schema.tables")}
    assert set(TRAVEL_MARTS) <= tables
