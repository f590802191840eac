"""Charts and tables of the travel page (差旅). Plotly figures draw without any download: the
map is a plain longitude/latitude scatter (no tiles, no topojson base map)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler

from dashboards.charts import _formatted, _labelled, format_cny
from dashboards.i18n import TEXTS, t

BUDGET_COLOURS = {"fair": "#2f6fb0", "current": "#9aa5b1", "claimed": "#d9822b"}
KM_COLOURS = {"planned_km": "#2f6fb0", "route_km": "#3a9b5b", "claimed_km": "#d9822b"}
OFFICE_COLOUR = "#b01e2f"


def _layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.15},
        plot_bgcolor="white",
    )
    return fig


def class_label(customer_class: str | None, lang: str) -> str:
    key = f"travel_class_{customer_class}"
    return t(key, lang) if key in TEXTS else str(customer_class)


def budget_chart(budget: pd.DataFrame, lang: str) -> go.Figure:
    """Grouped bars per team: fair budget, current budget, claimed, CNY per month."""
    teams = budget["team_name"]
    fig = go.Figure()
    for column, key, colour in (
        ("fair_budget_month_cny", "travel_series_fair", BUDGET_COLOURS["fair"]),
        ("current_budget_month_cny", "travel_series_current", BUDGET_COLOURS["current"]),
        ("claimed_month_cny", "travel_series_claimed", BUDGET_COLOURS["claimed"]),
    ):
        fig.add_bar(
            x=teams,
            y=budget[column],
            name=t(key, lang),
            marker_color=colour,
            hovertemplate="%{x}: ¥%{y:,.0f}<extra>" + t(key, lang) + "</extra>",
        )
    fig.update_layout(barmode="group", yaxis={"tickprefix": "¥", "separatethousands": True})
    return _layout(fig, 380)


def km_chart(monthly: pd.DataFrame, lang: str) -> go.Figure:
    """Lines per month: planned, route and claimed km."""
    fig = go.Figure()
    for column, key in (
        ("planned_km", "travel_series_planned_km"),
        ("route_km", "travel_series_route_km"),
        ("claimed_km", "travel_series_claimed_km"),
    ):
        fig.add_scatter(
            x=monthly["month_start"],
            y=monthly[column],
            name=t(key, lang),
            mode="lines+markers",
            line={"color": KM_COLOURS[column]},
            hovertemplate="%{x|%Y-%m}: %{y:,.0f} km<extra>" + t(key, lang) + "</extra>",
        )
    fig.update_layout(xaxis={"tickformat": "%Y-%m"}, yaxis={"separatethousands": True})
    return _layout(fig, 320)


MAP_CUSTOMERS = 3000


def largest_customers(locations: pd.DataFrame, limit: int = MAP_CUSTOMERS) -> pd.DataFrame:
    """The offices and the ``limit`` customers with the most revenue (then by id): a map of
    all 30,000 customers of a company sent 5 MB to the browser and took it over a second to
    draw, the small ones as dots nobody can tell apart."""
    is_customer = locations["location_type"] == "customer"
    customers = locations[is_customer].sort_values(
        ["revenue", "location_id"], ascending=[False, True], na_position="last"
    )
    return pd.concat([customers.head(limit), locations[~is_customer]], ignore_index=True)


def location_map(locations: pd.DataFrame, lang: str) -> go.Figure:
    """Customers coloured by class and sized by revenue, offices as stars, on longitude /
    latitude axes scaled so that a km east looks as long as a km north."""
    fig = go.Figure()
    customers = locations[locations["location_type"] == "customer"]
    revenue = customers["revenue"].astype(float).fillna(0.0)
    top = max(float(revenue.max()) if len(revenue) else 0.0, 1.0)
    sizes = 5 + 20 * (revenue / top).pow(0.5)
    for customer_class in sorted(customers["customer_class"].dropna().unique()):
        chosen = customers["customer_class"] == customer_class
        rows = customers[chosen]
        fig.add_scattergl(
            x=rows["longitude"],
            y=rows["latitude"],
            mode="markers",
            name=class_label(customer_class, lang),
            marker={"size": sizes[chosen], "opacity": 0.7, "line": {"width": 0}},
            customdata=rows[["location_name", "team_name", "round_trip_road_km"]],
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>"
            "%{customdata[2]:,.0f} km<extra></extra>",
        )
    offices = locations[locations["location_type"] == "office"]
    fig.add_scatter(
        x=offices["longitude"],
        y=offices["latitude"],
        mode="markers+text",
        name=t("travel_map_office", lang),
        text=offices["location_name"],
        textposition="top center",
        marker={"symbol": "star", "size": 16, "color": OFFICE_COLOUR},
        hovertemplate="%{text}<extra></extra>",
    )
    mean_lat = float(locations["latitude"].mean()) if len(locations) else 35.0
    fig.update_layout(
        xaxis={"title": t("travel_axis_longitude", lang), "showgrid": True},
        yaxis={
            "title": t("travel_axis_latitude", lang),
            "scaleanchor": "x",
            "scaleratio": 1 / math.cos(math.radians(mean_lat)),
            "showgrid": True,
        },
    )
    return _layout(fig, 560)


BUDGET_COLUMNS = {
    "team_name": "travel_col_team",
    "office_province": "travel_col_province",
    "reps": "travel_col_reps",
    "customers_served": "travel_col_customers",
    "planned_visits_month": "travel_col_planned_visits",
    "planned_km_month": "travel_col_planned_km",
    "avg_round_trip_km": "travel_col_avg_round_trip",
    "fair_budget_month_cny": "travel_col_fair",
    "current_budget_month_cny": "travel_col_current",
    "claimed_month_cny": "travel_col_claimed",
    "fair_budget_per_head_cny": "travel_col_fair_per_head",
    "budget_per_head_month_cny": "travel_col_current_per_head",
    "claimed_per_head_cny": "travel_col_claimed_per_head",
    "budget_gap_cny": "travel_col_gap",
}
_BUDGET_AMOUNTS = (
    "travel_col_fair",
    "travel_col_current",
    "travel_col_claimed",
    "travel_col_fair_per_head",
    "travel_col_current_per_head",
    "travel_col_claimed_per_head",
    "travel_col_gap",
)
_BUDGET_NUMBERS = (
    "travel_col_reps",
    "travel_col_customers",
    "travel_col_planned_visits",
    "travel_col_planned_km",
    "travel_col_avg_round_trip",
)


def budget_table(budget: pd.DataFrame, lang: str) -> pd.DataFrame:
    return _labelled(budget, BUDGET_COLUMNS, lang)


def style_budget_table(table: pd.DataFrame, lang: str) -> Styler:
    formats: dict[str, Any] = {key: format_cny for key in _BUDGET_AMOUNTS}
    formats |= {key: "{:,.0f}" for key in _BUDGET_NUMBERS}
    return _formatted(table, lang, formats)


def budget_excel_formats(lang: str) -> dict[str, str]:
    return {t(key, lang): "¥#,##0" for key in _BUDGET_AMOUNTS} | {
        t(key, lang): "#,##0" for key in _BUDGET_NUMBERS
    }


OUTLIER_COLUMNS = {
    "claim_id": "travel_col_claim",
    "travelled_on": "travel_col_travelled_on",
    "employee_name": "travel_col_employee",
    "team_name": "travel_col_team",
    "account_id": "travel_col_account",
    "claimed_km": "travel_col_claimed_km",
    "route_km": "travel_col_route_km",
    "excess_share": "travel_col_excess",
    "claimed_amount": "travel_col_amount",
}


def outlier_table(claims: pd.DataFrame, lang: str) -> pd.DataFrame:
    return _labelled(claims, OUTLIER_COLUMNS, lang)


def style_outlier_table(table: pd.DataFrame, lang: str) -> Styler:
    formats: dict[str, Any] = {"travel_col_claimed_km": "{:,.1f}", "travel_col_route_km": "{:,.1f}"}
    formats |= {"travel_col_excess": "{:+.0%}", "travel_col_amount": format_cny}
    formats |= {"travel_col_travelled_on": lambda day: f"{day:%Y-%m-%d}"}
    return _formatted(table, lang, formats)


def outlier_excel_formats(lang: str) -> dict[str, str]:
    return {
        t("travel_col_claimed_km", lang): "#,##0.0",
        t("travel_col_route_km", lang): "#,##0.0",
        t("travel_col_excess", lang): "0%",
        t("travel_col_amount", lang): "¥#,##0.00",
        t("travel_col_travelled_on", lang): "yyyy-mm-dd",
    }


def precision_table(precision: pd.DataFrame, lang: str) -> pd.DataFrame:
    names = precision[f"precision_name_{lang}"]
    kinds = precision["location_type"].map(lambda kind: t(f"travel_location_{kind}", lang))
    frame = precision.assign(coordinate_precision=names, location_type=kinds)
    return _labelled(
        frame,
        {
            "location_type": "travel_col_location_type",
            "coordinate_precision": "travel_col_precision",
            "locations": "travel_col_locations",
            "share_of_locations": "travel_col_share",
        },
        lang,
    )


def style_precision_table(table: pd.DataFrame, lang: str) -> Styler:
    return _formatted(
        table, lang, {"travel_col_locations": "{:,.0f}", "travel_col_share": "{:.1%}"}
    )
