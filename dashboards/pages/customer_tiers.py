"""Customer tiers: the share of high-value (A), B and C customers month by month, and the
current tier counts."""

import streamlit as st

from dashboards import charts, customers_charts, customers_data, data
from dashboards.i18n import MISSING_PUBLISHED, current_language, t

lang = current_language()
source = data.current_published()
if source is None:
    st.warning(MISSING_PUBLISHED.format(path=data.published_path()), icon=":material/info:")
    st.stop()

st.title(t("customers_page_tiers"))
st.caption(
    f"{t('customers_tiers_caption')}  ·  {t('data_as_of')}: {source.published_at:%Y-%m-%d %H:%M}"
)
missing = data.missing_marts(source, (customers_data.TIER_SHARE_MART,))
if missing:
    st.error(
        t("customers_missing_table").format(tables=", ".join(missing)), icon=":material/error:"
    )
    st.stop()

shares = customers_data.tier_shares(source)
if shares.empty:
    st.info(t("customers_none"), icon=":material/info:")
    st.stop()
latest = shares[shares["month_start"] == shares["month_start"].max()].set_index("customer_tier")
month = shares["month_start"].max()
cards = [(t("customers_tiers_month"), f"{month:%Y-%m}")]
for tier in ("A", "B", "C"):
    count = int(latest["customers"].get(tier, 0))
    share = latest["share_of_customers"].get(tier, 0.0)
    cards.append(
        (
            t(f"customers_tier_{tier}"),
            f"{charts.format_count(count)} · {charts.format_percent(share)}",
        )
    )
for column, (label, value) in zip(st.columns(len(cards)), cards, strict=True):
    column.metric(label, value, border=True)

with st.container(border=True):
    st.subheader(t("customers_tiers_chart"))
    st.plotly_chart(customers_charts.tier_share_chart(shares, lang), width="stretch")
