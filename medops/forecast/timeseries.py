"""Time-series forecasts of monthly series with prediction intervals (statsforecast AutoETS).

One model per series (company, each product line, each team; bookings and collections). A
forecast made at an origin month sees only the complete months before it, so the same function
gives the nightly forecast (origin = the current month) and every backtest origin.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

LEVELS = (80, 95)
MODEL_NAME = "AutoETS"


@dataclass(frozen=True)
class ForecastSettings:
    """The row of seeds/forecast_settings.csv that the time-series side uses."""

    horizon_months: int
    min_training_months: int
    season_length_months: int


def _series_id(frame: pl.DataFrame) -> pl.Expr:
    return pl.concat_str(["measure", "series_level", "series_key"], separator="|")


def forecast_at_origin(
    actuals: pl.DataFrame, origin_month: dt.date, settings: ForecastSettings
) -> pl.DataFrame:
    """Forecast every series from the complete months before ``origin_month``.

    ``actuals`` has measure, series_level, series_key, month_start, actual_amount,
    is_complete (rpt_forecast_actuals_monthly). Series with fewer than
    ``min_training_months`` months of training data are skipped. Returns one row per series
    and target month (origin month and the ``horizon_months - 1`` after it): forecast and the
    80 % / 95 % interval bounds, floored at 0 (bookings and collections cannot be negative).
    """
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    train = (
        actuals.filter(pl.col("is_complete") & (pl.col("month_start") < origin_month))
        .with_columns(_series_id(actuals).alias("unique_id"))
        .select(
            "unique_id",
            pl.col("month_start").cast(pl.Datetime("us")).alias("ds"),
            pl.col("actual_amount").cast(pl.Float64).alias("y"),
        )
    )
    # Every series has every month (the mart fills gaps with 0) and ends at the month before
    # the origin; a series is trained only once it has enough history.
    long_enough = (
        train.group_by("unique_id")
        .agg(pl.len().alias("months"), pl.col("ds").max().alias("last"))
        .filter(pl.col("months") >= settings.min_training_months)
        .filter(pl.col("last") == dt.datetime.combine(_previous_month(origin_month), dt.time()))
    )
    train = train.join(long_enough.select("unique_id"), on="unique_id").sort("unique_id", "ds")
    if train.is_empty():
        return _empty()
    model = StatsForecast(
        models=[AutoETS(season_length=settings.season_length_months)], freq="1mo", n_jobs=1
    )
    predicted = model.forecast(df=train, h=settings.horizon_months, level=list(LEVELS))
    parts = pl.col("unique_id").str.split_exact("|", 2)
    bounds = [
        pl.col(f"{MODEL_NAME}-{side}-{level}").clip(lower_bound=0).alias(f"{side}_{level}")
        for level in LEVELS
        for side in ("lo", "hi")
    ]
    return (
        predicted.with_columns(parts.alias("parts"))
        .select(
            pl.lit(origin_month).alias("origin_month"),
            pl.col("parts").struct.field("field_0").alias("measure"),
            pl.col("parts").struct.field("field_1").alias("series_level"),
            pl.col("parts").struct.field("field_2").alias("series_key"),
            pl.col("ds").dt.date().alias("target_month"),
            pl.col(MODEL_NAME).clip(lower_bound=0).alias("forecast_amount"),
            *bounds,
            pl.lit(MODEL_NAME).alias("model"),
        )
        .with_columns(
            (
                (pl.col("target_month").dt.year() - origin_month.year) * 12
                + pl.col("target_month").dt.month()
                - origin_month.month
            ).alias("months_ahead")
        )
    )


def backtest_origins(actuals: pl.DataFrame, settings: ForecastSettings) -> list[dt.date]:
    """Every month start from ``min_training_months`` after the first month up to the current
    (latest, possibly incomplete) month: the origins the backtest and the nightly forecast use."""
    months = sorted(actuals["month_start"].unique().to_list())
    return months[settings.min_training_months :]


def forecast_all_origins(actuals: pl.DataFrame, settings: ForecastSettings) -> pl.DataFrame:
    """The time-series forecast at every backtest origin (the last one is tonight's)."""
    frames = [
        forecast_at_origin(actuals, origin, settings)
        for origin in backtest_origins(actuals, settings)
    ]
    frames = [f for f in frames if not f.is_empty()]
    return pl.concat(frames) if frames else _empty()


def _previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "origin_month": pl.Date,
            "measure": pl.Utf8,
            "series_level": pl.Utf8,
            "series_key": pl.Utf8,
            "target_month": pl.Date,
            "forecast_amount": pl.Float64,
            **{f"{side}_{level}": pl.Float64 for level in LEVELS for side in ("lo", "hi")},
            "model": pl.Utf8,
            "months_ahead": pl.Int64,
        }
    )
