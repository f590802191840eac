"""Calendar of the demo company: working days, seasonality and vectorised date sampling.

Everything is relative to the fixed history window in `schema`, never to today's date.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import numpy as np

from medops.generator.schema import HISTORY_END, HISTORY_START

DAY = np.timedelta64(1, "D")
SECOND = np.timedelta64(1, "s")
START = np.datetime64(HISTORY_START, "D")
END = np.datetime64(HISTORY_END, "D")
# Last second of the history window: nothing in the exports happens after it.
END_TS = np.datetime64(HISTORY_END, "s") + np.timedelta64(86399, "s")
DAYS = np.arange(START, END + DAY, DAY)

# Relative business activity per calendar month. January and February carry the Spring
# Festival dip (hospitals and distributors close for one to two weeks); Q4 carries the
# year-end push to hit annual targets, strongest in December.
MONTH_FACTOR = np.array([0.85, 0.55, 1.0, 1.0, 0.95, 1.0, 0.95, 0.9, 1.0, 1.0, 1.15, 1.45])


def _is_workday(d: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:  # years the calendar package does not cover
        return d.weekday() < 5


WORKDAY = np.array([_is_workday(HISTORY_START + timedelta(days=i)) for i in range(len(DAYS))])
MONTH_INDEX = DAYS.astype("datetime64[M]").astype(int) % 12


def day_weights(workday_weight: float = 1.0, offday_weight: float = 0.08) -> np.ndarray:
    """Probability of an event on each day of the history window (sums to 1)."""
    w = np.where(WORKDAY, workday_weight, offday_weight) * MONTH_FACTOR[MONTH_INDEX]
    return w / w.sum()


def sample_days(rng: np.random.Generator, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    """n dates (datetime64[D]) inside the history window, following `weights`."""
    p = day_weights() if weights is None else weights
    return DAYS[rng.choice(len(DAYS), size=n, p=p)]


def office_seconds(rng: np.random.Generator, n: int) -> np.ndarray:
    """Time of day in seconds, concentrated in office hours (08:30-18:00, lunch dip)."""
    morning = rng.integers(8 * 3600 + 1800, 12 * 3600, n)
    afternoon = rng.integers(13 * 3600 + 1800, 18 * 3600, n)
    evening = rng.integers(18 * 3600, 21 * 3600, n)
    pick = rng.random(n)
    secs = np.where(pick < 0.45, morning, np.where(pick < 0.93, afternoon, evening))
    return secs.astype("timedelta64[s]")


def at_office_time(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """Timestamps (datetime64[s]) on the given days at office-hour times."""
    return days.astype("datetime64[s]") + office_seconds(rng, len(days))


def _next_workday_index() -> np.ndarray:
    """For every day index of the window, the index of the first working day at or after it."""
    nxt = np.full(len(DAYS), len(DAYS) - 1)
    last = len(DAYS) - 1
    for i in range(len(DAYS) - 1, -1, -1):
        if WORKDAY[i]:
            last = i
        nxt[i] = last
    return nxt


NEXT_WORKDAY_INDEX = _next_workday_index()


def next_workday(days: np.ndarray) -> np.ndarray:
    """Move each day inside the window forward to the next working day (stays inside)."""
    idx = np.clip((days.astype("datetime64[D]") - START).astype(int), 0, len(DAYS) - 1)
    return DAYS[NEXT_WORKDAY_INDEX[idx]]


def workdays_between(first: np.datetime64, last: np.datetime64) -> np.ndarray:
    """Working days inside [first, last] ∩ history window."""
    lo = max(first, START)
    hi = min(last, END)
    if hi < lo:
        return DAYS[:0]
    i0 = int((lo - START) / DAY)
    i1 = int((hi - START) / DAY)
    sel = DAYS[i0 : i1 + 1]
    return sel[WORKDAY[i0 : i1 + 1]]


def haversine_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in km (vectorised; GCJ-02 offsets are irrelevant at this scale)."""
    lon1, lat1, lon2, lat2 = (
        np.radians(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
