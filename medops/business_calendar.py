"""The business calendar of China: working days with public holidays and 调休 make-up days."""

from __future__ import annotations

import csv
import datetime as dt
import functools

import chinese_calendar

from medops.settings import REPO_ROOT


@functools.cache
def _extra_days() -> dict[dt.date, str]:
    """The analysts' calendar for the years chinese_calendar does not know yet (the seed
    holidays_extra: holiday or makeup_workday per date)."""
    with (REPO_ROOT / "seeds" / "holidays_extra.csv").open(encoding="utf-8") as handle:
        return {
            dt.date.fromisoformat(row["holiday_date"]): row["day_kind"]
            for row in csv.DictReader(handle)
        }


def is_working_day(day: dt.date) -> bool:
    """A working day in China: weekdays except public holidays, plus 调休 weekend workdays.
    chinese_calendar knows the official schedule up to its last published year; later years
    come from the seed holidays_extra, the same business calendar the SLA clocks use."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        kind = _extra_days().get(day)
        if kind is not None:
            return kind == "makeup_workday"
        return day.weekday() < 5
