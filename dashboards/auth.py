"""Login, logout, session expiry and lockout of the cockpit.

Passwords are checked against the bcrypt hashes of the users file (``dashboards.users``).
After ``MEDOPS_LOGIN_MAX_FAILURES`` (default 5) failed logins within
``MEDOPS_LOGIN_LOCKOUT_MINUTES`` (default 15) an account is locked for that long, counted from
the audit log so that reloading the page does not reset it. When the Streamlit secrets hold an
``[auth]`` section (an OIDC provider: company SSO), the login goes through ``st.login`` instead
and the SSO email picks the user (and so the role and scope) in the users file.
"""

from __future__ import annotations

import datetime as dt
import os

import duckdb
import streamlit as st

from dashboards import audit, users
from dashboards.access import AccessDenied, Scope, resolve_scope
from dashboards.auth_session import (
    SESSION_KEY,
    AuthSession,
    current_session,
    is_expired,
    now,
    touch,
)
from dashboards.connections import CONNECTIONS
from dashboards.i18n import t
from medops.settings import paths


def max_failures() -> int:
    return int(os.environ.get("MEDOPS_LOGIN_MAX_FAILURES", "5"))


def lockout_window() -> dt.timedelta:
    return dt.timedelta(minutes=float(os.environ.get("MEDOPS_LOGIN_LOCKOUT_MINUTES", "15")))


class LoginRefused(Exception):
    """A refused login; ``key`` is the label to show, ``values`` fill it."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def _scope_of(user: users.User) -> Scope:
    published = paths().published
    try:
        if not published.exists():  # no org hierarchy yet: only company-wide roles resolve
            with duckdb.connect() as con:
                return resolve_scope(con, user.role, user.employee_id, user.unit_id)
        with CONNECTIONS.cursor(str(published)) as cursor:
            return resolve_scope(cursor, user.role, user.employee_id, user.unit_id)
    except (AccessDenied, duckdb.CatalogException) as error:
        raise LoginRefused("auth_no_scope", reason=str(error)) from error


def password_login(username: str, password: str, at: dt.datetime | None = None) -> AuthSession:
    """The session of a successful login; raises LoginRefused (and audits) otherwise."""
    at = at or now()
    username = username.strip()
    if audit.failures_since(username, at - lockout_window()) >= max_failures():
        audit.record("login_locked", username, at=at)
        raise LoginRefused("auth_locked", minutes=int(lockout_window().total_seconds() // 60))
    user = users.load_users().get(username)
    if not users.check_password(user, password):
        audit.record("login_failed", username, at=at)
        raise LoginRefused("auth_failed")
    return _start(user, "password", at)


def sso_login(email: str, at: dt.datetime | None = None) -> AuthSession:
    """The session of the user whose SSO email the OIDC provider vouched for."""
    at = at or now()
    matches = [
        u for u in users.load_users().values() if u.email and u.email.lower() == email.lower()
    ]
    if len(matches) != 1 or matches[0].disabled:
        audit.record("login_failed", email, detail={"method": "sso"}, at=at)
        raise LoginRefused("auth_sso_unknown", email=email)
    return _start(matches[0], "sso", at)


def _start(user: users.User, method: str, at: dt.datetime) -> AuthSession:
    scope = _scope_of(user)
    audit.record("login_ok", user.username, detail={"method": method, "role": user.role}, at=at)
    return AuthSession(user.username, user.name, scope, logged_in_at=at, last_seen_at=at)


def still_allowed(session: AuthSession) -> bool:
    """A user disabled (or removed) since logging in loses the session at the next run."""
    user = users.load_users().get(session.username)
    return user is not None and not user.disabled and user.role == session.scope.role


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def require_login() -> AuthSession:
    """The logged-in session, or the login form and a stop of the script run."""
    session = current_session()
    stored = st.session_state.get(SESSION_KEY)
    if session is None and isinstance(stored, AuthSession) and is_expired(stored, now()):
        audit.record("expired", stored.username)
        del st.session_state[SESSION_KEY]
        st.info(t("auth_expired"), icon=":material/schedule:")
    if session is not None and not still_allowed(session):
        audit.record("logout", session.username, detail={"reason": "disabled"})
        del st.session_state[SESSION_KEY]
        session = None
    if session is not None:
        touch(session)
        return session
    if oidc_configured():
        _sso_form()
    else:
        _password_form()
    st.stop()
    raise AssertionError("unreachable")  # st.stop() ends the script run


def _password_form() -> None:
    st.title(t("auth_title"))
    if not users.users_file().exists():
        st.warning(t("auth_no_users"), icon=":material/person_add:")
        return
    with st.form("login", enter_to_submit=True):
        username = st.text_input(t("auth_username"), key="login_username")
        password = st.text_input(t("auth_password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("auth_submit"), type="primary")
    if submitted:
        try:
            st.session_state[SESSION_KEY] = password_login(username, password)
        except LoginRefused as refused:
            st.error(t(refused.key).format(**refused.values), icon=":material/lock:")
            return
        st.rerun()


def _sso_form() -> None:
    st.title(t("auth_title"))
    if not st.user.is_logged_in:
        if st.button(t("auth_sso"), type="primary"):
            st.login()
        return
    try:
        st.session_state[SESSION_KEY] = sso_login(str(st.user.email))
    except LoginRefused as refused:
        st.error(t(refused.key).format(**refused.values), icon=":material/lock:")
        if st.button(t("auth_logout")):
            st.logout()
        return
    st.rerun()


def logout(session: AuthSession) -> None:
    audit.record("logout", session.username)
    del st.session_state[SESSION_KEY]
    if oidc_configured() and st.user.is_logged_in:
        st.logout()
    st.rerun()
