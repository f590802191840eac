"""One definition per metric: every cockpit KPI card that shows a metric of the semantic layer
(dbt/models/semantic/_semantic__metrics.yml, ``config.meta.cards``) shows the figure MetricFlow
computes for the same selection. The page side is the page's own query function on the
published file; the semantic side is MetricFlow's SQL on the warehouse of the same shared
build (tests/conftest.py ``clean_build``). Several filter combinations per page: all, a window
of months, one or two values of the page's filters.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest
from conftest import query

from dashboards import (
    data,
    funnel_data,
    overview_data,
    receivables_data,
    sales_data,
    service_data,
    travel_data,
)
from dashboards.access import ROLES, Scope
from dashboards.metric_docs import card_metrics
from medops.semantic import (
    MetricQuery,
    SemanticLayerError,
    compile_sql,
    metric_definitions,
    query_metrics,
)

EVERYTHING = Scope("executive", "company", None, None, True)
# the figure each card of a page shows: card key -> key of the page function's result
PAGE_CARDS = {
    "sales-overview": {
        "kpi_bookings": "bookings",
        "kpi_quota": "quota",
        "kpi_attainment": "attainment",
        "kpi_revenue": "revenue",
        "kpi_contacted_24h": "share_contacted_within_24h",
    },
    "sales-funnel": {
        "kpi_opportunities": "opportunities",
        "kpi_won": "won",
        "kpi_win_rate": "win_rate",
        "kpi_won_amount": "won_amount",
        "kpi_days_to_win": "median_days_to_win",
    },
    "receivables-overview": {
        "receivables_kpi_outstanding": "outstanding",
        "receivables_kpi_overdue": "overdue",
        "receivables_kpi_share_overdue": "share_overdue",
        "receivables_kpi_dso": "dso_days",
        "receivables_kpi_reconciliation": "reconciliation_rate",
    },
    "service-cockpit": {
        "sla_attainment": "sla_attainment",
        "median_resolve_hours": "median_resolve_hours",
        "csat_average": "csat_average",
    },
    "travel-cost": {
        "travel_kpi_visits": "visits",
        "travel_kpi_route_km": "route_km",
        "travel_kpi_claimed_km": "claimed_km",
        "travel_kpi_claimed": "claimed_amount",
        "travel_kpi_cost_per_visit": "cost_per_visit",
    },
    # one selection: only company-wide roles (executive, finance, analyst) open the page
    "executive-overview": {
        "overview_bookings": "bookings",
        "overview_attainment": "attainment",
        "overview_revenue": "revenue",
        "overview_dso": "dso_days",
        "overview_outstanding": "outstanding",
        "overview_overdue": "overdue",
        "overview_collections": "collections",
        "overview_sla": "sla_attainment",
        "overview_csat": "csat",
    },
}
# "My day" has no KPI cards: its section headlines count or total the rows listed below them
# (alerts, deals due, overdue statements at the latest as-of date, open tickets, this week's
# visits), figures of the user's own rows that no semantic-layer metric defines.


@pytest.fixture(scope="module")
def built(clean_build) -> tuple[Path, data.Published]:
    home, _exports, result = clean_build
    assert result.success
    published = home / "published.duckdb"
    source = data.Published(str(published), published.stat().st_mtime_ns, EVERYTHING)
    return home / "warehouse.duckdb", source


def one_row(warehouse: Path, semantic: MetricQuery) -> dict:
    frame = query_metrics(warehouse, semantic)
    assert len(frame) <= 1, frame
    if frame.empty:
        return dict.fromkeys(semantic.metrics)
    return {name: frame.iloc[0][name] for name in semantic.metrics}


def same(page_value, semantic_value) -> bool:
    """Equal up to float rounding; a blank card (None) equals a null metric."""
    blank = page_value is None or (isinstance(page_value, float) and math.isnan(page_value))
    if semantic_value is None or (isinstance(semantic_value, float) and math.isnan(semantic_value)):
        return blank
    return not blank and math.isclose(float(page_value), float(semantic_value), rel_tol=1e-9)


def assert_cards(page: str, figures: dict, semantic: dict) -> None:
    """Each card of ``page`` (PAGE_CARDS) shows the figure of the metric that names it."""
    for card, figure in PAGE_CARDS[page].items():
        metric = card_metrics()[f"{page}/{card}"]
        assert same(figures[figure], semantic[metric]), (page, card, figures, semantic)


def column_values(warehouse: Path, sql: str) -> list:
    """The first column of the rows of ``sql``."""
    return [value for (value, *_rest) in query(warehouse, sql)]


def months(warehouse: Path, table: str, column: str) -> list[dt.date]:
    return column_values(warehouse, f"select distinct {column} from {table} order by 1")


def test_filter_values_are_bound_never_written_into_the_sql():
    hostile = "华东'); drop table marts.fct_leads; --"
    sql, params = compile_sql(
        MetricQuery(
            ("win_rate",),
            ("account__customer_tier",),
            {"funnel_deal__region_name": (hostile,)},
            dt.date(2026, 1, 1),
        )
    )
    assert hostile not in sql and "drop table" not in sql
    assert params == {"f0": [hostile], "time_from": dt.date(2026, 1, 1)}
    assert "list_contains($f0, funnel_deal__region_name)" in sql


def test_unknown_names_get_metricflow_suggestions():
    with pytest.raises(SemanticLayerError, match="(?s)does not exactly match.*win_rate"):
        compile_sql(MetricQuery(("win_rat",)))


def test_every_card_metric_is_defined_with_its_definition_text():
    defined = metric_definitions()
    for card, metric in card_metrics().items():
        assert metric in defined, card
        assert defined[metric]["description"].startswith("口径："), metric
        assert defined[metric]["meta"]["decisionlog"], metric


@pytest.mark.slow
def test_sales_overview_cards(built):
    warehouse, source = built
    all_months = months(warehouse, "marts.rpt_quota_attainment_monthly", "month_start")
    regions = column_values(
        warehouse,
        "select distinct region_name from marts.rpt_quota_attainment_monthly "
        "where region_name is not null order by 1",
    )
    teams = column_values(
        warehouse,
        "select team_id from marts.rpt_quota_attainment_monthly where team_id is not null "
        "group by 1 order by sum(bookings_amount) desc limit 2",
    )
    window = (all_months[len(all_months) // 3], all_months[-4])
    for month_from, month_to, region_names, team_ids in [
        (all_months[0], all_months[-1], (), ()),
        (*window, (), ()),
        (*window, tuple(regions[:1]), ()),
        (all_months[0], all_months[-1], (), tuple(teams)),
    ]:
        figures = sales_data.sales_kpis(
            source, sales_data.SalesFilters(month_from, month_to, region_names, team_ids)
        )
        semantic = {}
        for entity, metrics in (
            ("quota_month", ("bookings", "quota", "quota_attainment")),
            ("lead_month", ("lead_response_within_24h",)),
            ("revenue_month", ("order_revenue",)),
        ):
            filters = {f"{entity}__region_name": region_names, f"{entity}__team_id": team_ids}
            semantic |= one_row(warehouse, MetricQuery(metrics, (), filters, month_from, month_to))
        assert_cards("sales-overview", figures, semantic)
        assert figures["bookings"] > 0


@pytest.mark.slow
def test_sales_funnel_cards(built):
    warehouse, source = built
    all_months = months(warehouse, "semantic.sem_funnel_cohort", "entered_month")
    (region,), (line_a, line_b) = (
        query(warehouse, "select mode(region_id) from semantic.sem_funnel_cohort")[0],
        column_values(
            warehouse,
            "select product_line from semantic.sem_funnel_cohort "
            "where product_line is not null group by 1 order by count(*) desc limit 2",
        ),
    )
    (channel,) = query(warehouse, "select mode(channel) from semantic.sem_funnel_cohort")[0]
    window = (all_months[len(all_months) // 4], all_months[-3])
    combinations = [
        funnel_data.FunnelFilters(all_months[0], all_months[-1]),
        funnel_data.FunnelFilters(*window),
        funnel_data.FunnelFilters(*window, region_ids=(region,)),
        funnel_data.FunnelFilters(all_months[0], all_months[-1], product_lines=(line_a, line_b)),
        funnel_data.FunnelFilters(*window, channels=(channel,), product_lines=(line_a,)),
    ]
    for filters in combinations:
        figures = funnel_data.funnel_kpis(source, filters)
        metrics = ("funnel_entries", "funnel_wins", "win_rate", "won_amount")
        selection = {
            f"funnel_deal__{column}": getattr(filters, name)
            for name, column in funnel_data.FUNNEL_LIST_FILTERS.items()
        }
        semantic = one_row(
            warehouse,
            MetricQuery(
                (*metrics, "median_sales_cycle_days"),
                (),
                selection,
                filters.month_from,
                filters.month_to,
            ),
        )
        assert_cards("sales-funnel", figures, semantic)
        assert figures["opportunities"] > 0


@pytest.mark.slow
def test_receivables_overview_cards_at_every_month_end(built):
    warehouse, source = built
    trend = receivables_data.overdue_trend(source)
    assert len(trend) >= 6
    semantic = query_metrics(
        warehouse,
        MetricQuery(
            ("open_receivables", "overdue_amount", "overdue_share", "dso", "reconciliation_rate"),
            ("metric_time__month",),
        ),
    ).set_index("metric_time__month")
    for row in trend.itertuples():
        month = semantic.loc[dt.datetime(row.month_end.year, row.month_end.month, 1)]
        assert_cards("receivables-overview", row._asdict(), month.to_dict())


@pytest.mark.slow
def test_service_cockpit_cards_and_attainment_per_target(built):
    warehouse, source = built
    all_months = months(warehouse, "marts.fct_service_tickets", "created_month")
    (region,), (tier,) = (
        query(warehouse, "select mode(region_name) from marts.fct_service_tickets")[0],
        query(warehouse, "select mode(service_tier) from marts.fct_service_tickets")[0],
    )
    window = (all_months[len(all_months) // 3], all_months[-2])
    for filters in [
        service_data.ServiceFilters(all_months[0], all_months[-1]),
        service_data.ServiceFilters(*window),
        service_data.ServiceFilters(*window, region_names=(region,)),
        service_data.ServiceFilters(all_months[0], all_months[-1], service_tiers=(tier,)),
    ]:
        figures = service_data.kpis(source, filters)
        semantic = {}
        for entity, metrics in (
            ("sla_target_row", ("sla_attainment",)),
            ("ticket", ("median_resolution_business_hours",)),
            ("ticket", ("csat",)),
        ):
            selection = {
                f"{entity}__region_name": filters.region_names,
                f"{entity}__service_tier": filters.service_tiers,
                f"{entity}__device_model": filters.device_models,
                f"{entity}__channel": filters.channels,
            }
            semantic |= one_row(
                warehouse,
                MetricQuery(metrics, (), selection, filters.month_from, filters.month_to),
            )
        assert_cards("service-cockpit", figures, semantic)
        trend = service_data.attainment_trend(source, filters)
        per_target = query_metrics(
            warehouse,
            MetricQuery(
                ("sla_attainment",),
                ("metric_time__month", "sla_target_row__sla_target"),
                {"sla_target_row__region_name": filters.region_names,
                 "sla_target_row__service_tier": filters.service_tiers},
                filters.month_from,
                filters.month_to,
            ),
        )  # fmt: skip
        semantic_trend = {
            (
                pd.Timestamp(row.metric_time__month),
                row.sla_target_row__sla_target,
            ): row.sla_attainment
            for row in per_target.itertuples()
            if not math.isnan(row.sla_attainment)
        }
        page_trend = {
            (pd.Timestamp(row.month_start), row.sla_target): row.attainment
            for row in trend.itertuples()
        }
        assert page_trend.keys() == semantic_trend.keys()
        assert all(same(page_trend[key], semantic_trend[key]) for key in page_trend)


@pytest.mark.slow
def test_travel_cost_cards(built):
    warehouse, source = built
    all_months = months(warehouse, "marts.rpt_travel_cost_monthly", "month_start")
    provinces = column_values(
        warehouse,
        "select office_province from marts.rpt_travel_cost_monthly "
        "group by 1 order by sum(visits) desc limit 2",
    )
    (team,) = query(
        warehouse,
        "select team_id from marts.rpt_travel_cost_monthly where team_id is not null "
        "group by 1 order by sum(visits) desc limit 1",
    )[0]
    for filters in [
        travel_data.TravelFilters(all_months[0], all_months[-1]),
        travel_data.TravelFilters(all_months[-3], all_months[-1], provinces=tuple(provinces)),
        travel_data.TravelFilters(all_months[0], all_months[-2], team_ids=(team,)),
    ]:
        figures = travel_data.travel_kpis(source, filters)
        metrics = ("travel_visits", "travel_route_km", "travel_claimed_km")
        metrics += ("travel_claimed_amount", "cost_per_visit")
        semantic = one_row(
            warehouse,
            MetricQuery(
                metrics,
                (),
                {
                    "travel_month__office_province": filters.provinces,
                    "travel_month__team_id": filters.team_ids,
                },
                filters.month_from,
                filters.month_to,
            ),
        )
        assert_cards("travel-cost", figures, semantic)
        assert figures["visits"] > 0


@pytest.mark.slow
def test_executive_overview_cards(built):
    """Sales cards: the year to date of the latest month with bookings; receivables cards:
    the latest month-end; service cards: the latest month with measured SLA targets."""
    warehouse, source = built
    # only company-wide roles open the page: one scope, no filters
    openers = [r for r in ROLES.values() if r.pages is None or "executive-overview" in r.pages]
    assert {r.level for r in openers} == {"company"}
    sales = overview_data.sales_year_to_date(source)
    ar = receivables_data.overdue_trend(source).iloc[-1]
    service = overview_data.service_latest(source)
    figures = {
        **sales,
        "attainment": sales["bookings"] / sales["quota"],  # as the page divides them
        **ar.to_dict(),
        **service,
    }
    year_start = sales["through"].replace(month=1)
    ar_month = pd.Timestamp(ar["month_end"]).date().replace(day=1)
    semantic = {}
    for metrics, month_from, month_to in (
        (("bookings", "quota_attainment", "order_revenue"), year_start, sales["through"]),
        (("dso", "open_receivables", "overdue_amount", "ar_payments"), ar_month, ar_month),
        (("sla_attainment", "csat"), service["month"], service["month"]),
    ):
        semantic |= one_row(warehouse, MetricQuery(metrics, (), {}, month_from, month_to))
    assert_cards("executive-overview", figures, semantic)
    assert figures["bookings"] > 0 and figures["revenue"] > 0 and figures["collections"] > 0


@pytest.mark.slow
def test_customer_tier_splits_the_whole(built):
    """A dimension joined through the account entity (customer tier) partitions the metric:
    the wins per tier (deals of unmatched accounts under a blank tier) add up to all wins."""
    warehouse, _source = built
    total = one_row(warehouse, MetricQuery(("funnel_wins", "funnel_entries")))
    by_tier = query_metrics(
        warehouse,
        MetricQuery(("funnel_wins", "funnel_entries", "win_rate"), ("account__customer_tier",)),
    )
    assert by_tier["account__customer_tier"].notna().sum() >= 2
    assert by_tier["funnel_wins"].sum() == total["funnel_wins"]
    assert by_tier["funnel_entries"].sum() == total["funnel_entries"]


# DSO's and the reconciliation rate's parts per month-end, region and customer tier, computed
# from the staging rows and the aging mart, independently of sem_ar_unit_months: open items
# and statements belong to the statement's owner, a payment naming a statement to its owner,
# one naming none to its account's owner (DECISIONLOG, "Receivables", "DSO and the
# reconciliation rate by org unit")
AR_PARTS_SQL = """
with month_ends as (
    select distinct as_of_date as month_end from marts.fct_ar_aging_snapshot where is_month_end
),
tiers as (
    select matches.account_id, customers.customer_tier
    from marts.fct_customer_account_matches as matches
    join marts.dim_customers as customers using (golden_customer_id)
),
outstanding as (
    select as_of_date as month_end, region_name, account_id, open_amount as outstanding,
        0 as billed, 0 as payments, 0 as allocated
    from marts.fct_ar_aging_snapshot where is_month_end
),
billed as (
    select month_ends.month_end, employees.region_name, statements.account_id, 0,
        statements.statement_amount, 0, 0
    from month_ends
    join staging.stg_erp__statements as statements
        on statements.statement_on between month_ends.month_end - 89 and month_ends.month_end
    left join marts.dim_employees as employees on statements.owner_id = employees.employee_id
),
payments as (
    select month_ends.month_end, employees.region_name, payments.account_id, 0, 0,
        payments.payment_amount,
        case when statements.statement_id is null then 0 else payments.payment_amount end
    from month_ends
    join staging.stg_erp__payments as payments
        on greatest(payments.paid_on, payments.known_on)
            between date_trunc('month', month_ends.month_end) and month_ends.month_end
    left join staging.stg_erp__statements as statements
        on payments.statement_id = statements.statement_id
    left join staging.stg_crm__accounts as accounts on payments.account_id = accounts.account_id
    left join marts.dim_employees as employees
        on employees.employee_id = case
            when statements.statement_id is null then accounts.owner_id else statements.owner_id
        end
)
select parts.month_end, parts.region_name, tiers.customer_tier,
    sum(outstanding) as outstanding, sum(billed) as billed, sum(payments) as payments,
    sum(allocated) as allocated
from (
    select * from outstanding union all select * from billed union all select * from payments
) as parts
left join tiers using (account_id)
group by all
"""


def _ar_parts(warehouse: Path) -> pd.DataFrame:
    columns = ["month_end", "region_name", "customer_tier", "outstanding", "billed", "payments",
               "allocated"]  # fmt: skip
    frame = pd.DataFrame(query(warehouse, AR_PARTS_SQL), columns=columns)
    for column in columns[3:]:
        frame[column] = frame[column].astype(float)
    frame["month_end"] = pd.to_datetime(frame["month_end"])
    return frame


def _dso(parts: pd.DataFrame) -> float | None:
    billed = parts["billed"].sum()
    return None if billed == 0 else parts["outstanding"].sum() / billed * 90


def _reconciliation(parts: pd.DataFrame) -> float | None:
    paid = parts["payments"].sum()
    return None if paid == 0 else parts["allocated"].sum() / paid


@pytest.mark.slow
def test_dso_and_reconciliation_rate_by_region_and_customer_tier(built):
    """The receivables overview shows DSO and the reconciliation rate company-wide only: per
    region, per region and customer tier over a quarter, and per product line they are checked
    against the computation above from the source rows; company-wide the page's cards are
    checked at every month-end (test_receivables_overview_cards_at_every_month_end)."""
    warehouse, _source = built
    parts = _ar_parts(warehouse)
    month_ends = sorted(parts["month_end"].unique())
    assert len(month_ends) >= 6
    regions = sorted(parts["region_name"].dropna().unique())
    assert len(regions) >= 2
    by_region = query_metrics(
        warehouse,
        MetricQuery(
            ("dso", "reconciliation_rate"), ("metric_time__month", "ar_unit_month__region_name")
        ),
    )
    checked, partly_unapplied = 0, 0
    for month_end in month_ends:
        month = pd.Timestamp(month_end).to_period("M").to_timestamp()
        for region in regions:
            expected = parts[(parts["month_end"] == month_end) & (parts["region_name"] == region)]
            row = by_region[
                (pd.to_datetime(by_region["metric_time__month"]) == month)
                & (by_region["ar_unit_month__region_name"] == region)
            ]
            if expected.empty:  # no receivables of the region yet
                assert row.empty, (month, region)
                continue
            assert len(row) == 1, (month, region)
            assert same(_dso(expected), row.iloc[0]["dso"]), (month, region)
            assert same(_reconciliation(expected), row.iloc[0]["reconciliation_rate"])
            checked += 1
            partly_unapplied += bool(row.iloc[0]["reconciliation_rate"] < 1)
    # unapplied cash (attributed to the account's owner) is in the comparison
    assert checked >= 12 and partly_unapplied >= 1
    # a filter combination: one region and one customer tier over the last full quarter
    region = parts.groupby("region_name")["payments"].sum().idxmax()
    tier = parts.groupby("customer_tier")["payments"].sum().idxmax()
    first, last = month_ends[-4], month_ends[-2]
    window = parts[
        (parts["region_name"] == region)
        & (parts["customer_tier"] == tier)
        & (parts["month_end"] >= first)
        & (parts["month_end"] <= last)
    ]
    semantic = one_row(
        warehouse,
        MetricQuery(
            ("dso", "reconciliation_rate"),
            (),
            {"ar_unit_month__region_name": (region,), "account__customer_tier": (tier,)},
            pd.Timestamp(first).date().replace(day=1),
            pd.Timestamp(last).date(),
        ),
    )
    # DSO is a month-end balance ratio: over a window, the window's last month-end
    assert same(_dso(window[window["month_end"] == last]), semantic["dso"]), (region, tier)
    assert same(_reconciliation(window), semantic["reconciliation_rate"]), (region, tier)
    assert window["payments"].sum() > 0
    # product line partitions the whole: the lines' parts add up to the company's figures
    by_line = query_metrics(
        warehouse,
        MetricQuery(
            (
                "ar_outstanding_month_end",
                "ar_billed_90_days",
                "ar_payments",
                "ar_payments_reconciled",
            ),
            ("ar_unit_month__product_line",),
            time_from=pd.Timestamp(last).date().replace(day=1),
            time_to=pd.Timestamp(last).date(),
        ),
    )
    assert by_line["ar_unit_month__product_line"].notna().sum() >= 2
    company = parts[parts["month_end"] == last]
    for metric, column in (("ar_outstanding_month_end", "outstanding"),
                           ("ar_billed_90_days", "billed"), ("ar_payments", "payments"),
                           ("ar_payments_reconciled", "allocated")):  # fmt: skip
        assert math.isclose(
            by_line[metric].astype(float).sum(), company[column].sum(), rel_tol=1e-9
        )
