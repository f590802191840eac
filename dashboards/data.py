"""The cockpit's access to the published marts, shared by every domain's queries.

The cockpit reads only the published copy of the marts (``medops.settings.paths().published``),
never the warehouse. The nightly build swaps that file with ``os.replace``; every query runs on
a cursor of the connection kept to the file's newest version (``dashboards.connections``), on
which the user's scope is applied for that query only (``dashboards.access.apply_scope``).
Each cached query takes a ``Published`` (path, modification time and scope) as its first
argument, so a newly published file is never answered from the cache of the previous one, nor
one scope from another's.

All user choices reach the SQL as bound parameters, never by string formatting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import pandas as pd
import streamlit as st

from dashboards.access import Scope, apply_scope
from dashboards.auth_session import session_scope
from dashboards.connections import CONNECTIONS
from medops.settings import paths

CACHE_TTL_SECONDS = 300


class Published(NamedTuple):
    """The published file as it is now (its path and a version that changes on each swap),
    as seen by one scope. Every cached query takes it first, so the cache is keyed by both."""

    path: str
    version: int
    scope: Scope | None = None

    @property
    def published_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.version / 1e9)


def published_path() -> Path:
    """Where the cockpit expects the published marts (``$MEDOPS_HOME/published.duckdb``)."""
    return paths().published


def current_published(scope: Scope | None = None) -> Published | None:
    """The published file seen with ``scope`` (by default the logged-in session's), or None
    when no build has published one yet."""
    path = published_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return Published(str(path), stat.st_mtime_ns, scope or session_scope())


@contextmanager
def scoped_cursor(source: Published, sql: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the newest published file on which every table ``sql`` names is the
    source's scope's view of it; closed (with its scope views) when the block ends."""
    with CONNECTIONS.cursor(source.path) as cursor:
        apply_scope(cursor, source.scope, sql)
        yield cursor


def fetch_df(source: Published, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Rows of ``sql`` on the published file as the source's scope sees it."""
    with scoped_cursor(source, sql) as cursor:
        return cursor.execute(sql, params or {}).df()


def fetch_rows(source: Published, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
    """Like ``fetch_df``, as a list of tuples."""
    with scoped_cursor(source, sql) as cursor:
        return cursor.execute(sql, params or {}).fetchall()


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def thin_export_shapes(source: Published, area: str) -> list[str]:
    """The thin export shapes (``rpt_export_shapes``) that the figures of ``area`` rest on;
    none when the published copy predates that mart."""
    if missing_marts(source, ("rpt_export_shapes",)):
        return []
    rows = fetch_rows(
        source,
        "select source_shape from rpt_export_shapes where area = $area order by source_shape",
        {"area": area},
    )
    return [shape for (shape,) in rows]


def missing_marts(source: Published, required: tuple[str, ...]) -> list[str]:
    """The tables of ``required`` that the published file does not contain."""
    rows = fetch_rows(
        source,
        "select table_name from information_schema.tables where table_schema = 'main'",
    )
    present = {name for (name,) in rows}
    return [name for name in required if name not in present]
