"""Time-series forecasts of monthly series with prediction intervals (statsforecast AutoETS).

One model per series (company, each product line, each team; bookings and collections). A
forecast made at an origin month sees only the complete months before it; the backtest replays
every past origin that way, tonight's forecast is the one at the current month.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import astuple, dataclass
from importlib.metadata import version
from pathlib import Path

import polars as pl

LEVELS = (80, 95)
MODEL_NAME = "AutoETS"


@dataclass(frozen=True)
class ForecastSettings:
    """The columns of seeds/forecast_settings.csv that the time-series side uses."""

    horizon_months: int
    min_training_months: int
    season_length_months: int
    refit_every_months: int


def forecast_all_origins(
    actuals: pl.DataFrame, settings: ForecastSettings, backtest: bool = True
) -> pl.DataFrame:
    """The backtest and tonight's forecast, one frame (tonight's only without ``backtest``).

    ``actuals`` has measure, series_level, series_key, month_start, actual_amount,
    is_complete (rpt_forecast_actuals_monthly). Backtest origins are the month starts after
    ``min_training_months`` complete months whose whole horizon is complete: at each, the
    model sees only the months before it. Model parameters are re-estimated every
    ``refit_every_months`` origins and the state is updated with every month in between (what
    a nightly job that refits twice a year would have produced); refitting at every origin
    took about twice as long (BENCHMARKS.md). Tonight's forecast is fitted on every complete
    month; its origin is the current (incomplete) month.
    """
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    train = _training_frame(actuals)
    if train.is_empty():
        return _empty()
    months = train["ds"].n_unique()
    model = StatsForecast(
        models=[AutoETS(season_length=settings.season_length_months)], freq="1mo", n_jobs=1
    )
    frames = []
    windows = months - settings.horizon_months - settings.min_training_months + 1
    if backtest and windows > 0:
        replayed = model.cross_validation(
            df=train,
            h=settings.horizon_months,
            step_size=1,
            n_windows=windows,
            level=list(LEVELS),
            refit=settings.refit_every_months,
        )
        frames.append(_tidy(replayed, pl.col("cutoff").dt.offset_by("1mo").dt.date()))
    if months >= settings.min_training_months:
        tonight = model.forecast(df=train, h=settings.horizon_months, level=list(LEVELS))
        origin = (train["ds"].max() + dt.timedelta(days=31)).date().replace(day=1)
        frames.append(_tidy(tonight, pl.lit(origin)))
    return pl.concat(frames) if frames else _empty()


def tonight_inputs(actuals: pl.DataFrame, settings: ForecastSettings) -> str:
    """A fingerprint of what tonight's forecast is a function of: the complete months (a day of
    the current month changes nothing it sees), the settings, this module and statsforecast's
    version. Equal fingerprints give the same forecast, so a night with the same one keeps it."""
    digest = hashlib.sha256()
    digest.update(_training_frame(actuals).write_csv().encode())
    digest.update(repr(astuple(settings)).encode())
    digest.update(Path(__file__).read_bytes())
    digest.update(version("statsforecast").encode())
    return digest.hexdigest()


def _training_frame(actuals: pl.DataFrame) -> pl.DataFrame:
    """statsforecast's long format from the complete months (the mart fills every month of
    every series, so all series share one calendar)."""
    return (
        actuals.filter(pl.col("is_complete"))
        .select(
            pl.concat_str(["measure", "series_level", "series_key"], separator="|").alias(
                "unique_id"
            ),
            pl.col("month_start").cast(pl.Datetime("us")).alias("ds"),
            pl.col("actual_amount").cast(pl.Float64).alias("y"),
        )
        .sort("unique_id", "ds")
    )


def _tidy(predicted: pl.DataFrame, origin: pl.Expr) -> pl.DataFrame:
    """statsforecast's output as rows of the time_series_forecasts table."""
    parts = pl.col("unique_id").str.split_exact("|", 2)
    bounds = [
        pl.col(f"{MODEL_NAME}-{side}-{level}").clip(lower_bound=0).alias(f"{side}_{level}")
        for level in LEVELS
        for side in ("lo", "hi")
    ]
    return (
        predicted.with_columns(parts.alias("parts"), origin.alias("origin_month"))
        .select(
            "origin_month",
            pl.col("parts").struct.field("field_0").alias("measure"),
            pl.col("parts").struct.field("field_1").alias("series_level"),
            pl.col("parts").struct.field("field_2").alias("series_key"),
            pl.col("ds").dt.date().alias("target_month"),
            # bookings and collections cannot be negative: floor the mean and bounds at 0
            pl.col(MODEL_NAME).clip(lower_bound=0).alias("forecast_amount"),
            *bounds,
            pl.lit(MODEL_NAME).alias("model"),
        )
        .with_columns(
            (
                (pl.col("target_month").dt.year() - pl.col("origin_month").dt.year()) * 12
                + pl.col("target_month").dt.month()
                - pl.col("origin_month").dt.month()
            )
            .cast(pl.Int32)
            .alias("months_ahead")
        )
    )


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
            "months_ahead": pl.Int32,
        }
    )
