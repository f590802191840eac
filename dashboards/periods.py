"""Month pickers every cockpit page shares."""

from __future__ import annotations

import datetime as dt

DEFAULT_MONTHS = 12


def month_label(month: dt.date) -> str:
    """``2025-03``: how a month is shown on sliders and in file names."""
    return f"{month:%Y-%m}"


def month_range(column, label: str, months: list[dt.date], key: str) -> tuple[dt.date, dt.date]:
    """A month-range slider over ``months`` (first days of months, in order), the last
    ``DEFAULT_MONTHS`` chosen until the user moves it."""
    return column.select_slider(
        label,
        options=months,
        value=(months[max(0, len(months) - DEFAULT_MONTHS)], months[-1]),
        format_func=month_label,
        key=key,
    )
