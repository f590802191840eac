"""Queries of the customer pages against the published marts (dim_customers,
fct_customer_account_matches, fct_customer_timeline, rpt_customer_collisions, dim_contacts)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.data import CACHE_TTL_SECONDS, Published, fetch_df, missing_marts
from medops.customers.normalize import clean_text

CUSTOMER_360_MARTS = (
    "dim_customers",
    "fct_customer_account_matches",
    "fct_customer_timeline",
    "dim_contacts",
)
# optional on the 360° page: the section shows only when the receivables marts are published
RECEIVABLES_MARTS = ("fct_ar_aging_snapshot", "dim_ar_aging_buckets")
COLLISIONS_MART = "rpt_customer_collisions"
TIER_SHARE_MART = "rpt_customer_tier_share_monthly"
SEARCH_LIMIT = 50


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def search_customers(source: Published, text: str) -> pd.DataFrame:
    """Golden customers any of whose names (or ids) contains ``text``; one row per customer,
    with the name that matched, best-known customers first. The text is also cleaned the way
    the matcher cleans names (traditional to simplified, full-width, no punctuation) and looked
    up in the records' cleaned names, so 歷下區 finds 历下区."""
    return fetch_df(
        source,
        """
        with hits as (
            select
                bridge.golden_customer_id,
                min(bridge.account_name) as matched_name,
            from fct_customer_account_matches as bridge
            -- contains(), not LIKE: a % or _ typed in the search is a character, not a wildcard
            where
                contains(lower(bridge.account_name), lower($text))
                or contains(lower(bridge.normalized_name), lower($cleaned))
                or contains(lower(bridge.customer_name), lower($text))
                or bridge.account_id = $text
                or bridge.golden_customer_id = $text
            group by bridge.golden_customer_id
        )

        select
            customers.golden_customer_id,
            customers.customer_name,
            hits.matched_name,
            customers.city,
            customers.customer_tier,
        from hits
        inner join dim_customers as customers
            on hits.golden_customer_id = customers.golden_customer_id
        order by customers.value_score desc nulls last, customers.golden_customer_id
        limit $limit
        """,
        {"text": text.strip(), "cleaned": clean_text(text), "limit": SEARCH_LIMIT},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def customer(source: Published, golden_customer_id: str) -> pd.DataFrame:
    """The golden record (one row) of a customer."""
    return fetch_df(
        source,
        "select * from dim_customers where golden_customer_id = $id",
        {"id": golden_customer_id},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def aliases(source: Published, golden_customer_id: str) -> pd.DataFrame:
    """The customer's source records: name, how and how well each was matched, owner."""
    return fetch_df(
        source,
        """
        select
            account_id,
            account_name,
            match_method,
            match_score,
            match_evidence,
            owner_name,
            team_name,
            created_on,
        from fct_customer_account_matches
        where golden_customer_id = $id
        order by match_method = 'survivor' desc, match_score desc, account_id
        """,
        {"id": golden_customer_id},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def group_members(source: Published, top_group_customer_id: str) -> pd.DataFrame:
    """Every customer of a group, the top first."""
    return fetch_df(
        source,
        """
        select
            golden_customer_id,
            customer_name,
            city,
            owner_name,
            team_name,
            customer_tier,
        from dim_customers
        where top_group_customer_id = $id
        order by hierarchy_level, customer_name
        """,
        {"id": top_group_customer_id},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def contacts(source: Published, golden_customer_id: str) -> pd.DataFrame:
    """Contact persons at any of the customer's records, masked as published."""
    return fetch_df(
        source,
        """
        select
            contacts.department,
            contacts.title,
            contacts.contact_name,
            contacts.mobile,
            contacts.account_name,
        from dim_contacts as contacts
        inner join fct_customer_account_matches as bridge
            on contacts.account_id = bridge.account_id
        where bridge.golden_customer_id = $id
        order by contacts.department, contacts.title, contacts.contact_id
        """,
        {"id": golden_customer_id},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def open_receivables(source: Published, golden_customer_id: str, lang: str) -> pd.DataFrame:
    """The customer's open statement instalments at the latest as-of date of the aging
    snapshot, most overdue first: as_of_date, statement_id, installment_no, account_name,
    due_on, open_amount, days_past_due, bucket_name (aged by due date, in ``lang``) and
    late_fee_accrued."""
    bucket_name = "bucket_name_zh" if lang == "zh" else "bucket_name_en"
    return fetch_df(
        source,
        f"""
        select
            aging.as_of_date,
            aging.statement_id,
            aging.installment_no,
            aging.account_name,
            aging.due_on,
            cast(aging.open_amount as double) as open_amount,
            aging.days_past_due,
            buckets.{bucket_name} as bucket_name,
            cast(aging.late_fee_accrued as double) as late_fee_accrued,
        from fct_ar_aging_snapshot as aging
        left join dim_ar_aging_buckets as buckets on aging.due_bucket_code = buckets.bucket_code
        where aging.is_latest and aging.golden_customer_id = $id and aging.open_amount <> 0
        order by aging.days_past_due desc, aging.statement_id, aging.installment_no
        """,
        {"id": golden_customer_id},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def timeline(source: Published, golden_customer_id: str, lang: str) -> pd.DataFrame:
    """Every event at the customer (opportunities, contracts, orders, devices, tickets,
    visits), newest first; an opportunity's detail (its product line) by its name in
    ``lang`` (the code when the code table lacks it or is not published)."""
    name_column = "product_line_name_zh" if lang == "zh" else "product_line_name_en"
    named = not missing_marts(source, ("dim_product_lines",))
    detail = f"coalesce(product_lines.{name_column}, events.detail)" if named else "events.detail"
    names = (
        """left join dim_product_lines as product_lines
            on events.event_type = 'opportunity' and events.detail = product_lines.product_line"""
        if named
        else ""
    )
    return fetch_df(
        source,
        f"""
        select
            events.event_type,
            events.event_id,
            events.event_on,
            events.amount,
            events.event_status,
            events.employee_name,
            {detail} as detail,
            events.account_name,
        from fct_customer_timeline as events
        {names}
        where events.golden_customer_id = $id
        order by events.event_on desc nulls last, events.event_id
        """,
        {"id": golden_customer_id},
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def collisions(source: Published) -> pd.DataFrame:
    """Every ownership collision, largest open amount and most owners first."""
    return fetch_df(
        source,
        f"""
        select *
        from {COLLISIONS_MART}
        order by open_amount desc, owners desc, collision_id
        """,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def tier_shares(source: Published) -> pd.DataFrame:
    """One row per month and tier: customers and their share of all customers that month."""
    return fetch_df(
        source,
        f"""
        select month_start, customer_tier, customers, share_of_customers,
        from {TIER_SHARE_MART}
        order by month_start, customer_tier
        """,
    )
