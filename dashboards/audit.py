"""The cockpit's audit log: logins (ok and failed), logouts, page views and downloads, with
user, time, page and filters. A SQLite file (``$MEDOPS_AUDIT_DB``, default
``$MEDOPS_HOME/audit.sqlite``) so that every Streamlit thread can append to it safely while
the read-only published DuckDB file is swapped by the nightly build. The login lockout counts
failed logins from it, so a lockout survives a page reload or a server restart.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from medops.settings import paths

LAST_VIEW_KEY = "medops_last_view"
EVENTS = ("login_ok", "login_failed", "login_locked", "logout", "expired", "page_view", "download")
_DDL = """
create table if not exists audit_log (
    at text not null,
    username text,
    event text not null,
    page text,
    detail text
)
"""


def audit_path() -> Path:
    configured = os.environ.get("MEDOPS_AUDIT_DB")
    return Path(configured) if configured else paths().home / "audit.sqlite"


def _connect() -> sqlite3.Connection:
    path = audit_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    con.execute(_DDL)
    con.execute("create index if not exists audit_user_at on audit_log (username, at)")
    con.execute(
        "create table if not exists last_views (username text not null, page text not null, "
        "params text not null, primary key (username, page))"
    )
    return con


def remember_view(username: str, page: str, params: dict[str, list[str]]) -> None:
    """A user's latest filters of a page (the URL's query parameters), to reopen it so."""
    con = _connect()
    try:
        with con:
            con.execute(
                "insert or replace into last_views values (?, ?, ?)",
                (username, page, json.dumps(params, ensure_ascii=False, sort_keys=True)),
            )
    finally:
        con.close()


def last_view(username: str, page: str) -> dict[str, list[str]]:
    con = _connect()
    try:
        row = con.execute(
            "select params from last_views where username = ? and page = ?", (username, page)
        ).fetchone()
    finally:
        con.close()
    return json.loads(row[0]) if row else {}


def record(
    event: str,
    username: str | None,
    page: str | None = None,
    detail: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> None:
    if event not in EVENTS:
        raise ValueError(event)
    at = at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str) if detail else None
    con = _connect()
    try:
        with con:
            con.execute(
                "insert into audit_log values (?, ?, ?, ?, ?)",
                (at.isoformat(timespec="seconds"), username, event, page, text),
            )
    finally:
        con.close()


def record_download() -> None:
    """``on_click`` of every download button: who downloaded on which page with which filters
    (the page and filters of the view, as the app recorded them for the page view)."""
    from dashboards.auth_session import current_session

    session = current_session()
    page, params = st.session_state.get(LAST_VIEW_KEY, (None, ()))
    record(
        "download",
        session.username if session else None,
        page,
        {name: list(values) for name, values in params} or None,
    )


def failures_since(username: str, since: dt.datetime) -> int:
    """Failed logins of ``username`` after ``since`` and after their last successful one."""
    con = _connect()
    try:
        (count,) = con.execute(
            """
            select count(*) from audit_log
            where username = ? and event = 'login_failed' and at > ?
                and at > coalesce(
                    (select max(at) from audit_log where username = ? and event = 'login_ok'), '')
            """,
            (username, since.isoformat(timespec="seconds"), username),
        ).fetchone()
    finally:
        con.close()
    return count


def entries(limit: int = 1000, username: str | None = None, event: str | None = None):
    """The latest entries, newest first."""
    con = _connect()
    try:
        return pd.read_sql_query(
            """
            select at, username, event, page, detail from audit_log
            where (? is null or username = ?) and (? is null or event = ?)
            order by at desc, rowid desc
            limit ?
            """,
            con,
            params=(username, username, event, event, limit),
        )
    finally:
        con.close()
