"""Operations (for schedulers): the last runs with their status and duration, linked to the
Dagster UI, and the published copies kept for rollback."""

import streamlit as st

from dashboards import operations_data
from dashboards.i18n import t

st.title(t("ops_page"))
st.caption(t("ops_caption").format(url=operations_data.dagster_url()))

st.subheader(t("ops_runs"))
runs = operations_data.last_runs()
if runs is None:
    st.info(t("ops_no_runs").format(path=operations_data.dagster_home()))
else:
    st.dataframe(
        runs,
        hide_index=True,
        column_config={
            "run_id": t("ops_col_run"),
            "job": t("ops_col_job"),
            "status": t("ops_col_status"),
            "started_at": st.column_config.DatetimeColumn(
                t("ops_col_started"), format="YYYY-MM-DD HH:mm"
            ),
            "minutes": st.column_config.NumberColumn(t("ops_col_minutes"), format="%.1f"),
            "link": st.column_config.LinkColumn(t("ops_col_link"), display_text="Dagster"),
        },
    )

st.subheader(t("ops_copies"))
copies = operations_data.kept_copies()
if copies.empty:
    st.info(t("ops_no_copies"))
else:
    st.dataframe(
        copies,
        hide_index=True,
        column_config={
            "current": st.column_config.CheckboxColumn(t("ops_col_current")),
            "published_at": st.column_config.DatetimeColumn(
                t("ops_col_published"), format="YYYY-MM-DD HH:mm:ss"
            ),
            "run_id": t("ops_col_run"),
            "files": t("ops_col_files"),
            "checks": t("ops_col_checks"),
            "checks_failed_warn": t("ops_col_warnings"),
            "code_version": t("ops_col_code"),
        },
    )
    st.caption(t("ops_rollback_hint"))
