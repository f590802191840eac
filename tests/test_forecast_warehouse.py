"""End to end (the shared ``clean_build`` warehouse): the point-in-time pipeline, the forecast
actuals and the backtest's accuracy against independent computations from the generator's
truth tables; the nightly snapshots (dbt's and the forecast's) are idempotent.

Expected figures are computed here with Polars from the answer key, sharing nothing with the
dbt models or medops/forecast.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from conftest import query, truth

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT = str(Path(sys.executable).parent / "dbt")
CLOSED = {"赢单", "输单"}
STAGE_CODES = {
    "初步接洽": "qualification",
    "需求确认": "needs_analysis",
    "方案报价": "proposal",
    "商务谈判": "negotiation",
    "赢单": "won",
    "输单": "lost",
}


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _pipeline_replay(history: pl.DataFrame, at: dt.datetime) -> set[tuple[str, str]]:
    """(opportunity, stage code) of every deal whose latest stage entered by ``at`` is open."""
    latest = (
        history.filter(pl.col("entered_at") <= at)
        .sort("entered_at")
        .group_by("opportunity_id")
        .agg(pl.col("stage").last())
        .filter(~pl.col("stage").is_in(list(CLOSED)))
    )
    return {(o, STAGE_CODES[s]) for o, s in latest.iter_rows()}


def test_pipeline_as_of_replays_the_stage_history(clean_build) -> None:
    home, exports, _ = clean_build
    history = truth(exports, "opportunity_stage_history")
    first, last = history["entered_at"].min(), history["entered_at"].max()
    origins = []
    month = _next_month(first.date())
    while dt.datetime.combine(month, dt.time()) <= last:
        origins.append(dt.datetime.combine(month, dt.time()))
        month = _next_month(month)
    origins.append(last)  # the latest export moment
    rows = query(
        home / "warehouse.duckdb",
        "select origin_at, opportunity_id, stage_code from marts.fct_pipeline_as_of",
    )
    by_origin: dict[dt.datetime, set] = {}
    for origin_at, opportunity_id, stage in rows:
        by_origin.setdefault(origin_at, set()).add((opportunity_id, stage))
    assert sorted(by_origin) == origins
    for origin in origins:
        assert by_origin[origin] == _pipeline_replay(history, origin), origin


def test_pipeline_as_of_carries_the_exported_amount_and_outcome(clean_build) -> None:
    home, exports, _ = clean_build
    opportunities = truth(exports, "opportunities")
    expected = {
        row["opportunity_id"]: (
            float(row["amount"]) if row["amount"] is not None else None,
            {"赢单": "won", "输单": "lost"}.get(row["current_stage"], "open"),
            row["closed_on"],
        )
        for row in opportunities.iter_rows(named=True)
    }
    rows = query(
        home / "warehouse.duckdb",
        "select distinct opportunity_id, amount::double, final_outcome, closed_on "
        "from marts.fct_pipeline_as_of",
    )
    assert rows
    for opportunity_id, amount, outcome, closed_on in rows:
        assert (amount, outcome, closed_on) == expected[opportunity_id]


def _truth_actuals(exports: Path) -> dict[tuple[str, dt.date], float]:
    """Company bookings (won amount by month of closed_on) and collections (payments by month
    of paid_on) from the truth tables."""
    won = (
        truth(exports, "opportunities")
        .filter(pl.col("current_stage") == "赢单")
        .group_by(pl.col("closed_on").dt.truncate("1mo").alias("month"))
        .agg(pl.col("amount").cast(pl.Float64).sum())
    )
    paid = (
        truth(exports, "payments")
        .group_by(pl.col("paid_on").dt.truncate("1mo").alias("month"))
        .agg(pl.col("payment_amount").cast(pl.Float64).sum())
    )
    out = {("bookings", m): a for m, a in won.iter_rows()}
    out |= {("collections", m): a for m, a in paid.iter_rows()}
    return out


def test_company_actuals_match_the_truth(clean_build) -> None:
    home, exports, _ = clean_build
    expected = _truth_actuals(exports)
    rows = query(
        home / "warehouse.duckdb",
        "select measure, month_start, actual_amount::double from "
        "marts.rpt_forecast_actuals_monthly where series_level = 'company'",
    )
    got = {(measure, month): amount for measure, month, amount in rows}
    assert {k: v for k, v in got.items() if v} == pytest.approx(expected)


def test_backtest_accuracy_recomputed_from_the_truth(clean_build) -> None:
    """MAPE and bias of both methods (company series), from the backtest's forecasts and the
    actuals recomputed from the truth tables, over complete target months only."""
    home, exports, _ = clean_build
    actual = _truth_actuals(exports)
    last_change = truth(exports, "opportunity_stage_history")["entered_at"].max()
    current_month = _month_start(last_change.date())
    forecasts = query(
        home / "warehouse.duckdb",
        "select forecast_method, measure, months_ahead, target_month, forecast_amount "
        "from marts.rpt_forecast_backtest where series_level = 'company'",
    )
    assert {row[0] for row in forecasts} == {"weighted_pipeline", "time_series"}
    errors: dict[tuple, list[tuple[float, float]]] = {}
    for method, measure, ahead, target, forecast in forecasts:
        if target >= current_month:
            continue
        errors.setdefault((method, measure, ahead), []).append(
            (forecast, actual.get((measure, target), 0.0))
        )
    expected = {}
    for key, pairs in errors.items():
        apes = [abs(f - a) / a for f, a in pairs if a > 0]
        total_actual = sum(a for _, a in pairs)
        bias = (sum(f for f, _ in pairs) - total_actual) / total_actual
        expected[key] = (len(pairs), sum(apes) / len(apes), bias)
    rows = query(
        home / "warehouse.duckdb",
        "select forecast_method, measure, months_ahead, months_compared, mape, bias "
        "from marts.rpt_forecast_accuracy where series_level = 'company'",
    )
    got = {(m, s, a): (n, mape, bias) for m, s, a, n, mape, bias in rows}
    assert set(got) == set(expected)
    for key, (n, mape, bias) in expected.items():
        assert got[key][0] == n, key
        # the mart averages values rounded to 6 decimals (DECISIONLOG, "Rounding")
        assert got[key][1:] == pytest.approx((mape, bias), abs=1e-6), key


def test_backtest_forecasts_come_from_complete_past_months_only(clean_build) -> None:
    home, _, _ = clean_build
    rows = query(
        home / "warehouse.duckdb",
        "select count(*) filter (where target_month < origin_month), "
        "count(*) filter (where forecast_method = 'time_series' and lo_95 > forecast_amount), "
        "count(*) filter (where forecast_method = 'time_series' and hi_80 > hi_95), "
        "count(*) from marts.rpt_forecast_backtest",
    )
    before_origin, low_above_mean, inner_wider, total = rows[0]
    assert total > 0
    assert (before_origin, low_above_mean, inner_wider) == (0, 0, 0)


def _copy_home(home: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "home"
    copy.mkdir()
    shutil.copy(home / "warehouse.duckdb", copy / "warehouse.duckdb")
    return copy


def test_dbt_snapshot_of_the_same_export_adds_nothing(clean_build, tmp_path: Path) -> None:
    home, _, _ = clean_build
    copy = _copy_home(home, tmp_path)
    count_sql = (
        "select count(*), count(distinct opportunity_id) from snapshots.snap_crm__opportunities"
    )
    before = query(copy / "warehouse.duckdb", count_sql)[0]
    assert before[0] == before[1] > 0  # one version per opportunity after one export
    result = subprocess.run(
        [
            DBT,
            "snapshot",
            "--target-path",
            str(tmp_path / "dbt_target"),
            "--log-path",
            str(tmp_path / "dbt_logs"),
        ],
        cwd=REPO_ROOT / "dbt",
        env={**os.environ, "MEDOPS_HOME": str(copy)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert query(copy / "warehouse.duckdb", count_sql)[0] == before


def test_forecast_snapshot_rerun_replaces_only_that_day(clean_build, tmp_path: Path) -> None:
    import dagster as dg

    from dagster_project.defs.forecast.assets import forecasts
    from dagster_project.resources import WarehouseResource

    home, _, _ = clean_build
    copy = _copy_home(home, tmp_path)
    db = copy / "warehouse.duckdb"
    snapshot_sql = (
        "select forecast_date, forecast_method, measure, series_level, series_key, "
        "target_month, forecast_amount from forecast.forecast_snapshots order by all"
    )
    first = query(db, snapshot_sql)
    assert first and len({row[0] for row in first}) == 1
    # an earlier night's snapshot must survive a re-run untouched
    import duckdb

    con = duckdb.connect(str(db))
    try:
        con.execute(
            "insert into forecast.forecast_snapshots select forecast_date - 1 as forecast_date, "
            "* exclude (forecast_date) from forecast.forecast_snapshots"
        )
    finally:
        con.close()
    with_earlier = query(db, snapshot_sql)
    result = dg.materialize([forecasts], resources={"warehouse": WarehouseResource(home=str(copy))})
    assert result.success
    assert query(db, snapshot_sql) == with_earlier
