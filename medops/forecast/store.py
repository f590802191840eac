"""The forecast tables in the warehouse (schema ``forecast``), read by dbt as the source
``forecast``.

``time_series_forecasts`` is replaced whole when the backtest is replayed (weekly, and on a
warehouse without one): every origin is replayed from the current history, so an export that
restates the past restates the backtest too. The nightly run replaces tonight's origin only.
``forecast_snapshots`` is append-only: each night's forecast (both methods) is frozen under its
forecast date and never rewritten later; a second run on the same date replaces that date's
rows, so there is one snapshot per date.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from medops.build_changes import table_exists
from medops.forecast.timeseries import ForecastSettings
from medops.settings import PIPELINE_STATE_SCHEMA

SCHEMA = "forecast"
TIME_SERIES_TABLE = f"{SCHEMA}.time_series_forecasts"
SNAPSHOT_TABLE = f"{SCHEMA}.forecast_snapshots"
# the inputs of the latest stored fit of tonight's origin (timeseries.tonight_inputs)
FIT_INPUTS_TABLE = f"{PIPELINE_STATE_SCHEMA}.forecast_fit_inputs"

_SNAPSHOT_DDL = f"""
create table if not exists {SNAPSHOT_TABLE} (
    forecast_date date not null,
    frozen_at timestamp not null,
    data_as_of_at timestamp,
    forecast_method varchar not null,
    measure varchar not null,
    series_level varchar not null,
    series_key varchar not null,
    origin_month date not null,
    target_month date not null,
    months_ahead integer not null,
    forecast_amount double,
    lo_80 double,
    hi_80 double,
    lo_95 double,
    hi_95 double
)
"""
SNAPSHOT_COLUMNS = [
    "forecast_date",
    "frozen_at",
    "data_as_of_at",
    "forecast_method",
    "measure",
    "series_level",
    "series_key",
    "origin_month",
    "target_month",
    "months_ahead",
    "forecast_amount",
    "lo_80",
    "hi_80",
    "lo_95",
    "hi_95",
]


def read_settings(con: duckdb.DuckDBPyConnection) -> ForecastSettings:
    """The forecast settings seed as dbt loaded it (reference.forecast_settings)."""
    row = con.execute(
        "select horizon_months, min_training_months, season_length_months, "
        "refit_every_months "
        "from reference.forecast_settings"
    ).fetchall()
    if len(row) != 1:
        raise ValueError(f"reference.forecast_settings must hold exactly one row, not {len(row)}")
    return ForecastSettings(*row[0])


def read_actuals(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(
        "select measure, series_level, series_key, month_start, actual_amount, is_complete "
        "from marts.rpt_forecast_actuals_monthly"
    ).pl()


def read_weighted_latest(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Tonight's weighted-pipeline forecast (the origin at the latest export moment)."""
    return con.sql(
        "select origin_at as data_as_of_at, origin_month, series_level, series_key, "
        "target_month, months_ahead, forecast_amount "
        "from intermediate.int_forecast_weighted_series where is_latest"
    ).pl()


def write_time_series(
    con: duckdb.DuckDBPyConnection, forecasts: pl.DataFrame, replace_all: bool = True
) -> int:
    """Store the forecasts: all of them (a replayed backtest), or (``replace_all`` false)
    tonight's origin in place of what the table holds from that origin on."""
    con.execute(f"create schema if not exists {SCHEMA}")
    con.register("time_series_frame", forecasts.to_arrow())
    try:
        if replace_all:
            con.execute(
                f"create or replace table {TIME_SERIES_TABLE} as select * from time_series_frame"
            )
        else:
            con.execute("begin")
            con.execute(
                f"delete from {TIME_SERIES_TABLE} where origin_month >= "
                "(select min(origin_month) from time_series_frame)"
            )
            con.execute(f"insert into {TIME_SERIES_TABLE} by name select * from time_series_frame")
            con.execute("commit")
    finally:
        con.unregister("time_series_frame")
    return forecasts.height


def record_tonight_inputs(con: duckdb.DuckDBPyConnection, inputs: str) -> None:
    """Note the inputs of the tonight's forecast just stored (its origin: the latest)."""
    con.execute(f"create schema if not exists {PIPELINE_STATE_SCHEMA}")
    con.execute(
        f"create or replace table {FIT_INPUTS_TABLE} as select max(origin_month) as "
        f"origin_month, ? as inputs from {TIME_SERIES_TABLE}",
        [inputs],
    )


def kept_tonight(con: duckdb.DuckDBPyConnection, inputs: str) -> pl.DataFrame | None:
    """The stored forecast at tonight's origin when it was fitted on these inputs, else None
    (then it must be fitted)."""
    if not table_exists(con, *FIT_INPUTS_TABLE.split(".")):
        return None
    kept = con.sql(
        f"select * from {TIME_SERIES_TABLE} where origin_month = "
        f"(select origin_month from {FIT_INPUTS_TABLE} where inputs = ?) "
        "order by measure, series_level, series_key, target_month",
        params=[inputs],
    ).pl()
    return kept if kept.height else None


def has_backtest(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the stored forecasts hold a replayed backtest (origins before tonight's)."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
        [SCHEMA, TIME_SERIES_TABLE.split(".")[1]],
    ).fetchone()[0]
    if not exists:
        return False
    [(origins,)] = con.execute(
        f"select count(distinct origin_month) from {TIME_SERIES_TABLE}"
    ).fetchall()
    return origins > 1


def snapshot_rows(
    time_series: pl.DataFrame,
    weighted_latest: pl.DataFrame,
    forecast_date: dt.date,
    frozen_at: dt.datetime,
) -> pl.DataFrame:
    """Tonight's forecast of both methods in the snapshot's columns: the time-series forecast
    at the latest origin, and the weighted-pipeline forecast (bookings only)."""
    data_as_of = weighted_latest["data_as_of_at"].max() if weighted_latest.height else None
    latest_origin = time_series["origin_month"].max()
    statistical = time_series.filter(pl.col("origin_month") == latest_origin).select(
        pl.lit("time_series").alias("forecast_method"),
        "measure",
        "series_level",
        "series_key",
        "origin_month",
        "target_month",
        pl.col("months_ahead").cast(pl.Int32),
        "forecast_amount",
        "lo_80",
        "hi_80",
        "lo_95",
        "hi_95",
    )
    weighted = weighted_latest.select(
        pl.lit("weighted_pipeline").alias("forecast_method"),
        pl.lit("bookings").alias("measure"),
        "series_level",
        "series_key",
        "origin_month",
        "target_month",
        pl.col("months_ahead").cast(pl.Int32),
        pl.col("forecast_amount").cast(pl.Float64),
        *(pl.lit(None, pl.Float64).alias(c) for c in ("lo_80", "hi_80", "lo_95", "hi_95")),
    )
    return pl.concat([statistical, weighted]).select(
        pl.lit(forecast_date).alias("forecast_date"),
        pl.lit(frozen_at).alias("frozen_at"),
        pl.lit(data_as_of, pl.Datetime("us")).alias("data_as_of_at"),
        pl.all(),
    )


def freeze_snapshot(
    con: duckdb.DuckDBPyConnection, forecast_date: dt.date, rows: pl.DataFrame
) -> int:
    """Store ``rows`` as the snapshot of ``forecast_date``, replacing that date's earlier
    snapshot (if the job ran twice that day) in one transaction; other dates are untouched."""
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(_SNAPSHOT_DDL)
    con.register("snapshot_frame", rows.select(SNAPSHOT_COLUMNS).to_arrow())
    try:
        con.execute("begin transaction")
        con.execute(f"delete from {SNAPSHOT_TABLE} where forecast_date = ?", [forecast_date])
        con.execute(
            f"insert into {SNAPSHOT_TABLE} ({', '.join(SNAPSHOT_COLUMNS)}) "
            f"select {', '.join(SNAPSHOT_COLUMNS)} from snapshot_frame"
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("snapshot_frame")
    return rows.height
