"""The logged-in session as the cockpit's queries see it (kept apart from the login page so
that ``dashboards.data`` can read the scope without importing Streamlit widgets).

A login stores an ``AuthSession`` in ``st.session_state``; it expires after
``MEDOPS_SESSION_IDLE_MINUTES`` (default 30) without a page run, and in any case
``MEDOPS_SESSION_MAX_HOURS`` (default 12) after the login.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboards.access import Scope

SESSION_KEY = "medops_auth"


@dataclass(frozen=True)
class AuthSession:
    username: str
    display_name: str
    scope: Scope
    logged_in_at: dt.datetime
    last_seen_at: dt.datetime


def idle_limit() -> dt.timedelta:
    return dt.timedelta(minutes=float(os.environ.get("MEDOPS_SESSION_IDLE_MINUTES", "30")))


def absolute_limit() -> dt.timedelta:
    return dt.timedelta(hours=float(os.environ.get("MEDOPS_SESSION_MAX_HOURS", "12")))


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def is_expired(session: AuthSession, at: dt.datetime) -> bool:
    return at - session.last_seen_at > idle_limit() or at - session.logged_in_at > absolute_limit()


def current_session() -> AuthSession | None:
    """The session's login if it has not expired; None outside a Streamlit run."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    session = st.session_state.get(SESSION_KEY)
    if not isinstance(session, AuthSession) or is_expired(session, now()):
        return None
    return session


def touch(session: AuthSession) -> None:
    """Record activity, which restarts the idle timer."""
    st.session_state[SESSION_KEY] = replace(session, last_seen_at=now())


def session_scope() -> Scope | None:
    session = current_session()
    return None if session is None else session.scope
