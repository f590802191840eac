"""The time-series forecast and the nightly forecast snapshot, between the dbt models they read
(monthly actuals, the weighted-pipeline forecast) and the forecast marts that read them back
(dbt source ``forecast``)."""

import datetime as dt
import time
from zoneinfo import ZoneInfo

import dagster as dg

from dagster_project.resources import WarehouseResource, model_relation
from medops.forecast import store
from medops.forecast.timeseries import forecast_all_origins, tonight_inputs

TIME_SERIES_KEY = dg.AssetKey(["forecast", "time_series_forecasts"])
SNAPSHOT_KEY = dg.AssetKey(["forecast", "forecast_snapshots"])
READS = [
    dg.AssetKey(["marts", "rpt_forecast_actuals_monthly"]),
    dg.AssetKey(["intermediate", "int_forecast_weighted_series"]),
    dg.AssetKey(["reference", "forecast_settings"]),
]
# The nightly job runs at 02:00 China time: the forecast date is that calendar date.
FORECAST_TIMEZONE = ZoneInfo("Asia/Shanghai")
# Runs with this tag replay the whole backtest (the weekly schedule); the others forecast
# tonight's origin only and keep the stored backtest, unless there is none yet.
BACKTEST_TAG = {"medops/forecast": "backtest"}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            TIME_SERIES_KEY,
            deps=READS,
            group_name="forecast",
            kinds={"python", "duckdb"},
            description="AutoETS forecasts of bookings and collections at every backtest "
            "origin and tonight's, with 80 % and 95 % prediction intervals.",
        ),
        dg.AssetSpec(
            SNAPSHOT_KEY,
            deps=READS,
            group_name="forecast",
            kinds={"duckdb"},
            description="Append-only: tonight's forecast of both methods, frozen under today's "
            "date (a re-run the same day replaces that day's snapshot).",
        ),
    ]
)
def forecasts(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """The models it reads come from the engine that built them; the two tables go back to it
    (on Spark, as Parquet). Not run where that engine does not build them (a model disabled on
    its dbt target): the stored forecasts are left as they are."""
    engine = warehouse.engine
    reads = [model_relation(key) for key in READS]
    not_built = engine.not_built(reads)
    if not_built:
        context.log.warning(
            f"forecasts not run: {', '.join(not_built)} not built on {engine.name} "
            "(disabled on its dbt target, docs/spark.md)"
        )
        for key in (TIME_SERIES_KEY, SNAPSHOT_KEY):
            yield dg.MaterializeResult(
                asset_key=key, metadata={"rebuilt": False, "not_built_on": engine.name}
            )
        return
    engine.extract(reads)
    with warehouse.connect() as con, engine.models(con) as models:
        settings = store.read_settings(models)
        actuals = store.read_actuals(models)
        replay = BACKTEST_TAG.items() <= context.run.tags.items() or not store.has_backtest(con)
        inputs = tonight_inputs(actuals, settings)
        kept = None if replay else store.kept_tonight(con, inputs)
        started = time.perf_counter()
        if kept is not None:
            time_series, written = kept, 0
            context.log.info(
                "time-series forecasts kept: the complete months and settings are those "
                f"tonight's stored forecast was fitted on ({kept.height} rows)"
            )
        else:
            time_series = forecast_all_origins(actuals, settings, backtest=replay)
            context.log.info(
                f"time-series forecasts ({'backtest replayed' if replay else 'tonight only'}): "
                f"{time_series.height} rows in {time.perf_counter() - started:.1f} s"
            )
            written = store.write_time_series(con, time_series, replace_all=replay)
            store.record_tonight_inputs(con, inputs)
        seconds = round(time.perf_counter() - started, 1)
        now = dt.datetime.now(FORECAST_TIMEZONE)
        rows = store.snapshot_rows(
            time_series, store.read_weighted_latest(models), now.date(), now.replace(tzinfo=None)
        )
        frozen = store.freeze_snapshot(con, now.date(), rows)
    # after the warehouse is closed: Spark's hand-over reads it
    engine.hand_over((store.SCHEMA,))
    yield dg.MaterializeResult(
        asset_key=TIME_SERIES_KEY,
        metadata={
            "rows": written,
            "fit_seconds": seconds,
            "backtest_replayed": replay,
            "rebuilt": kept is None,
        },
    )
    yield dg.MaterializeResult(
        asset_key=SNAPSHOT_KEY,
        metadata={"rows": frozen, "forecast_date": str(now.date())},
    )
