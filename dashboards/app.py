"""Entry point of the MedOps cockpit: ``streamlit run dashboards/app.py`` (or ``medops serve``).

Sets up the page, the language switch (中文 first) and the navigation; the pages live in
``dashboards/pages/``. Until a build has published the marts, it shows how to produce them
instead of any page.
"""

import streamlit as st

from dashboards import data
from dashboards.build_status import show_build_notice
from dashboards.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_STATE_KEY,
    LANGUAGES,
    MISSING_PUBLISHED,
    current_language,
    t,
)

st.set_page_config(
    page_title=t("app_title", current_language()),
    page_icon=":material/monitoring:",
    layout="wide",
)

pages = {
    t("nav_sales"): [
        st.Page(
            "pages/sales_funnel.py",
            title=t("page_sales_funnel"),
            icon=":material/filter_alt:",
            url_path="sales-funnel",
            default=True,
        ),
        st.Page(
            "pages/sales_overview.py",
            title=t("page_sales_overview"),
            icon=":material/leaderboard:",
            url_path="sales-overview",
        ),
        st.Page(
            "pages/sales_alerts.py",
            title=t("page_sales_alerts"),
            icon=":material/notifications_active:",
            url_path="sales-alerts",
        ),
        st.Page(
            "pages/sales_forecast.py",
            title=t("forecast_page"),
            icon=":material/query_stats:",
            url_path="sales-forecast",
        ),
    ],
    t("customers_nav"): [
        st.Page(
            "pages/customer_360.py",
            title=t("customers_page_360"),
            icon=":material/person_search:",
            url_path="customer-360",
        ),
        st.Page(
            "pages/customer_collisions.py",
            title=t("customers_page_collisions"),
            icon=":material/group_work:",
            url_path="customer-collisions",
        ),
        st.Page(
            "pages/customer_tiers.py",
            title=t("customers_page_tiers"),
            icon=":material/workspace_premium:",
            url_path="customer-tiers",
        ),
    ],
    t("receivables_nav"): [
        st.Page(
            "pages/receivables_aging.py",
            title=t("receivables_page_aging"),
            icon=":material/account_balance:",
            url_path="receivables-aging",
        ),
        st.Page(
            "pages/receivables_overview.py",
            title=t("receivables_page_overview"),
            icon=":material/payments:",
            url_path="receivables-overview",
        ),
        st.Page(
            "pages/receivables_compliance.py",
            title=t("receivables_page_compliance"),
            icon=":material/gavel:",
            url_path="receivables-compliance",
        ),
    ],
    t("travel_nav"): [
        st.Page(
            "pages/travel_cost.py",
            title=t("travel_page"),
            icon=":material/directions_car:",
            url_path="travel-cost",
        ),
    ],
    t("service_nav"): [
        st.Page(
            "pages/service_cockpit.py",
            title=t("service_page_cockpit"),
            icon=":material/engineering:",
            url_path="service-cockpit",
        ),
        st.Page(
            "pages/service_assets.py",
            title=t("service_page_assets"),
            icon=":material/precision_manufacturing:",
            url_path="service-assets",
        ),
    ],
    t("nav_data"): [
        st.Page(
            "pages/data_quality.py",
            title=t("page_data_quality"),
            icon=":material/fact_check:",
            url_path="data-quality",
        ),
        st.Page(
            "pages/operations.py",
            title=t("ops_page"),
            icon=":material/schedule:",
            url_path="operations",
        ),
    ],
}
navigation = st.navigation(pages)

with st.sidebar:
    st.radio(
        t("language"),
        options=list(LANGUAGES),
        index=list(LANGUAGES).index(DEFAULT_LANGUAGE),
        format_func=LANGUAGES.__getitem__,
        horizontal=True,
        key=LANGUAGE_STATE_KEY,
    )

if data.current_published() is None:
    st.title(t("app_title"))
    st.warning(MISSING_PUBLISHED.format(path=data.published_path()), icon=":material/info:")
else:
    show_build_notice(data.current_published())
    navigation.run()
