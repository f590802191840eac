"""Receivables aging as of a chosen date, drilled down company > region > team > rep >
customer > statement, with the Excel export finance files."""

import pandas as pd
import streamlit as st

from dashboards import charts, data, url_state
from dashboards import receivables_data as ar
from dashboards.closed_months import closed_in, show_closed_note
from dashboards.downloads import excel_download
from dashboards.export_notes import show_thin_export_notes
from dashboards.i18n import MISSING_PUBLISHED, current_language, t
from dashboards.receivables_excel import aging_workbook

lang = current_language()
source = data.current_published()
if source is None:
    st.warning(MISSING_PUBLISHED.format(path=data.published_path()), icon=":material/info:")
    st.stop()

st.title(t("receivables_page_aging"))
st.caption(
    f"{t('receivables_aging_caption')}  ·  {t('data_as_of')}: {source.published_at:%Y-%m-%d %H:%M}"
)
missing = data.missing_marts(source, ar.AGING_MARTS)
if missing:
    st.error(
        t("receivables_missing_tables").format(tables=", ".join(missing)), icon=":material/error:"
    )
    st.stop()
show_thin_export_notes(source, "receivables")
dates = ar.as_of_dates(source)
if dates.empty:
    st.info(t("receivables_no_data"), icon=":material/info:")
    st.stop()
bucket_rows = ar.buckets(source)
bucket_titles = dict(
    zip(bucket_rows["bucket_code"], bucket_rows[f"bucket_name_{lang}"], strict=True)
)


def _date_label(row: pd.Series) -> str:
    tags = [t("receivables_latest")] if row.is_latest else []
    tags += [t("receivables_month_end")] if row.is_month_end else []
    tags += [t("closed_tag")] if row.is_closed else []
    return f"{row.as_of_date:%Y-%m-%d}" + (f" ({', '.join(tags)})" if tags else "")


date_labels = {row.as_of_date: _date_label(row) for row in dates.itertuples()}
with st.container(border=True):
    date_col, basis_col = st.columns([3, 2])
    as_of_date = url_state.picker(
        date_col.selectbox,
        t("receivables_as_of"),
        date_labels,
        key="receivables_as_of",
        param="as_of",
        default=next(iter(date_labels)),
        encode=lambda day: f"{day:%Y-%m-%d}",
        format_func=date_labels.__getitem__,
        help=t("receivables_as_of_help"),
    )
    basis = url_state.picker(
        basis_col.radio,
        t("receivables_basis"),
        ar.BASES,
        key="receivables_basis",
        param="basis",
        default=next(iter(ar.BASES)),
        format_func=lambda b: t(f"receivables_basis_{b}"),
        horizontal=True,
    )
    st.caption(t("receivables_drill_caption"))
    pick_cols = st.columns(4)
    selection = ar.AgingSelection(as_of_date=as_of_date, basis=basis)
    # Each pick narrows the next one; the table shows the level under the last pick.
    for column, (level, field) in zip(
        pick_cols,
        (("region", "region_id"), ("team", "team_id"), ("rep", "owner_id"),
         ("customer", "account_id")),
        strict=True,
    ):  # fmt: skip
        options = ar.choices(source, selection, level)
        labels = dict(options)
        chosen = url_state.picker(
            column.selectbox,
            t(f"receivables_level_{level}"),
            [None, *labels],
            key=f"receivables_pick_{level}",
            param=level,
            format_func=lambda k, labels=labels: t("filter_all") if k is None else labels[k],
        )
        if chosen is None:
            break
        selection = selection._replace(**{field: chosen})

picked = [f for f in ("region_id", "team_id", "owner_id", "account_id") if getattr(selection, f)]
level_names = [level for level, _, _ in ar.LEVELS]
shown_level = level_names[len(picked) + 1]

company = ar.aging_table(source, selection, "company")
totals = company.iloc[0] if not company.empty else None
cards = (
    ("receivables_kpi_outstanding", None if totals is None else totals["total"]),
    ("receivables_kpi_overdue", None if totals is None else totals["overdue"]),
    ("receivables_kpi_late_fee", None if totals is None else totals["late_fee"]),
)
for column, (key, value) in zip(st.columns(len(cards)), cards, strict=True):
    label = t("receivables_kpi_on").format(kpi=t(key), date=f"{as_of_date:%Y-%m-%d}")
    column.metric(label, charts.format_cny_compact(value, lang), border=True)
share = None if totals is None or not totals["total"] else totals["overdue"] / totals["total"]
st.caption(f"{t('receivables_kpi_share_overdue')}: {charts.format_percent(share)}")
closed = closed_in(source, ar.AGING_MART, as_of_date, as_of_date)
if not closed.empty:
    adjustment = charts.format_cny(ar.aging_adjustment(source, selection))
    show_closed_note(closed, "closed_what_aging", adjustment)

amount_columns = {code: bucket_titles[code] for code in bucket_rows["bucket_code"]}
amount_columns |= {
    "total": t("receivables_col_total"),
    "overdue": t("receivables_col_overdue"),
    "late_fee": t("receivables_col_late_fee"),
}
table = ar.aging_table(source, selection, shown_level)
with st.container(border=True):
    title_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
    title_col.subheader(t(f"receivables_level_{shown_level}"))
    sheets = {
        t(f"receivables_level_{level}"): ar.aging_table(source, selection, level)
        for level in level_names[: len(picked) + 2]
    }
    workbook = aging_workbook(
        sheets,
        amount_columns,
        name_title=t("receivables_col_name"),
        total_title=t("receivables_totals"),
        title=t("receivables_excel_title").format(
            basis=t(f"receivables_basis_{basis}"), date=f"{as_of_date:%Y-%m-%d}"
        ),
    )
    excel_download(
        button_col, t("download_excel"), workbook, f"receivables_aging_{as_of_date:%Y%m%d}.xlsx"
    )
    if shown_level == "company":
        table = table.assign(name=t("receivables_company_name"))
    shown = table[["name", *amount_columns]].rename(
        columns={"name": t("receivables_col_name"), **amount_columns}
    )
    st.dataframe(
        shown.style.format({title: charts.format_cny for title in amount_columns.values()}),
        hide_index=True,
    )
