"""Statistical forecasts of monthly bookings and collections, their backtest, and the frozen
nightly snapshots. Plain functions on Polars frames and a DuckDB connection; Dagster wires
them (dagster_project/defs/forecast/assets.py)."""
