"""Chart of the customer tier page (plotly), in the style of ``dashboards.charts``."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.charts import ACCENT, PRIMARY, _layout
from dashboards.i18n import t

TIER_COLOURS = {"A": PRIMARY, "B": ACCENT, "C": "#9aa5b1"}


def tier_share_chart(shares: pd.DataFrame, lang: str) -> go.Figure:
    """Share of customers in each tier, month by month (stacked to 100%)."""
    fig = go.Figure()
    for tier, colour in TIER_COLOURS.items():
        rows = shares[shares["customer_tier"] == tier]
        label = t(f"customers_tier_{tier}", lang)
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(rows["month_start"]),
                y=rows["share_of_customers"],
                name=label,
                mode="lines",
                stackgroup="tiers",
                line={"color": colour, "width": 1.5},
                hovertemplate="%{x|%Y-%m}: %{y:.1%}<extra>" + label + "</extra>",
            )
        )
    fig.update_xaxes(tickformat="%Y-%m", title=None, showgrid=False)
    fig.update_yaxes(tickformat=".0%", range=[0, 1], gridcolor="#e5e9ef", title=None)
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        hovermode="x unified",
    )
    return _layout(fig, height=360)
