"""Month pickers every cockpit page shares."""

from __future__ import annotations

import datetime as dt

from dashboards import url_state

DEFAULT_MONTHS = 12


def month_label(month: dt.date) -> str:
    """``2025-03``: how a month is shown on sliders, in links and in file names."""
    return f"{month:%Y-%m}"


def month_range(
    column, label: str, months: list[dt.date], key: str, param: str = "months"
) -> tuple[dt.date, dt.date]:
    """A month-range slider over ``months`` (first days of months, in order), the last
    ``DEFAULT_MONTHS`` chosen until the user moves it or the URL says
    ``?months=2025-01..2025-06``."""
    default = (months[max(0, len(months) - DEFAULT_MONTHS)], months[-1])
    url_state.seed_range(key, param, months, encode=month_label)
    # value= makes it a range slider; a value seeded from the URL takes precedence over it
    month_from, month_to = column.select_slider(
        label, options=months, value=default, format_func=month_label, key=key
    )
    url_state.publish_range(param, (month_from, month_to), default, month_label)
    return month_from, month_to
