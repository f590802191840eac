"""The semantic layer: metrics defined once in dbt (dbt/models/semantic/, MetricFlow's semantic
models and metrics), compiled to SQL by MetricFlow and run on the warehouse.

MetricFlow plans and renders the SQL from dbt's ``target/semantic_manifest.json`` (written by
every ``dbt parse``); the query runs on a read-only DuckDB connection of our own. We do not use
the ``mf`` command: it checks PyPI for a newer version on every call, and the machines it runs on
have no internet. Filter values never enter the SQL text: a filter names a dimension and its
values, the SQL gets a bound list parameter (``list_contains($f0, dimension)``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from medops.settings import DBT_PROJECT_DIR

SEMANTIC_MANIFEST = DBT_PROJECT_DIR / "target" / "semantic_manifest.json"


class SemanticLayerError(Exception):
    """A metric query the semantic layer cannot answer (unknown metric or dimension, or no
    parsed dbt project); the message says what to do."""


@dataclass(frozen=True)
class MetricQuery:
    """Metrics over a selection: ``group_by`` names dimensions (``entity__dimension``, or
    ``metric_time__month``); ``filters`` maps a dimension to the values it may take (an empty
    tuple means all); ``time_from`` / ``time_to`` bound the metric time (inclusive), compared at
    ``time_grain``."""

    metrics: tuple[str, ...]
    group_by: tuple[str, ...] = ()
    filters: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    time_from: dt.date | None = None
    time_to: dt.date | None = None
    time_grain: str = "month"


class _DuckDbPlanClient:
    """What MetricFlow needs of a SQL client to plan and render a query for DuckDB. It never
    runs SQL itself (``compile`` returns the SQL; ``query_metrics`` runs it)."""

    @property
    def sql_engine_type(self):
        from metricflow.protocols.sql_client import SqlEngine

        return SqlEngine.DUCKDB

    @property
    def sql_plan_renderer(self):
        from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer

        return DuckDbSqlPlanRenderer()

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"

    def _not_here(self, *args, **kwargs):
        raise NotImplementedError("medops.semantic runs the compiled SQL itself")

    query = execute = dry_run = _not_here

    def close(self) -> None:
        return None


@lru_cache(maxsize=4)
def _engine(manifest_path: str, manifest_mtime_ns: int):
    from metricflow.engine.metricflow_engine import MetricFlowEngine
    from metricflow_semantics.model.dbt_manifest_parser import (
        parse_manifest_from_dbt_generated_manifest,
    )
    from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

    manifest = parse_manifest_from_dbt_generated_manifest(
        manifest_json_string=Path(manifest_path).read_text(encoding="utf-8")
    )
    return MetricFlowEngine(
        semantic_manifest_lookup=SemanticManifestLookup(manifest),
        sql_client=_DuckDbPlanClient(),
    )


def _manifest(manifest: Path | None) -> Path:
    path = manifest or SEMANTIC_MANIFEST
    if not path.exists():
        raise SemanticLayerError(f"{path} is missing: run `cd dbt && dbt parse` first")
    return path


def metric_definitions(manifest: Path | None = None) -> dict[str, dict[str, Any]]:
    """Every metric of the semantic layer: name -> label, description (its 口径), type and
    meta (the DECISIONLOG section, the cockpit cards showing it)."""
    raw = json.loads(_manifest(manifest).read_text(encoding="utf-8"))
    return {
        metric["name"]: {
            "label": metric.get("label"),
            "description": metric.get("description"),
            "type": metric.get("type"),
            "meta": (metric.get("config") or {}).get("meta") or {},
        }
        for metric in raw["metrics"]
    }


def compile_sql(query: MetricQuery, manifest: Path | None = None) -> tuple[str, dict[str, Any]]:
    """The SQL MetricFlow writes for ``query`` and its bound parameters."""
    from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

    path = _manifest(manifest)
    where: list[str] = []
    params: dict[str, Any] = {}
    for number, (dimension, values) in enumerate(sorted(query.filters.items())):
        if not values:
            continue
        key = f"f{number}"
        where.append(f"list_contains(${key}, {{{{ Dimension('{dimension}') }}}})")
        params[key] = list(values)
    metric_time = f"{{{{ TimeDimension('metric_time', '{query.time_grain}') }}}}"
    if query.time_from is not None:
        where.append(f"{metric_time} >= $time_from")
        params["time_from"] = query.time_from
    if query.time_to is not None:
        where.append(f"{metric_time} <= $time_to")
        params["time_to"] = query.time_to
    request = MetricFlowQueryRequest.create(
        metric_names=list(query.metrics),
        group_by_names=list(query.group_by) or None,
        where_constraints=where or None,
    )
    try:
        explained = _engine(str(path), path.stat().st_mtime_ns).explain(request)
    except Exception as error:  # MetricFlow raises many kinds; the user needs the message
        # its message: a summary line, then per error what was wrong and what it suggests
        lines = [line for line in str(error).strip().splitlines() if line.strip()]
        raise SemanticLayerError("\n".join(lines[:12])) from error
    return explained.sql_statement.sql, params


def query_metrics(
    warehouse: Path, query: MetricQuery, manifest: Path | None = None
) -> pd.DataFrame:
    """The metrics of ``query`` computed on the warehouse file (opened read-only), one row per
    combination of the group-by dimensions."""
    if not warehouse.exists():
        raise SemanticLayerError(f"no warehouse at {warehouse}: run `medops run` first")
    sql, params = compile_sql(query, manifest)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params).df()
    finally:
        con.close()
