"""Queries of the service pages against the published service marts.

Same rules as ``dashboards.data``: bound parameters for every user choice, results cached per
published version and scope. SLA attainment of a month the month-end close has frozen is read
from its frozen rows (``dashboards.closed_months``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import pandas as pd
import streamlit as st

from dashboards.closed_months import FROZEN_TABLES, closed_month_values, closed_months
from dashboards.data import CACHE_TTL_SECONDS, Published, fetch_df, fetch_rows

SERVICE_COCKPIT_MARTS = (
    "fct_service_tickets",
    "fct_service_sla_targets",
    "rpt_service_open_tickets",
    "rpt_service_engineer_monthly",
)
SERVICE_ASSETS_MARTS = (
    "dim_service_devices",
    "rpt_service_reliability_by_model",
    "rpt_service_parts_stock",
    "rpt_service_parts_consumption",
    "rpt_service_pnl_monthly",
)
KPI_TARGETS_TABLE = "rpt_service_kpi_targets"
SLA_MART = "rpt_service_sla_attainment_monthly"
# built from the receivables and customer marts; the section shows only when published
COVERED_OVERDUE_MART = "rpt_service_covered_devices_overdue"
# the receivables of covered customers need these besides the service marts
COVERED_RECEIVABLES_MARTS = (
    "dim_service_devices",
    "fct_customer_account_matches",
    "fct_ar_aging_snapshot",
)


class ServiceFilters(NamedTuple):
    """The service pages' filters: months of ticket creation (of the step for SLA targets)
    and lists that mean all of them when empty."""

    month_from: dt.date
    month_to: dt.date
    region_names: tuple[str, ...] = ()
    service_tiers: tuple[str, ...] = ()
    device_models: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()

    def params(self, *names: str) -> dict[str, Any]:
        """The bound parameters ``names`` (DuckDB refuses parameters a query does not use)."""
        every = {
            "month_from": self.month_from,
            "month_to": self.month_to,
            "regions": list(self.region_names) or None,
            "tiers": list(self.service_tiers) or None,
            "models": list(self.device_models) or None,
            "channels": list(self.channels) or None,
        }
        return {name: every[name] for name in names}


# The ticket attributes every service filter applies to (regions, tiers, models, channels).
_TICKET_PARAMS = ("regions", "tiers", "models", "channels")
_TICKET_FILTER = """
    ($regions::varchar[] is null or list_contains($regions, region_name))
    and ($tiers::varchar[] is null or list_contains($tiers, service_tier))
    and ($models::varchar[] is null or list_contains($models, device_model))
    and ($channels::varchar[] is null or list_contains($channels, channel))
"""
# The same on the monthly SLA attainment, which has no device model.
_SLA_MART_FILTER = """
    ($regions::varchar[] is null or list_contains($regions, region_name))
    and ($tiers::varchar[] is null or list_contains($tiers, service_tier))
    and ($channels::varchar[] is null or list_contains($channels, channel))
"""


def frozen_sla_used(source: Published, filters: ServiceFilters) -> bool:
    """Whether SLA attainment of closed months comes from their frozen rows: yes unless a
    device model is chosen (the frozen monthly attainment is not split by model)."""
    return not filters.device_models and not closed_months(source, SLA_MART).empty


def _sla_counts(source: Published, filters: ServiceFilters) -> str:
    """SQL of targets measured and met per month and target under the filters: from the
    SLA targets, and for closed months from their frozen monthly attainment."""
    live = f"""
        select
            measured_month as month_start,
            sla_target,
            count(*) as measured,
            count(*) filter (where is_met) as met,
        from fct_service_sla_targets
        where sla_status in ('met', 'breached')
            and measured_month between $month_from and $month_to
            and {_TICKET_FILTER}"""
    if not frozen_sla_used(source, filters):
        return f"{live}\n        group by all"
    return f"""{live}
            and measured_month not in ({closed_month_values(SLA_MART)})
        group by all
        union all
        select
            month_start,
            sla_target,
            sum(targets_measured) as measured,
            sum(targets_met) as met,
        from {FROZEN_TABLES[SLA_MART].table}
        where month_start between $month_from and $month_to and {_SLA_MART_FILTER}
        group by all"""


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def filter_options(source: Published) -> dict[str, list]:
    """Months of ticket creation and the values each filter offers."""
    options: dict[str, list] = {}
    for column in ("region_name", "service_tier", "device_model", "channel"):
        rows = fetch_rows(
            source,
            f"select distinct {column} from fct_service_tickets "
            f"where {column} is not null order by 1",
        )
        options[column] = [value for (value,) in rows]
    rows = fetch_rows(
        source,
        "select min(created_month), max(created_month) from fct_service_tickets",
    )
    first, last = rows[0]
    months = []
    if first is not None:
        month = first
        while month <= last:
            months.append(month)
            month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    options["months"] = months
    return options


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def kpis(source: Published, filters: ServiceFilters) -> dict[str, float | None]:
    """The KPI cards: SLA attainment over the targets whose step happened in the months, and
    the ticket KPIs over the tickets created in them (DECISIONLOG.md, "Service KPIs")."""
    sla = fetch_rows(
        source,
        f"select sum(met) / nullif(sum(measured), 0) from ({_sla_counts(source, filters)})",
        filters.params("month_from", "month_to", *_TICKET_PARAMS),
    )[0][0]
    row = fetch_df(
        source,
        f"""
        select
            count(*) as tickets,
            median(accept_business_minutes) filter (where accepted_at is not null) / 60.0
                as median_accept_hours,
            median(resolve_business_minutes) filter (where first_resolved_at is not null) / 60.0
                as median_resolve_hours,
            count(*) filter (where is_first_time_fix) / nullif(count(is_first_time_fix), 0)
                as first_time_fix_rate,
            count(*) filter (where is_followed_by_repeat_fault)
                / nullif(count(is_followed_by_repeat_fault), 0) as repeat_fault_rate,
            count(*) filter (where is_reopened) / nullif(count(first_closed_at), 0)
                as reopen_rate,
            count(*) filter (where first_resolved_at is not null and resolution_mode = 'remote')
                / nullif(count(first_resolved_at), 0) as remote_share,
            avg(satisfaction) as csat_average,
        from fct_service_tickets
        where created_month between $month_from and $month_to and {_TICKET_FILTER}
        """,
        filters.params("month_from", "month_to", *_TICKET_PARAMS),
    ).iloc[0]
    out = {key: (None if pd.isna(value) else float(value)) for key, value in row.items()}
    out["sla_attainment"] = sla
    return out


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def kpi_targets(source: Published) -> pd.DataFrame:
    """The targets of the KPI cards (seed service_kpi_targets, published as a report)."""
    return fetch_df(source, f"select * from {KPI_TARGETS_TABLE}")


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def attainment_trend(source: Published, filters: ServiceFilters) -> pd.DataFrame:
    """SLA attainment per month and target (closed months as frozen, see ``_sla_counts``)."""
    return fetch_df(
        source,
        f"""
        select
            month_start,
            sla_target,
            cast(sum(measured) as bigint) as measured,
            cast(sum(met) as bigint) as met,
            sum(met) / sum(measured) as attainment,
        from ({_sla_counts(source, filters)})
        group by all
        order by month_start, sla_target
        """,
        filters.params("month_from", "month_to", *_TICKET_PARAMS),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def resolution_breach_causes(source: Published, filters: ServiceFilters) -> dict[str, int]:
    """Resolution targets breached in the months, and how many of them the wait for spare
    parts explains (without the wait the target was kept)."""
    row = fetch_rows(
        source,
        f"""
        select
            count(*) filter (where sla_status = 'breached'),
            count(*) filter (where sla_status = 'breached' and is_breach_due_to_parts_wait),
        from fct_service_sla_targets
        where sla_target = 'resolve'
            and measured_month between $month_from and $month_to
            and {_TICKET_FILTER}
        """,
        filters.params("month_from", "month_to", *_TICKET_PARAMS),
    )[0]
    return {"breached": int(row[0]), "due_to_parts": int(row[1])}


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def open_tickets(source: Published, filters: ServiceFilters) -> pd.DataFrame:
    """Open tickets (whatever month they were created in), breached or at risk first."""
    return fetch_df(
        source,
        f"""
        select *
        from rpt_service_open_tickets
        where {_TICKET_FILTER}
        order by is_breached desc, is_at_risk desc, business_minutes_to_next_breach, ticket_id
        """,
        filters.params(*_TICKET_PARAMS),
    )


def at_risk_horizon_hours(open_tickets: pd.DataFrame) -> str:
    """The at-risk horizon the open-tickets report was built with (business hours)."""
    horizon = open_tickets["at_risk_horizon_business_hours"].dropna()
    return "—" if horizon.empty else f"{horizon.iloc[0]:g}"


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def engineer_league(source: Published, filters: ServiceFilters) -> pd.DataFrame:
    """One row per engineer over the months (the engineer table is not split by the ticket
    filters: an engineer's hours are not per region, tier, model or channel)."""
    return fetch_df(
        source,
        """
        select
            engineer_id,
            any_value(engineer_name) as engineer_name,
            any_value(region_name) as region_name,
            sum(tickets_resolved) as tickets_resolved,
            sum(sla_targets_met) / nullif(sum(sla_targets_measured), 0) as sla_attainment,
            sum(first_time_fixes) / nullif(sum(tickets_resolved), 0) as first_time_fix_rate,
            sum(csat_average * ratings) / nullif(sum(ratings), 0) as csat_average,
            sum(work_hours) as work_hours,
            sum(travel_km) as travel_km,
            sum(work_hours) / nullif(sum(available_hours), 0) as utilization,
        from rpt_service_engineer_monthly
        where month_start between $month_from and $month_to
            and ($regions::varchar[] is null or list_contains($regions, region_name))
        group by engineer_id
        order by sla_attainment desc nulls last, tickets_resolved desc, engineer_id
        """,
        filters.params("month_from", "month_to", "regions"),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def reliability(source: Published, filters: ServiceFilters) -> pd.DataFrame:
    """Reliability per device model (the whole history window; the model filter applies)."""
    return fetch_df(
        source,
        """
        select *
        from rpt_service_reliability_by_model
        where $models::varchar[] is null or list_contains($models, device_model)
        order by failures_per_device_year desc nulls last, sku
        """,
        filters.params("models"),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def covered_devices_overdue(source: Published, filters: ServiceFilters) -> pd.DataFrame:
    """Devices under warranty or contract whose customer has overdue receivables, the largest
    overdue amount first (region and model filters apply)."""
    return fetch_df(
        source,
        """
        select *
        from rpt_service_covered_devices_overdue
        where ($regions::varchar[] is null or list_contains($regions, region_name))
            and ($models::varchar[] is null or list_contains($models, device_model))
        order by customer_overdue_amount desc, serial_no
        """,
        filters.params("regions", "models"),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def covered_receivables(source: Published, filters: ServiceFilters) -> dict[str, Any]:
    """What the customers the service org covers owe on the latest aging date: a customer is
    covered when one of its devices (in the chosen regions) is under warranty or a service
    contract; its receivables are those of all its CRM records (DECISIONLOG.md, "Receivables
    of covered customers"). The scope's views decide which devices and statements count."""
    row = fetch_df(
        source,
        """
        with covered as (
            select distinct matches.golden_customer_id
            from dim_service_devices as devices
            inner join fct_customer_account_matches as matches
                on devices.account_id = matches.account_id
            where devices.coverage_status in ('warranty', 'service_contract')
                and ($regions::varchar[] is null or list_contains($regions, devices.region_name))
        )

        select
            max(aging.as_of_date) as as_of_date,
            (select count(*) from covered) as customers,
            coalesce(sum(aging.open_amount), 0) as outstanding,
            coalesce(sum(aging.open_amount) filter (where aging.days_past_due > 0), 0)
                as overdue,
            count(distinct aging.golden_customer_id) filter (
                where aging.days_past_due > 0 and aging.open_amount > 0
            ) as overdue_customers,
        from fct_ar_aging_snapshot as aging
        where aging.is_latest
            and aging.golden_customer_id in (select golden_customer_id from covered)
        """,
        filters.params("regions"),
    ).iloc[0]
    return {
        "as_of_date": None
        if pd.isna(row["as_of_date"])
        else pd.Timestamp(row["as_of_date"]).date(),
        "customers": int(row["customers"]),
        "outstanding": float(row["outstanding"]),
        "overdue": float(row["overdue"]),
        "overdue_customers": int(row["overdue_customers"]),
    }


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def installed_base(source: Published, filters: ServiceFilters) -> dict[str, int]:
    """Installed-base counts at the as-of date."""
    row = fetch_df(
        source,
        """
        select
            count(*) as devices,
            count(*) filter (where coverage_status = 'warranty') as under_warranty,
            count(*) filter (where coverage_status = 'service_contract') as under_contract,
            count(*) filter (where is_not_seen_in_census) as not_seen,
            coalesce(sum(pm_visits_due), 0) as pm_due,
            coalesce(sum(pm_visits_overdue), 0) as pm_overdue,
        from dim_service_devices
        where ($regions::varchar[] is null or list_contains($regions, region_name))
            and ($models::varchar[] is null or list_contains($models, device_model))
        """,
        filters.params("regions", "models"),
    ).iloc[0]
    return {key: int(value) for key, value in row.items()}


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def parts_stock(source: Published) -> pd.DataFrame:
    """Stock per warehouse: lines, value, lines out of stock, lines under 30 days of cover."""
    return fetch_df(
        source,
        """
        select
            warehouse_id,
            any_value(warehouse_province) as warehouse_province,
            count(*) as part_lines,
            sum(stock_value) as stock_value,
            count(*) filter (where is_out_of_stock) as lines_out_of_stock,
            count(*) filter (where days_of_cover < 30) as lines_under_30_days,
        from rpt_service_parts_stock
        group by warehouse_id
        order by warehouse_id
        """,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def parts_by_model(source: Published, filters: ServiceFilters) -> pd.DataFrame:
    """Parts cost per device model and fault type in the months."""
    return fetch_df(
        source,
        """
        select
            device_model,
            fault_type,
            sum(tickets) as tickets,
            sum(quantity) as quantity,
            sum(parts_cost) as parts_cost,
            sum(parts_cost) / nullif(sum(tickets), 0) as cost_per_ticket,
        from rpt_service_parts_consumption
        where month_start between $month_from and $month_to
            and ($regions::varchar[] is null or list_contains($regions, region_name))
            and ($models::varchar[] is null or list_contains($models, device_model))
        group by all
        order by parts_cost desc, device_model, fault_type
        """,
        filters.params("month_from", "month_to", "regions", "models"),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def pnl(source: Published, filters: ServiceFilters) -> pd.DataFrame:
    """Service P&L per month (the region filter applies)."""
    return fetch_df(
        source,
        """
        select
            month_start,
            sum(contract_revenue) as contract_revenue,
            sum(repair_revenue) as repair_revenue,
            sum(revenue) as revenue,
            sum(engineer_cost) as engineer_cost,
            sum(travel_cost) as travel_cost,
            sum(parts_cost) as parts_cost,
            sum(total_cost) as total_cost,
            sum(margin) as margin,
        from rpt_service_pnl_monthly
        where month_start between $month_from and $month_to
            and ($regions::varchar[] is null or list_contains($regions, region_name))
        group by month_start
        order by month_start
        """,
        filters.params("month_from", "month_to", "regions"),
    )
