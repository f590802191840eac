"""销售到回款 (deal to cash): won deals followed through contract, order, install, billing and
collection as a waterfall, the days each step takes, where money leaks (with the deals behind
each reason) and the deals stuck longest, with the Excel download of the same scoped rows."""

import plotly.graph_objects as go
import streamlit as st

from dashboards import charts, data, periods, tables
from dashboards import deal_to_cash_data as d2c
from dashboards.downloads import excel_download
from dashboards.i18n import MISSING_PUBLISHED, TEXTS, current_language, t

CARDS_PER_ROW = 4

lang = current_language()
source = data.current_published()
if source is None:
    st.warning(MISSING_PUBLISHED.format(path=data.published_path()), icon=":material/info:")
    st.stop()

st.title(t("d2c_page"))
st.caption(f"{t('d2c_caption')}  ·  {t('data_as_of')}: {source.published_at:%Y-%m-%d %H:%M}")
missing = data.missing_marts(source, d2c.CHAIN_MARTS)
if missing:
    st.error(t("d2c_missing_tables").format(tables=", ".join(missing)), icon=":material/error:")
    st.stop()
months = d2c.won_months(source)
if not months:
    st.info(t("d2c_no_data"), icon=":material/info:")
    st.stop()
undated = d2c.undated_won_deals(source)
if undated:
    st.caption(t("d2c_undated_deals").format(n=undated))

units = d2c.org_units(source)
regions = dict(zip(units["region_id"], units["region_name"], strict=True))
line_names = d2c.product_lines(source, lang)
with st.container(border=True):
    month_col, region_col, team_col, line_col = st.columns([3, 2, 2, 3], gap="medium")
    month_from, month_to = periods.month_range(
        month_col, t("d2c_filter_months"), months, key="d2c_months"
    )
    region_id = region_col.selectbox(
        t("d2c_filter_region"),
        options=[None, *regions],
        format_func=lambda key: t("d2c_all") if key is None else regions[key],
        key="d2c_region",
    )
    in_region = units if region_id is None else units[units["region_id"] == region_id]
    teams = dict(zip(in_region["team_id"], in_region["team_name"], strict=True))
    team_id = team_col.selectbox(
        t("d2c_filter_team"),
        options=[None, *teams],
        format_func=lambda key: t("d2c_all") if key is None else teams[key],
        key="d2c_team",
    )
    chosen_lines = line_col.multiselect(
        t("d2c_filter_product_lines"),
        options=list(line_names),
        format_func=line_names.__getitem__,
        placeholder=t("d2c_all"),
        key="d2c_product_lines",
    )

filters = d2c.ChainFilters(
    month_from=month_from,
    month_to=month_to,
    region_id=region_id,
    team_id=team_id if team_id in teams else None,
    product_lines=tuple(chosen_lines),
)
totals = d2c.chain_totals(source, filters)
if not totals["deals"]:
    st.info(t("d2c_no_data"), icon=":material/info:")
    st.stop()

share = totals["collected_amount"] / totals["won_amount"] if totals["won_amount"] else None
cards = (
    ("d2c_kpi_won", charts.format_cny_compact(totals["won_amount"], lang)),
    ("d2c_kpi_contracted", charts.format_cny_compact(totals["contract_amount"], lang)),
    ("d2c_kpi_ordered", charts.format_cny_compact(totals["ordered_amount"], lang)),
    ("d2c_kpi_billed", charts.format_cny_compact(totals["billed_amount"], lang)),
    ("d2c_kpi_collected", charts.format_cny_compact(totals["collected_amount"], lang)),
    ("d2c_kpi_outstanding", charts.format_cny_compact(totals["outstanding_amount"], lang)),
    ("d2c_kpi_collected_share", charts.format_percent(share)),
)
# at most four cards a row: seven side by side cut the 万 figures off at 1,600 px
for start in range(0, len(cards), CARDS_PER_ROW):
    row = cards[start : start + CARDS_PER_ROW]
    for column, (key, value) in zip(st.columns(CARDS_PER_ROW), row, strict=False):
        column.metric(t(key), value, border=True)

steps = d2c.chain_steps(totals)
step_titles = {
    "step": t("d2c_col_step"),
    "deals": t("d2c_col_deals"),
    "amount": t("d2c_col_amount"),
    "devices": t("d2c_col_devices"),
}
step_table = steps.assign(step=[t(f"d2c_step_{step}") for step in steps["step"]]).rename(
    columns=step_titles
)
chart_col, steps_col = st.columns([3, 2], gap="medium")
with chart_col.container(border=True):
    st.subheader(t("d2c_chart_waterfall"))
    bars = (
        ("d2c_wf_won", "absolute", totals["won_amount"]),
        ("d2c_wf_contract_gap", "relative", totals["contract_amount"] - totals["won_amount"]),
        ("d2c_wf_contracted", "total", totals["contract_amount"]),
        ("d2c_wf_order_gap", "relative", totals["ordered_amount"] - totals["contract_amount"]),
        ("d2c_wf_ordered", "total", totals["ordered_amount"]),
        ("d2c_wf_not_billed", "relative", totals["billed_amount"] - totals["ordered_amount"]),
        ("d2c_wf_billed", "total", totals["billed_amount"]),
        ("d2c_wf_credited", "relative", -totals["credited_amount"]),
        ("d2c_wf_collected", "relative", -totals["collected_amount"]),
        ("d2c_wf_outstanding", "total", totals["outstanding_amount"]),
    )
    fig = go.Figure(
        go.Waterfall(
            x=[t(key) for key, _, _ in bars],
            measure=[measure for _, measure, _ in bars],
            y=[0 if measure == "total" else value for _, measure, value in bars],
            text=[charts.format_cny_compact(value, lang) for _, _, value in bars],
            textposition="outside",
            increasing={"marker": {"color": charts.ACCENT}},
            decreasing={"marker": {"color": "#c0392b"}},
            totals={"marker": {"color": charts.PRIMARY}},
            connector={"line": {"color": "#9db7d5"}},
        )
    )
    fig.update_layout(
        height=380,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"family": charts.FONT_FAMILY},
        yaxis={"tickprefix": "¥"},
        showlegend=False,
    )
    st.plotly_chart(fig, config={"displaylogo": False, "responsive": True})
with steps_col.container(border=True):
    st.subheader(t("d2c_table_steps"))
    st.dataframe(
        step_table.style.format(
            {t("d2c_col_amount"): charts.format_cny, t("d2c_col_devices"): "{:,.0f}"},
            na_rep="—",
        ),
        hide_index=True,
    )

durations = d2c.step_durations(source, filters)
duration_table = durations.assign(
    step=[t(f"d2c_duration_{step}") for step in durations["step"]]
).rename(
    columns={
        "step": t("d2c_col_step"),
        "deals": t("d2c_col_deals"),
        "median_days": t("d2c_col_median"),
        "p90_days": t("d2c_col_p90"),
        "max_days": t("d2c_col_max"),
    }
)
with st.container(border=True):
    st.subheader(t("d2c_table_durations"))
    box_col, table_col = st.columns([3, 2], gap="medium")
    days = d2c.step_days(source, filters)
    fig = go.Figure()
    for step, _ in d2c.DURATION_STEPS:
        fig.add_box(
            x=days.loc[days["step"] == step, "days"],
            name=t(f"d2c_duration_{step}"),
            boxpoints=False,
            marker_color=charts.PRIMARY,
        )
    fig.update_layout(
        height=300,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font={"family": charts.FONT_FAMILY},
        showlegend=False,
        yaxis={"autorange": "reversed"},
    )
    box_col.plotly_chart(fig, config={"displaylogo": False, "responsive": True})
    table_col.dataframe(
        duration_table.style.format(
            {t("d2c_col_median"): charts.format_days, t("d2c_col_p90"): charts.format_days},
            na_rep="—",
        ),
        hide_index=True,
    )


def reason_label(reason: str) -> str:
    """A leakage reason in the reader's language; a credit note's reason code the cockpit does
    not know (a company's own 冲红原因) is shown as loaded."""
    prefix = "credit_note:"
    if reason.startswith(prefix):
        code = reason.removeprefix(prefix)
        name = t(f"d2c_credit_{code}") if f"d2c_credit_{code}" in TEXTS else code
        return t("d2c_reason_credit_note").format(reason=name)
    return t(f"d2c_reason_{reason}")


leaks = d2c.leakage(source, filters)
leak_table = leaks.assign(
    step=[t(f"d2c_leak_{step}") for step in leaks["step"]],
    reason=[reason_label(reason) for reason in leaks["reason"]],
).rename(
    columns={
        "step": t("d2c_col_step"),
        "reason": t("d2c_col_reason"),
        "deals": t("d2c_col_deals"),
        "amount_lost": t("d2c_col_amount_lost"),
    }
)
deal_titles = {
    "opportunity_id": t("d2c_col_deal"),
    "customer_name": t("d2c_col_customer"),
    "owner_name": t("d2c_col_rep"),
    "team_name": t("d2c_col_team"),
    "product_line": t("d2c_col_product_line"),
    "won_on": t("d2c_col_won_on"),
    "won_amount": t("d2c_col_won_amount"),
    "amount_lost": t("d2c_col_amount_lost"),
    "outstanding_amount": t("d2c_col_outstanding"),
}


def deal_table(deals):
    """Deals with their columns titled and product lines named."""
    return deals.assign(
        product_line=[line_names.get(line, line) for line in deals["product_line"]]
    ).rename(columns=deal_titles)


money = {
    deal_titles[column]: charts.format_cny
    for column in ("won_amount", "amount_lost", "outstanding_amount")
}
with st.container(border=True):
    st.subheader(t("d2c_table_leakage"))
    st.caption(t("d2c_leakage_caption"))
    st.dataframe(
        leak_table.style.format({t("d2c_col_amount_lost"): charts.format_cny}), hide_index=True
    )
    if not leaks.empty:
        picks = list(range(len(leaks)))
        pick = st.selectbox(
            t("d2c_pick_leak"),
            options=picks,
            format_func=lambda i: f"{leak_table.iloc[i, 0]} · {leak_table.iloc[i, 1]}",
            key="d2c_leak",
        )
        chosen = leaks.iloc[pick]
        deals = d2c.leakage_deals(source, filters, chosen["step"], chosen["reason"])
        tables.show(
            st,
            deal_table(deals),
            lambda shown: shown.style.format(money, na_rep="—"),
            hide_index=True,
        )

stuck = d2c.stuck_deals(source, filters)
stuck_table = deal_table(
    stuck.assign(stuck_at_step=[t(f"d2c_stuck_{step}") for step in stuck["stuck_at_step"]])
).rename(
    columns={
        "stuck_at_step": t("d2c_col_stuck_at"),
        "stuck_since": t("d2c_col_stuck_since"),
        "days_stuck": t("d2c_col_days_stuck"),
    }
)
with st.container(border=True):
    st.subheader(t("d2c_table_stuck"))
    st.caption(t("d2c_stuck_caption").format(n=d2c.STUCK_PER_STEP))
    tables.show(
        st, stuck_table, lambda shown: shown.style.format(money, na_rep="—"), hide_index=True
    )

chain_deals = d2c.chain_deals(source, filters)
deals_sheet = deal_table(
    chain_deals.assign(
        stuck_at_step=[
            t(f"d2c_stuck_{step}") if isinstance(step, str) else None
            for step in chain_deals["stuck_at_step"]
        ]
    )
).rename(
    columns={
        "contract_amount": t("d2c_col_contracted"),
        "ordered_amount": t("d2c_col_ordered"),
        "devices_installed": t("d2c_col_devices"),
        "billed_amount": t("d2c_col_billed"),
        "credited_amount": t("d2c_col_credited"),
        "collected_amount": t("d2c_col_collected"),
        "stuck_at_step": t("d2c_col_stuck_at"),
        "contract_link_method": t("d2c_col_link_method"),
    }
)
workbook = d2c.chain_workbook(
    {
        t("d2c_sheet_deals"): deals_sheet,
        t("d2c_table_steps"): step_table,
        t("d2c_table_durations"): duration_table,
        t("d2c_table_leakage"): leak_table,
        t("d2c_table_stuck"): stuck_table,
    },
    title=t("d2c_excel_title").format(
        month_from=periods.month_label(month_from), month_to=periods.month_label(month_to)
    ),
)
excel_download(
    st,
    t("download_excel"),
    workbook,
    f"deal_to_cash_{month_from:%Y%m}_{month_to:%Y%m}.xlsx",
    key="d2c_download",
    width="content",
)
