"""Queries of the sales alerts page (``pages/sales_alerts.py``) against ``rpt_sales_alerts``.

Same rules as ``dashboards.data``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import pandas as pd
import streamlit as st

from dashboards.data import CACHE_TTL_SECONDS, Published, fetch_df, fetch_rows

ALERTS_MART = "rpt_sales_alerts"


class AlertFilters(NamedTuple):
    """The alert page's filters; an empty list means all of them."""

    rules: tuple[str, ...] = ()
    region_names: tuple[str, ...] = ()
    team_ids: tuple[str, ...] = ()
    owner_ids: tuple[str, ...] = ()

    def params(self) -> dict[str, Any]:
        return {
            "rules": list(self.rules) or None,
            "region_names": list(self.region_names) or None,
            "team_ids": list(self.team_ids) or None,
            "owner_ids": list(self.owner_ids) or None,
        }


_ALERTS_WHERE = """
    ($rules::varchar[] is null or list_contains($rules, alert_rule))
    and ($region_names::varchar[] is null or list_contains($region_names, region_name))
    and ($team_ids::varchar[] is null or list_contains($team_ids, team_id))
    and ($owner_ids::varchar[] is null or list_contains($owner_ids, owner_id))
"""


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def alert_rules(source: Published) -> pd.DataFrame:
    """One row per rule with open alerts: alert_rule, alert_name_zh, alert_name_en."""
    return fetch_df(
        source,
        """
        select
            alert_rule,
            any_value(alert_name_zh) as alert_name_zh,
            any_value(alert_name_en) as alert_name_en,
        from rpt_sales_alerts
        group by alert_rule
        order by alert_rule
        """,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def alert_owners(source: Published) -> pd.DataFrame:
    """One row per owner with open alerts: owner_id, owner_name, team_name, region_name,
    team_id."""
    return fetch_df(
        source,
        """
        select
            owner_id,
            any_value(owner_name) as owner_name,
            any_value(team_id) as team_id,
            any_value(team_name) as team_name,
            any_value(region_name) as region_name,
        from rpt_sales_alerts
        where owner_id is not null
        group by owner_id
        order by region_name nulls last, team_name nulls last, owner_name, owner_id
        """,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def alerts_as_of(source: Published) -> dt.datetime | None:
    """The moment the alerts describe (the CRM's latest exported event), None without any."""
    return fetch_rows(source, "select max(as_of_at) from rpt_sales_alerts")[0][0]


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def alert_counts(source: Published, filters: AlertFilters) -> dict[str, int]:
    """Open alerts per rule under the region, team and owner filters (the rule filter is
    ignored, so every rule keeps its count)."""
    rows = fetch_rows(
        source,
        f"""
        select alert_rule, count(*) as alerts,
        from rpt_sales_alerts
        where {_ALERTS_WHERE}
        group by alert_rule
        """,
        filters._replace(rules=()).params(),
    )
    return {rule: int(count) for rule, count in rows}


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def sales_alerts(source: Published, filters: AlertFilters) -> pd.DataFrame:
    """The open alerts under the filters, the longest untouched first."""
    return fetch_df(
        source,
        f"""
        select
            alert_rule,
            alert_name_zh,
            alert_name_en,
            subject_id,
            stage_code,
            owner_id,
            owner_name,
            manager_id,
            manager_name,
            team_id,
            team_name,
            province_unit_name,
            region_name,
            last_touch_at,
            as_of_at,
            days_since,
            threshold,
            threshold_unit,
            cast(amount as double) as amount,
        from rpt_sales_alerts
        where {_ALERTS_WHERE}
        order by days_since desc nulls last, alert_rule, subject_id
        """,
        filters.params(),
    )
