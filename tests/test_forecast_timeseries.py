"""The time-series forecast (medops/forecast/timeseries.py) on synthetic monthly series:
no look-ahead in the backtest, intervals that nest, origins as the settings say."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import polars as pl
import pytest

from dagster_project.definitions import defs
from dagster_project.defs.forecast.assets import BACKTEST_TAG
from medops.forecast import store
from medops.forecast.timeseries import ForecastSettings, forecast_all_origins, tonight_inputs

SETTINGS = ForecastSettings(
    horizon_months=3, min_training_months=12, season_length_months=12, refit_every_months=6
)
MONTHS = [dt.date(2023 + (m // 12), m % 12 + 1, 1) for m in range(30)]  # 2023-01 .. 2025-06


def _actuals(values: dict[str, np.ndarray]) -> pl.DataFrame:
    rows = []
    for key, series in values.items():
        for month, value in zip(MONTHS, series, strict=True):
            rows.append(("bookings", "team", key, month, float(value), True))
    # the current month: incomplete, never trained on
    rows += [("bookings", "team", key, dt.date(2025, 7, 1), 1.0, False) for key in values]
    return pl.DataFrame(
        rows,
        schema=[
            "measure",
            "series_level",
            "series_key",
            "month_start",
            "actual_amount",
            "is_complete",
        ],
        orient="row",
    )


@pytest.fixture(scope="module")
def series() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    season = 1 + 0.3 * np.sin(np.arange(30) * 2 * np.pi / 12)
    return {
        "T1": 1_000_000 * season + rng.normal(0, 50_000, 30),
        "T2": np.abs(rng.normal(200_000, 80_000, 30)),
    }


@pytest.fixture(scope="module")
def forecast(series) -> pl.DataFrame:
    return forecast_all_origins(_actuals(series), SETTINGS)


def test_origins_and_horizon(forecast: pl.DataFrame) -> None:
    origins = sorted(forecast["origin_month"].unique().to_list())
    # backtest: the first origin has 12 complete months before it, the last has its whole
    # horizon complete (2025-04 .. 2025-06); then tonight's, at the current month
    assert origins[0] == dt.date(2024, 1, 1)
    assert origins[-2] == dt.date(2025, 4, 1)
    assert origins[-1] == dt.date(2025, 7, 1)
    assert len(origins) == 16 + 1
    per_origin = forecast.group_by("origin_month", "series_key").agg(
        pl.col("months_ahead").sort().alias("ahead")
    )
    assert all(ahead == [0, 1, 2] for ahead in per_origin["ahead"].to_list())


def test_intervals_nest_and_are_not_negative(forecast: pl.DataFrame) -> None:
    bad = forecast.filter(
        (pl.col("lo_95") > pl.col("lo_80"))
        | (pl.col("lo_80") > pl.col("forecast_amount"))
        | (pl.col("forecast_amount") > pl.col("hi_80"))
        | (pl.col("hi_80") > pl.col("hi_95"))
        | (pl.col("lo_95") < 0)
    )
    assert bad.is_empty()


def test_no_look_ahead(series, forecast: pl.DataFrame) -> None:
    """Changing the last six months changes no forecast made before them."""
    changed = {key: values.copy() for key, values in series.items()}
    for values in changed.values():
        values[-6:] *= 3
    again = forecast_all_origins(_actuals(changed), SETTINGS)
    cutoff = MONTHS[-6]
    before = forecast.filter(pl.col("origin_month") <= cutoff).sort(
        "origin_month", "series_key", "target_month"
    )
    after = again.filter(pl.col("origin_month") <= cutoff).sort(
        "origin_month", "series_key", "target_month"
    )
    assert before.height > 0
    assert before["forecast_amount"].to_list() == pytest.approx(after["forecast_amount"].to_list())
    later = forecast.filter(pl.col("origin_month") == dt.date(2025, 7, 1))["forecast_amount"]
    later_changed = again.filter(pl.col("origin_month") == dt.date(2025, 7, 1))["forecast_amount"]
    assert later.to_list() != pytest.approx(later_changed.to_list())


def test_the_nightly_forecast_keeps_the_weekly_backtest(series, forecast: pl.DataFrame) -> None:
    """Nightly: tonight's origin only, stored in place of the old one; the backtest origins
    stay as the weekly replay left them. The weekly replay restates them all."""
    tonight = dt.date(2025, 7, 1)
    con = duckdb.connect()
    assert not store.has_backtest(con)
    store.write_time_series(con, forecast, replace_all=True)
    assert store.has_backtest(con)
    backtest_before = con.execute(
        f"select * from {store.TIME_SERIES_TABLE} where origin_month < ? order by all", [tonight]
    ).fetchall()

    changed = {key: values * 2 for key, values in series.items()}
    nightly = forecast_all_origins(_actuals(changed), SETTINGS, backtest=False)
    assert nightly["origin_month"].unique().to_list() == [tonight]
    store.write_time_series(con, nightly, replace_all=False)
    assert (
        con.execute(
            f"select * from {store.TIME_SERIES_TABLE} where origin_month < ? order by all",
            [tonight],
        ).fetchall()
        == backtest_before
    )
    [(tonight_rows, tonight_total)] = con.execute(
        f"select count(*), sum(forecast_amount) from {store.TIME_SERIES_TABLE} "
        "where origin_month = ?",
        [tonight],
    ).fetchall()
    assert tonight_rows == nightly.height
    assert tonight_total == pytest.approx(nightly["forecast_amount"].sum())

    weekly = forecast_all_origins(_actuals(changed), SETTINGS)
    store.write_time_series(con, weekly, replace_all=True)
    [(rows,)] = con.execute(f"select count(*) from {store.TIME_SERIES_TABLE}").fetchall()
    assert rows == weekly.height == forecast.height


def test_the_backtest_is_replayed_weekly_by_its_own_schedule() -> None:
    schedule = defs.resolve_schedule_def("forecast_backtest_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 3 * * 1", "Asia/Shanghai")
    job = defs.resolve_job_def(schedule.job_name)
    assert BACKTEST_TAG.items() <= job.tags.items()
    assert {"forecasts", "published_marts"} <= {node.name for node in job.nodes}
    # the nightly job does not carry the tag: it forecasts tonight only
    assert not BACKTEST_TAG.items() <= defs.resolve_job_def("nightly_warehouse").tags.items()


def test_a_night_whose_complete_months_are_unchanged_keeps_tonight_s_forecast(series) -> None:
    """Tonight's fit sees the complete months only: a new day of the current month leaves its
    inputs as they were, and the stored forecast is the one a new fit would give; a restated
    complete month (or other settings) asks for a new fit."""
    con = duckdb.connect()
    actuals = _actuals(series)
    inputs = tonight_inputs(actuals, SETTINGS)
    assert store.kept_tonight(con, inputs) is None  # nothing stored yet
    fitted = forecast_all_origins(actuals, SETTINGS)
    store.write_time_series(con, fitted, replace_all=True)
    store.record_tonight_inputs(con, inputs)

    # the next day: the current month's actual grows, the complete months are the same
    next_day = actuals.with_columns(
        pl.when(pl.col("is_complete"))
        .then(pl.col("actual_amount"))
        .otherwise(pl.col("actual_amount") + 5_000)
        .alias("actual_amount")
    )
    assert tonight_inputs(next_day, SETTINGS) == inputs
    kept = store.kept_tonight(con, tonight_inputs(next_day, SETTINGS))
    refit = forecast_all_origins(next_day, SETTINGS, backtest=False).sort(
        "measure", "series_level", "series_key", "target_month"
    )
    assert kept is not None and kept["origin_month"].unique().to_list() == [dt.date(2025, 7, 1)]
    assert kept.select(refit.columns).equals(refit)

    # a complete month restated, or another horizon: fitted again
    restated = actuals.with_columns(
        pl.when(pl.col("month_start") == dt.date(2025, 6, 1))
        .then(pl.col("actual_amount") * 1.1)
        .otherwise(pl.col("actual_amount"))
        .alias("actual_amount")
    )
    assert store.kept_tonight(con, tonight_inputs(restated, SETTINGS)) is None
    longer = ForecastSettings(4, 12, 12, 6)
    assert store.kept_tonight(con, tonight_inputs(actuals, longer)) is None
