"""The notice above every page when the data shown is not tonight's: the last build failed its
checks (the cockpit serves the last good copy) or an operator rolled back."""

from __future__ import annotations

import streamlit as st

from dashboards.data import Published
from dashboards.i18n import t
from medops.publish import read_build_status
from medops.settings import paths


def show_build_notice(published: Published) -> None:
    status = read_build_status(paths())
    if status is None:
        return
    as_of = f"{published.published_at:%Y-%m-%d %H:%M}"
    if status["status"] == "failed":
        st.error(t("ops_build_failed").format(as_of=as_of), icon=":material/error:")
        # error text comes from dbt and the checks: shown as plain text, never as markdown
        st.code("\n".join(status.get("failures", [])), language=None)
    elif status["status"] == "rolled_back":
        st.info(t("ops_rolled_back").format(as_of=as_of, copy_id=status["copy_id"]))
