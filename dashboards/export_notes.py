"""The note above a page whose figures rest on an export thinner than a full one (see
DECISIONLOG, "Thin exports"): what those figures assume and what is not available."""

import streamlit as st

from dashboards import data
from dashboards.i18n import t


def show_thin_export_notes(source: data.Published, area: str) -> None:
    for shape in data.thin_export_shapes(source, area):
        st.info(t(f"thin_export_{shape}"), icon=":material/info:")
