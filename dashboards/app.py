"""Entry point of the MedOps cockpit: ``streamlit run dashboards/app.py`` (or ``medops serve``).

Sets up the page and the language switch (中文 first), asks for a login (``dashboards.auth``),
then shows the navigation of the pages the user's role may open (``dashboards.access.ROLES``),
opening on the role's own page. The pages live in ``dashboards/pages/``. Until a build has
published the marts, it shows how to produce them instead of any data page.
"""

from pathlib import Path

import streamlit as st

from dashboards import audit, auth, data, url_state
from dashboards.access import ROLES
from dashboards.auth_session import current_session
from dashboards.build_status import show_build_notice
from dashboards.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_STATE_KEY,
    LANGUAGES,
    MISSING_PUBLISHED,
    current_language,
    t,
)

# a local file: a ":material/...:" page icon makes every browser fetch it from Google's fonts
st.set_page_config(
    page_title=t("app_title", current_language()),
    page_icon=str(Path(__file__).parent / "static" / "favicon.png"),
    layout="wide",
)

CURRENT_PAGE_KEY = "medops_current_page"

# (group label, file, title label, icon, url path); icons come from Streamlit's bundled font
PAGES = [
    ("nav_overview", "executive_overview.py", "page_executive_overview", "dashboard",
     "executive-overview"),
    ("nav_overview", "my_day.py", "page_my_day", "today", "my-day"),
    ("nav_sales", "sales_funnel.py", "page_sales_funnel", "filter_alt", "sales-funnel"),
    ("nav_sales", "sales_overview.py", "page_sales_overview", "leaderboard", "sales-overview"),
    ("nav_sales", "sales_alerts.py", "page_sales_alerts", "notifications_active",
     "sales-alerts"),
    ("nav_sales", "sales_forecast.py", "forecast_page", "query_stats", "sales-forecast"),
    ("customers_nav", "customer_360.py", "customers_page_360", "person_search", "customer-360"),
    ("customers_nav", "customer_collisions.py", "customers_page_collisions", "group_work",
     "customer-collisions"),
    ("customers_nav", "customer_tiers.py", "customers_page_tiers", "workspace_premium",
     "customer-tiers"),
    ("receivables_nav", "receivables_aging.py", "receivables_page_aging", "account_balance",
     "receivables-aging"),
    ("receivables_nav", "receivables_overview.py", "receivables_page_overview", "payments",
     "receivables-overview"),
    ("receivables_nav", "receivables_compliance.py", "receivables_page_compliance", "gavel",
     "receivables-compliance"),
    ("receivables_nav", "deal_to_cash.py", "d2c_page", "conversion_path", "deal-to-cash"),
    ("travel_nav", "travel_cost.py", "travel_page", "directions_car", "travel-cost"),
    ("service_nav", "service_cockpit.py", "service_page_cockpit", "engineering",
     "service-cockpit"),
    ("service_nav", "service_assets.py", "service_page_assets", "precision_manufacturing",
     "service-assets"),
    ("nav_data", "data_quality.py", "page_data_quality", "fact_check", "data-quality"),
    ("nav_data", "operations.py", "ops_page", "schedule", "operations"),
    ("nav_admin", "admin_audit.py", "admin_page_audit", "policy", "admin-audit"),
    ("nav_admin", "admin_users.py", "admin_page_users", "group", "admin-users"),
]  # fmt: skip

with st.sidebar:
    st.radio(
        t("language"),
        options=list(LANGUAGES),
        index=list(LANGUAGES).index(DEFAULT_LANGUAGE),
        format_func=LANGUAGES.__getitem__,
        horizontal=True,
        key=LANGUAGE_STATE_KEY,
    )

if current_session() is None:
    # Every page registered, hidden, so that a shared link keeps its address through the
    # login; the default is a page of its own, so that a login at the root opens the role's
    # home page rather than whichever page happened to be first.
    st.navigation(
        [
            st.Page(auth.require_login, title=t("auth_title"), url_path="login", default=True),
            *(st.Page(f"pages/{f}", title=t(title), url_path=u) for _, f, title, _, u in PAGES),
        ],
        position="hidden",
    )
session = auth.require_login()
scope = session.scope
home = ROLES[scope.role].home
pages: dict[str, list] = {}
for group, file, title, icon, url_path in PAGES:
    if scope.may_open(url_path):
        pages.setdefault(t(group), []).append(
            st.Page(
                f"pages/{file}",
                title=t(title),
                icon=f":material/{icon}:",
                url_path=url_path,
                default=url_path == home,
            )
        )
# expanded: all pages listed (a collapsed list says "View N more" in English only)
navigation = st.navigation(pages, expanded=True)

with st.sidebar:
    # st.text: a name from the users file is shown as text, never as Markdown
    st.text(f"{t('auth_signed_in_as')}: {session.display_name} · {t(f'role_{scope.role}')}")
    if st.button(t("auth_logout"), icon=":material/logout:", key="logout"):
        auth.logout(session)

# Each time a page is entered its widgets read the URL once; a page entered without filters in
# its URL reopens with the user's last filters of it (before its widgets read the URL).
if st.session_state.get(CURRENT_PAGE_KEY) != navigation.url_path:
    st.session_state[CURRENT_PAGE_KEY] = navigation.url_path
    url_state.start_page()
    saved = {} if st.query_params else audit.last_view(session.username, navigation.url_path)
    if saved:
        st.query_params.from_dict(saved)


def _record_view() -> None:
    """One audit entry per page and filter set (as the page left them in the URL), not one
    per widget rerun; the filters are remembered for the user's next visit."""
    params = {name: st.query_params.get_all(name) for name in st.query_params}
    view = (navigation.url_path, tuple(sorted((k, tuple(v)) for k, v in params.items())))
    if st.session_state.get(audit.LAST_VIEW_KEY) != view:
        st.session_state[audit.LAST_VIEW_KEY] = view
        audit.record("page_view", session.username, navigation.url_path, params or None)
        audit.remember_view(session.username, navigation.url_path, params)


try:
    if scope.level != "none" and data.current_published() is None:
        st.title(t("app_title"))
        st.warning(MISSING_PUBLISHED.format(path=data.published_path()), icon=":material/info:")
    else:
        if scope.level != "none":
            show_build_notice(data.current_published())
        navigation.run()
finally:  # also when the page stops early (st.stop)
    _record_view()
