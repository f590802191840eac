"""The forecast asset sits between the dbt models it reads and the marts that read it back,
and the opportunity snapshot is part of the dbt build the nightly job runs."""

from __future__ import annotations

import dagster as dg

from dagster_project.definitions import defs
from dagster_project.defs.warehouse.assets import warehouse_dbt_assets


def key(*path: str) -> dg.AssetKey:
    return dg.AssetKey(list(path))


def test_forecast_asset_between_dbt_models() -> None:
    graph = defs.resolve_asset_graph()
    for written in (
        key("forecast", "time_series_forecasts"),
        key("forecast", "forecast_snapshots"),
    ):
        node = graph.get(written)
        assert node.is_materializable
        assert {
            key("marts", "rpt_forecast_actuals_monthly"),
            key("intermediate", "int_forecast_weighted_series"),
        } <= node.parent_keys
    assert (
        key("forecast", "time_series_forecasts")
        in graph.get(key("marts", "rpt_forecast_backtest")).parent_keys
    )
    assert graph.get(key("marts", "rpt_forecast_snapshots")).parent_keys == {
        key("forecast", "forecast_snapshots")
    }
    published = graph.get(dg.AssetKey("published_marts")).parent_keys
    assert {
        key("marts", "rpt_forecast_accuracy"),
        key("marts", "rpt_forecast_latest"),
        key("marts", "fct_pipeline_as_of"),
        key("marts", "rpt_pipeline_coverage_monthly"),
    } <= published


def test_snapshot_runs_in_the_dbt_build() -> None:
    assert key("snapshots", "snap_crm__opportunities") in warehouse_dbt_assets.keys
    history = defs.resolve_asset_graph().get(key("intermediate", "int_opportunity_history"))
    assert key("snapshots", "snap_crm__opportunities") in history.parent_keys
