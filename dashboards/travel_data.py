"""Queries of the travel page (差旅) against the published travel marts."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import pandas as pd
import streamlit as st

from dashboards.data import CACHE_TTL_SECONDS, Published, fetch_df, fetch_rows

TRAVEL_MARTS = (
    "dim_geo_locations",
    "fct_claim_audit",
    "rpt_geocoding_precision",
    "rpt_travel_cost_monthly",
    "rpt_travel_budget_teams",
)


class TravelFilters(NamedTuple):
    """The travel page's filters; empty province or team lists mean all of them."""

    month_from: dt.date
    month_to: dt.date
    provinces: tuple[str, ...] = ()
    team_ids: tuple[str, ...] = ()

    def params(self) -> dict[str, Any]:
        return {
            "month_from": self.month_from,
            "month_to": self.month_to,
            "provinces": list(self.provinces) or None,
            "team_ids": list(self.team_ids) or None,
        }


# the province and team choices, applied to a table with office_province and team_id columns
_WHERE_ORG = """
    ($provinces::varchar[] is null or list_contains($provinces, office_province))
    and ($team_ids::varchar[] is null or list_contains($team_ids, team_id))
"""


def _org_params(filters: TravelFilters) -> dict[str, Any]:
    params = filters.params()
    return {"provinces": params["provinces"], "team_ids": params["team_ids"]}


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def travel_months(source: Published) -> list[dt.date]:
    """Every month of the travel-cost mart, oldest first."""
    rows = fetch_rows(
        source, "select distinct month_start from rpt_travel_cost_monthly order by month_start"
    )
    return [month for (month,) in rows]


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def travel_teams(source: Published) -> pd.DataFrame:
    """One row per team of the budget mart: id, name, office province."""
    return fetch_df(
        source,
        """
        select team_id, team_name, office_province, province_unit_name
        from rpt_travel_budget_teams
        order by office_province, team_name
        """,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def travel_kpis(source: Published, filters: TravelFilters) -> dict[str, Any]:
    """Visits, planned / route / claimed km, CNY claimed, cost per visit and per CNY of
    revenue over the chosen months, provinces and teams."""
    row = fetch_df(
        source,
        f"""
        select
            sum(visits) as visits,
            sum(planned_km) as planned_km,
            sum(route_km) as route_km,
            sum(claimed_km) as claimed_km,
            sum(claimed_amount) as claimed_amount,
            sum(claimed_amount) / nullif(sum(visits), 0) as cost_per_visit,
            sum(claimed_amount) / nullif(sum(revenue), 0) as cost_per_revenue_cny,
        from rpt_travel_cost_monthly
        where month_start between $month_from and $month_to and {_WHERE_ORG}
        """,
        filters.params(),
    ).iloc[0]
    return {key: None if pd.isna(value) else value for key, value in row.items()}


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def budget_by_team(source: Published, filters: TravelFilters) -> pd.DataFrame:
    """One row per team: reps, customers, planned km, fair / current budget and claims per
    month (the mart's period), and the gap of the current budget to the fair one."""
    return fetch_df(
        source,
        f"""
        select
            team_id,
            team_name,
            office_province,
            reps,
            customers_served,
            planned_visits_month,
            planned_km_month,
            avg_round_trip_km,
            fair_budget_month_cny,
            current_budget_month_cny,
            claimed_month_cny,
            fair_budget_per_head_cny,
            budget_per_head_month_cny,
            claimed_per_head_cny,
            current_budget_month_cny - fair_budget_month_cny as budget_gap_cny,
            period_start,
            period_end,
        from rpt_travel_budget_teams
        where {_WHERE_ORG}
        order by office_province, team_name
        """,
        _org_params(filters),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def cost_by_month(source: Published, filters: TravelFilters) -> pd.DataFrame:
    """One row per month: planned, route and claimed km, and the CNY claimed."""
    return fetch_df(
        source,
        f"""
        select
            month_start,
            sum(planned_km) as planned_km,
            sum(route_km) as route_km,
            sum(claimed_km) as claimed_km,
            sum(claimed_amount) as claimed_amount,
        from rpt_travel_cost_monthly
        where month_start between $month_from and $month_to and {_WHERE_ORG}
        group by month_start
        order by month_start
        """,
        filters.params(),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def map_locations(source: Published, filters: TravelFilters) -> pd.DataFrame:
    """Offices and customers with a coordinate: the offices of the chosen provinces and
    teams' offices, the customers served by the chosen teams in the chosen provinces."""
    return fetch_df(
        source,
        """
        with teams as (
            select team_id, office_province from rpt_travel_budget_teams
        ),

        customers as (
            select locations.*, teams.office_province
            from dim_geo_locations as locations
            left join teams on locations.team_id = teams.team_id
            where locations.location_type = 'customer'
        ),

        chosen_customers as (
            select *
            from customers
            where
                ($provinces::varchar[] is null or list_contains($provinces, office_province))
                and ($team_ids::varchar[] is null or list_contains($team_ids, team_id))
        )

        select
            location_type, location_id, location_name, province, longitude, latitude,
            coordinate_precision, customer_class, revenue, team_name, round_trip_road_km,
        from chosen_customers
        where longitude is not null
        union all
        select
            location_type, location_id, location_name, province, longitude, latitude,
            coordinate_precision, null, null, null, null,
        from dim_geo_locations
        where
            location_type = 'office'
            and longitude is not null
            and location_id in (select serving_office_id from chosen_customers)
        """,
        _org_params(filters),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def outlier_claims(source: Published, filters: TravelFilters) -> pd.DataFrame:
    """The claims flagged in the chosen months, provinces and teams, largest excess first."""
    return fetch_df(
        source,
        """
        select
            claim.claim_id,
            claim.travelled_on,
            claim.employee_id,
            claim.employee_name,
            claim.team_name,
            claim.account_id,
            claim.claimed_km,
            claim.route_km,
            claim.excess_share,
            claim.claimed_amount,
        from fct_claim_audit as claim
        left join (
            select distinct team_id, office_province from rpt_travel_budget_teams
        ) as teams on claim.team_id = teams.team_id
        where
            claim.is_km_over_route
            and claim.month_start between $month_from and $month_to
            and ($provinces::varchar[] is null or list_contains($provinces, teams.office_province))
            and ($team_ids::varchar[] is null or list_contains($team_ids, claim.team_id))
        order by claim.excess_km desc, claim.claim_id
        """,
        filters.params(),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def geocoding_precision(source: Published) -> pd.DataFrame:
    """Customers and offices per coordinate precision, finest first."""
    return fetch_df(
        source,
        """
        select location_type, coordinate_precision, precision_name_zh, precision_name_en,
            locations, share_of_locations
        from rpt_geocoding_precision
        order by location_type desc, precision_rank
        """,
    )
