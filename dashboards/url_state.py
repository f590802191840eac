"""Shareable views: a page's filters live in the URL query string.

Before a filter widget is drawn, ``seed`` gives it the URL's value the first time the page
runs in a session (so a link reproduces the view); ``publish`` writes the widget's value back
to the URL after every change (so the address bar is always a link to what is on screen).
Values from the URL are only ever picked from the options the user may see (the options come
from the scoped queries): anything else, another team's id included, is dropped with a clear
message, never a traceback. Queries bind the chosen values as parameters and are scoped anyway.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from dashboards.i18n import t

_SEEDED = "medops_url_seeded"


def seed(key: str, param: str, options: Sequence[str], multi: bool = True) -> None:
    """Set widget ``key`` from URL parameter ``param`` (once per session and widget)."""
    seeded = st.session_state.setdefault(_SEEDED, set())
    if key in seeded:
        return
    seeded.add(key)
    if param not in st.query_params:
        return
    raw = st.query_params.get_all(param)
    allowed = {str(option): option for option in options}
    bad = [value for value in raw if value not in allowed]
    if bad:
        st.warning(
            t("bad_url_parameter").format(name=param, value=", ".join(bad)[:80]),
            icon=":material/link_off:",
        )
    chosen = [allowed[value] for value in raw if value in allowed]
    if multi:
        st.session_state[key] = chosen
    elif chosen:
        st.session_state[key] = chosen[0]


def publish(param: str, value: object) -> None:
    """Write a filter's current value to the URL (a list for a multi-select); an empty
    choice removes the parameter."""
    values = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    if value is None or not values:
        st.query_params.pop(param, None)
    elif st.query_params.get_all(param) != values:
        st.query_params[param] = values
