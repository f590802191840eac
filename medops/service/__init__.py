"""Service operations: the business-calendar seed builder (no Dagster import here)."""
