"""Queries of the 销售到回款 (deal-to-cash) page against the published marts.

Every figure is a sum over ``fct_deal_to_cash`` (one row per won deal) or
``rpt_deal_to_cash_leakage`` (one row per deal, step and reason) for the deals won in the chosen
months, org unit and product lines, as the session's scope sees them (``apply_scope`` shadows
both marts with views of the scope's rows), so the waterfall, the step table, the leakage and
the download always add up to one another.
"""

from __future__ import annotations

import datetime as dt
import io
import numbers
from typing import Any, NamedTuple

import pandas as pd
import streamlit as st

from dashboards.data import CACHE_TTL_SECONDS, Published, fetch_df, fetch_rows
from dashboards.downloads import content_digest
from dashboards.receivables_excel import new_workbook

CHAIN_MARTS = ("fct_deal_to_cash", "rpt_deal_to_cash_leakage")
# The steps whose duration the chain records: (step, days column of fct_deal_to_cash).
DURATION_STEPS = (
    ("won_to_contract", "days_won_to_contract"),
    ("contract_to_order", "days_contract_to_order"),
    ("order_to_install", "days_order_to_install"),
    ("statement_to_payment", "days_statement_to_payment"),
)
STUCK_STEPS = ("no_contract", "no_order", "not_billed", "not_collected")
LEAKAGE_STEPS = ("won_to_contract", "contract_to_order", "order_to_bill", "bill_to_cash")
STUCK_PER_STEP = 10


class ChainFilters(NamedTuple):
    """Deals won in ``month_from``..``month_to`` (first days of months), of one region and
    team (None = all) and of the chosen product lines (empty = all)."""

    month_from: dt.date
    month_to: dt.date
    region_id: str | None = None
    team_id: str | None = None
    product_lines: tuple[str, ...] = ()

    def params(self) -> dict[str, Any]:
        return {
            "month_from": self.month_from,
            "month_to": self.month_to,
            "region_id": self.region_id,
            "team_id": self.team_id,
            "product_lines": list(self.product_lines) or None,
        }


def _where(table: str = "") -> str:
    """The filters on ``table``'s columns (both chain marts carry them)."""
    column = f"{table}." if table else ""
    return f"""
        {column}won_month between $month_from and $month_to
        and ($region_id::varchar is null or {column}region_id = $region_id)
        and ($team_id::varchar is null or {column}team_id = $team_id)
        and ($product_lines::varchar[] is null
            or list_contains($product_lines, {column}product_line))
    """


_WHERE = _where()


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def won_months(source: Published) -> list[dt.date]:
    """Months with won deals in the scope, oldest first."""
    rows = fetch_rows(
        source,
        "select distinct won_month from fct_deal_to_cash where won_month is not null "
        "order by won_month",
    )
    return [month for (month,) in rows]


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def undated_won_deals(source: Published) -> int:
    """Won deals in the scope without a won date (a 商机 exported as won without its 赢单日期):
    no month range holds them, so the page says how many there are."""
    ((count,),) = fetch_rows(
        source, "select count(*) from fct_deal_to_cash where won_month is null"
    )
    return count


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def org_units(source: Published) -> pd.DataFrame:
    """Regions and teams of the scope's won deals (one row per team)."""
    return fetch_df(
        source,
        """
        select distinct region_id, region_name, team_id, team_name
        from fct_deal_to_cash
        where region_id is not null
        order by region_name, team_name
        """,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def product_lines(source: Published, lang: str) -> dict[str, str]:
    """Product line code -> name in ``lang`` (the code where the code table has none)."""
    name = "product_line_name_zh" if lang == "zh" else "product_line_name_en"
    rows = fetch_rows(
        source,
        f"""
        with used as (select distinct product_line from fct_deal_to_cash)
        select used.product_line, coalesce(names.{name}, used.product_line)
        from used
        left join dim_product_lines as names on used.product_line = names.product_line
        order by used.product_line
        """,
    )
    return dict(rows)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def chain_totals(source: Published, filters: ChainFilters) -> dict[str, float]:
    """Deals and amounts at every step of the chain (CNY), for the waterfall and step table."""
    cursor_sql = f"""
        select
            count(*) as deals,
            coalesce(sum(won_amount), 0)::double as won_amount,
            count(*) filter (where contracts > 0) as contracted_deals,
            coalesce(sum(contract_amount), 0)::double as contract_amount,
            count(*) filter (where order_lines > 0) as ordered_deals,
            coalesce(sum(ordered_amount), 0)::double as ordered_amount,
            count(*) filter (where devices_installed > 0) as installed_deals,
            coalesce(sum(devices_installed), 0) as devices_installed,
            count(*) filter (where billed_amount > 0) as billed_deals,
            coalesce(sum(billed_amount), 0)::double as billed_amount,
            coalesce(sum(credited_amount), 0)::double as credited_amount,
            coalesce(sum(written_off_amount), 0)::double as written_off_amount,
            count(*) filter (where collected_amount > 0) as collected_deals,
            coalesce(sum(collected_amount), 0)::double as collected_amount,
            count(*) filter (where outstanding_amount > 0) as outstanding_deals,
            coalesce(sum(outstanding_amount), 0)::double as outstanding_amount
        from fct_deal_to_cash
        where {_WHERE}
    """
    frame = fetch_df(source, cursor_sql, filters.params())
    return {key: float(value) for key, value in frame.iloc[0].items()}


def chain_steps(totals: dict[str, float]) -> pd.DataFrame:
    """One row per step of the chain: deals that reached it and the amount at it."""
    steps = (
        ("won", "deals", "won_amount"),
        ("contracted", "contracted_deals", "contract_amount"),
        ("ordered", "ordered_deals", "ordered_amount"),
        ("installed", "installed_deals", None),
        ("billed", "billed_deals", "billed_amount"),
        ("collected", "collected_deals", "collected_amount"),
        ("outstanding", "outstanding_deals", "outstanding_amount"),
    )
    return pd.DataFrame(
        [
            {
                "step": step,
                "deals": int(totals[deals]),
                "amount": totals[amount] if amount else None,
                "devices": int(totals["devices_installed"]) if step == "installed" else None,
            }
            for step, deals, amount in steps
        ]
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def step_durations(source: Published, filters: ChainFilters) -> pd.DataFrame:
    """Per step: deals that passed it, median, 90th percentile and longest days."""
    unpivot = " union all ".join(
        f"select '{step}' as step, {position} as position, {column} as days "
        f"from deals where {column} is not null"
        for position, (step, column) in enumerate(DURATION_STEPS)
    )
    return fetch_df(
        source,
        f"""
        with deals as (select * from fct_deal_to_cash where {_WHERE}),
        days as ({unpivot})
        select
            step,
            count(*) as deals,
            median(days)::double as median_days,
            quantile_cont(days, 0.9)::double as p90_days,
            max(days) as max_days
        from days
        group by step, position
        order by position
        """,
        filters.params(),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def step_days(source: Published, filters: ChainFilters) -> pd.DataFrame:
    """Every deal's days per step (long form), for the distributions."""
    unpivot = " union all ".join(
        f"select '{step}' as step, {column} as days from deals where {column} is not null"
        for step, column in DURATION_STEPS
    )
    return fetch_df(
        source,
        f"with deals as (select * from fct_deal_to_cash where {_WHERE}) {unpivot}",
        filters.params(),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def leakage(source: Published, filters: ChainFilters) -> pd.DataFrame:
    """Amount lost per step and reason, with the deals it concerns, largest first per step."""
    return fetch_df(
        source,
        f"""
        select
            step,
            reason,
            count(distinct opportunity_id) as deals,
            sum(amount_lost)::double as amount_lost
        from rpt_deal_to_cash_leakage
        where {_WHERE}
        group by step, reason
        order by
            array_position({list(LEAKAGE_STEPS)}::varchar[], step),
            amount_lost desc,
            reason
        """,
        filters.params(),
    )


_DEAL_COLUMNS = """
    deals.opportunity_id,
    coalesce(customers.customer_name, deals.account_id) as customer_name,
    deals.owner_name,
    deals.team_name,
    deals.product_line,
    deals.won_on,
    deals.won_amount::double as won_amount
"""


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def leakage_deals(source: Published, filters: ChainFilters, step: str, reason: str) -> pd.DataFrame:
    """The deals behind one step and reason of the leakage, largest loss first."""
    return fetch_df(
        source,
        f"""
        select {_DEAL_COLUMNS}, leaks.amount_lost::double as amount_lost
        from rpt_deal_to_cash_leakage as leaks
        inner join fct_deal_to_cash as deals on leaks.opportunity_id = deals.opportunity_id
        left join dim_customers as customers
            on deals.golden_customer_id = customers.golden_customer_id
        where leaks.step = $step and leaks.reason = $reason
            and {_where("leaks")}
        order by amount_lost desc, deals.opportunity_id
        """,
        {**filters.params(), "step": step, "reason": reason},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def stuck_deals(source: Published, filters: ChainFilters) -> pd.DataFrame:
    """The deals stuck longest at each step (``STUCK_PER_STEP`` per step), as of the data."""
    return fetch_df(
        source,
        f"""
        select
            deals.stuck_at_step,
            deals.stuck_since,
            deals.days_stuck,
            {_DEAL_COLUMNS},
            deals.outstanding_amount::double as outstanding_amount
        from fct_deal_to_cash as deals
        left join dim_customers as customers
            on deals.golden_customer_id = customers.golden_customer_id
        where deals.stuck_at_step is not null and {_where("deals")}
        qualify row_number() over (
            partition by deals.stuck_at_step
            order by deals.days_stuck desc nulls last, deals.opportunity_id
        ) <= {STUCK_PER_STEP}
        order by
            array_position({list(STUCK_STEPS)}::varchar[], deals.stuck_at_step),
            deals.days_stuck desc nulls last,
            deals.opportunity_id
        """,
        filters.params(),
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def chain_deals(source: Published, filters: ChainFilters) -> pd.DataFrame:
    """Every chosen deal with its chain, for the download."""
    return fetch_df(
        source,
        f"""
        select
            {_DEAL_COLUMNS},
            deals.contract_amount::double as contract_amount,
            deals.ordered_amount::double as ordered_amount,
            deals.devices_installed,
            deals.billed_amount::double as billed_amount,
            deals.credited_amount::double as credited_amount,
            deals.collected_amount::double as collected_amount,
            deals.outstanding_amount::double as outstanding_amount,
            deals.stuck_at_step,
            deals.contract_link_method
        from fct_deal_to_cash as deals
        left join dim_customers as customers
            on deals.golden_customer_id = customers.golden_customer_id
        where {_where("deals")}
        order by deals.won_on, deals.opportunity_id
        """,
        filters.params(),
    )


def chain_workbook(sheets: dict[str, pd.DataFrame], title: str) -> bytes:
    """An .xlsx with one sheet per table (sheet name -> frame whose columns are already
    titled): row 1 the title (what, for which deals), row 2 the header, amounts in CNY. Built
    once per content (cell by cell it took 60% of a company-wide run of the page at scale 1),
    keyed by every cell of every sheet (``downloads.content_digest``)."""
    digests = tuple((name, content_digest(table)) for name, table in sheets.items())
    return _chain_workbook(digests, sheets, title)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=64, show_spinner=False)
def _chain_workbook(digests: tuple, _sheets: dict[str, pd.DataFrame], title: str) -> bytes:
    """``chain_workbook``'s file; ``digests`` is the key (``_sheets`` is not hashed)."""
    buffer = io.BytesIO()
    workbook, heading, header, money = new_workbook(buffer)
    for sheet_name, table in _sheets.items():
        sheet = workbook.add_worksheet(sheet_name[:31])
        sheet.write(0, 0, title, heading)
        for index, column in enumerate(table.columns):
            sheet.write(1, index, str(column), header)
            is_money = pd.api.types.is_float_dtype(table[column])
            sheet.set_column(index, index, 16, money if is_money else None)
        for row, values in enumerate(table.itertuples(index=False), start=2):
            for index, value in enumerate(values):
                if value is None or (isinstance(value, float) and pd.isna(value)):
                    continue
                if isinstance(value, numbers.Number):
                    sheet.write_number(row, index, float(value))
                else:
                    sheet.write_string(row, index, str(value))
        sheet.freeze_panes(2, 0)
    workbook.close()
    return buffer.getvalue()
