"""Business calendars: the holiday seeds, and business time in SQL against a minute-by-minute walk.

The warehouse reads its clocks from a spine of working intervals (int_service_calendar_intervals)
through the business_clock / business_moment macros. Here the real macros run on the real seeds
and models (dbt builds them into a temporary warehouse; `dbt compile --inline` expands the
macros) and every answer is compared with an independent computation: hand-worked cases, and a
plain Python walk over every minute that asks chinese_calendar (or, for 2027, the analysts'
seed) whether the day is worked.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from functools import cache
from pathlib import Path

import chinese_calendar
import duckdb
import pytest
from thin_exports import dbt

from medops.service.holidays import holiday_rows, last_known_year

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
MINUTE = dt.timedelta(minutes=1)


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# --- the seeds -------------------------------------------------------------------------------


def test_holiday_seed_is_what_chinese_calendar_says() -> None:
    """The committed seed is the generator script's output today (rerun it after an upgrade)."""
    assert _seed("holidays_cn") == holiday_rows()
    years = {row["holiday_date"][:4] for row in _seed("holidays_cn")}
    assert max(years) == str(last_known_year()) == "2026"
    # 2026 Spring Festival: Feb 15-23 off, Saturdays Feb 14 and 28 worked.
    rows = {r["holiday_date"]: r["day_kind"] for r in _seed("holidays_cn")}
    assert rows["2026-02-14"] == rows["2026-02-28"] == "makeup_workday"
    assert rows["2026-02-16"] == rows["2026-02-23"] == "holiday"


def test_holidays_extra_covers_2027_and_only_unknown_years() -> None:
    rows = _seed("holidays_extra")
    known = {r["holiday_date"] for r in _seed("holidays_cn")}
    days = [dt.date.fromisoformat(r["holiday_date"]) for r in rows]
    assert {d.year for d in days} == {2027}
    assert not known & {r["holiday_date"] for r in rows}
    with pytest.raises(NotImplementedError):  # the library really does not know 2027
        chinese_calendar.is_workday(dt.date(2027, 2, 8))
    for row, day in zip(rows, days, strict=True):
        # a holiday is a weekday off, a make-up day a weekend day worked
        assert (row["day_kind"] == "holiday") == (day.weekday() < 5), row
        assert row["source"] == "analyst_assumption"
    names = {r["holiday_name"] for r in rows}
    assert names == {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"}


# --- the independent computation ---------------------------------------------------------------


@cache
def _extra_days() -> dict[dt.date, bool]:
    return {
        dt.date.fromisoformat(r["holiday_date"]): r["day_kind"] == "makeup_workday"
        for r in _seed("holidays_extra")
    }


@cache
def _calendars() -> dict[str, tuple[bool, bool, list[tuple[int, int]]]]:
    """calendar -> (observes holidays, works weekends, [(start minute, end minute)])."""

    def minutes(text: str) -> int:
        h, m = text.split(":")
        return int(h) * 60 + int(m)

    hours: dict[str, list[tuple[int, int]]] = {}
    for row in _seed("service_calendar_hours"):
        hours.setdefault(row["calendar_id"], []).append(
            (minutes(row["start_time"]), minutes(row["end_time"]))
        )
    return {
        row["calendar_id"]: (
            row["observes_public_holidays"] == "true",
            row["works_weekends"] == "true",
            hours[row["calendar_id"]],
        )
        for row in _seed("service_calendars")
    }


@cache
def _day_worked(calendar: str, day: dt.date) -> bool:
    observes, weekends, _ = _calendars()[calendar]
    if not observes:
        return weekends or day.weekday() < 5
    if day.year <= 2026:
        return chinese_calendar.is_workday(day)
    return _extra_days().get(day, day.weekday() < 5)


def _minute_worked(calendar: str, t: dt.datetime) -> bool:
    if not _day_worked(calendar, t.date()):
        return False
    m = t.hour * 60 + t.minute
    return any(a <= m < b for a, b in _calendars()[calendar][2])


def walk_minutes(calendar: str, start: dt.datetime, end: dt.datetime) -> int:
    """Working minutes in [start, end), one minute at a time."""
    n, t = 0, start
    while t < end:
        n += _minute_worked(calendar, t)
        t += MINUTE
    return n


def walk_add(calendar: str, start: dt.datetime, minutes: int) -> dt.datetime:
    """The start of the next working minute once `minutes` working minutes have passed."""
    t, left = start, minutes
    while left > 0 or not _minute_worked(calendar, t):
        if _minute_worked(calendar, t):
            left -= 1
        t += MINUTE
    return t


def test_the_walk_itself_on_hand_worked_cases() -> None:
    """The reference is only as good as its own checks: these figures are counted by hand."""
    assert (
        walk_minutes("cn_standard", dt.datetime(2024, 3, 8, 16), dt.datetime(2024, 3, 11, 9)) == 120
    )
    assert walk_add("cn_standard", dt.datetime(2024, 3, 9, 10), 0) == dt.datetime(
        2024, 3, 11, 8, 30
    )
    assert walk_add("cn_standard", dt.datetime(2024, 3, 11, 11, 0), 60) == dt.datetime(
        2024, 3, 11, 13, 0
    )


# --- the warehouse's business time ---------------------------------------------------------------

# (calendar, from, to, working minutes counted by hand, why)
HAND_CASES = [
    (
        "cn_standard",
        "2024-03-08 16:00",
        "2024-03-11 09:00",
        120,
        "Friday to Monday across a weekend",
    ),
    (
        "cn_standard",
        "2024-03-12 23:00",
        "2024-03-13 09:00",
        30,
        "opened at night, clock starts 08:30",
    ),
    ("cn_standard", "2024-03-09 10:00", "2024-03-11 08:45", 15, "opened on Saturday"),
    ("cn_standard", "2024-03-11 11:30", "2024-03-11 13:30", 60, "lunch break is not working time"),
    ("cn_standard", "2024-03-11 18:00", "2024-03-11 23:59", 0, "evening only"),
    (
        "cn_standard",
        "2024-02-09 17:00",
        "2024-02-18 09:00",
        60,
        "Spring Festival 2024, Sunday Feb 18 worked",
    ),
    (
        "cn_standard",
        "2024-02-04 09:00",
        "2024-02-04 10:00",
        60,
        "make-up Sunday before Spring Festival",
    ),
    ("cn_standard", "2025-09-30 17:00", "2025-10-09 09:00", 60, "National Day 2025 (Oct 1-8 off)"),
    (
        "cn_standard",
        "2025-10-11 10:00",
        "2025-10-11 11:00",
        60,
        "make-up Saturday after National Day",
    ),
    (
        "cn_standard",
        "2027-02-04 17:00",
        "2027-02-15 09:00",
        60,
        "Spring Festival 2027 from holidays_extra",
    ),
    (
        "cn_standard",
        "2027-01-31 09:00",
        "2027-01-31 10:00",
        60,
        "make-up Sunday 2027 from holidays_extra",
    ),
    (
        "cn_standard",
        "2027-09-30 17:00",
        "2027-10-08 09:00",
        60,
        "National Day 2027 from holidays_extra",
    ),
    ("cn_xinjiang", "2024-03-11 09:00", "2024-03-11 11:00", 60, "Xinjiang opens at 10:00"),
    ("cn_xinjiang", "2024-03-11 19:00", "2024-03-12 10:30", 60, "Xinjiang closes at 19:30"),
    (
        "cn_24x7",
        "2024-02-09 17:00",
        "2024-02-18 09:00",
        12480,
        "round the clock through the holiday",
    ),
    ("cn_24x7", "2024-03-12 23:00", "2024-03-13 01:00", 120, "round the clock across midnight"),
]


def _random_cases(n: int) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """Pairs around the holidays that matter, on every calendar (fixed seed)."""
    rng = random.Random(20261121)
    anchors = [
        dt.datetime(2024, 2, 8),  # Spring Festival 2024
        dt.datetime(2025, 1, 26),  # Spring Festival 2025 (make-up Sunday Jan 26)
        dt.datetime(2025, 9, 26),  # National Day 2025 with make-up days
        dt.datetime(2026, 2, 12),  # Spring Festival 2026
        dt.datetime(2026, 9, 18),  # Mid-Autumn and National Day 2026
        dt.datetime(2026, 12, 28),  # across the year the library stops knowing
        dt.datetime(2027, 2, 1),  # Spring Festival 2027 (seed)
        dt.datetime(2027, 4, 22),  # Labour Day 2027 (seed)
    ]
    cases = []
    for i in range(n):
        calendar = ("cn_standard", "cn_xinjiang", "cn_24x7")[i % 3]
        start = rng.choice(anchors) + dt.timedelta(minutes=rng.randrange(0, 5 * 1440))
        end = start + dt.timedelta(minutes=rng.randrange(0, 12 * 1440))
        cases.append((calendar, start, end))
    return cases


def _sql_values(rows: list[tuple]) -> str:
    def lit(v: object) -> str:
        if isinstance(v, dt.datetime):
            return f"timestamp '{v:%Y-%m-%d %H:%M:%S}'"
        if isinstance(v, str):
            return f"'{v}'"
        return str(v)

    return ", ".join("(" + ", ".join(lit(v) for v in row) + ")" for row in rows)


@pytest.fixture(scope="module")
def calendar_warehouse(tmp_path_factory) -> Path:
    """A warehouse with just the calendar seeds and the interval spine, built by dbt."""
    home = tmp_path_factory.mktemp("calendar_home")
    dbt(home, "build", "--select", "+int_service_calendar_intervals", "service_calendar_regions")
    return home


def _run_inline(home: Path, sql: str) -> list[tuple]:
    compiled = dbt(home, "--quiet", "compile", "--inline", sql)
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(compiled).fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_business_durations_and_additions_match_the_walk(calendar_warehouse: Path) -> None:
    cases = [
        (c, dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b))
        for c, a, b, _, _ in HAND_CASES
    ] + _random_cases(150)
    add_cases = [(c, a, (i * 97) % 2400) for i, (c, a, _) in enumerate(cases)]
    rows = [(i, c, a, b) for i, (c, a, b) in enumerate(cases)]
    adds = [(i, c, a, n) for i, (c, a, n) in enumerate(add_cases)]
    # One inline query: durations (two clock readings) and additions (reading + N, back to a
    # moment), exactly as the marts use the macros.
    sql = f"""
with cases as (
    select * from (values {_sql_values(rows)}) as v (case_no, calendar_id, from_at, to_at)
),
from_clock as ({{{{ business_clock('cases', 'calendar_id', 'from_at', 'from_seconds') }}}}),
both_clocks as ({{{{ business_clock('from_clock', 'calendar_id', 'to_at', 'to_seconds') }}}}),
additions as (
    select * from (values {_sql_values(adds)}) as v (case_no, calendar_id, from_at, add_minutes)
),
add_clock as ({{{{ business_clock('additions', 'calendar_id', 'from_at', 'from_seconds') }}}}),
add_target as (select *, from_seconds + add_minutes * 60 as target_seconds from add_clock),
added as ({{{{ business_moment('add_target', 'calendar_id', 'target_seconds', 'reached_at') }}}})
select 'duration' as kind, case_no, (to_seconds - from_seconds) / 60.0, null from both_clocks
union all
select 'addition', case_no, null, reached_at from added
"""
    result = _run_inline(calendar_warehouse, sql)
    durations = {r[1]: r[2] for r in result if r[0] == "duration"}
    reached = {r[1]: r[3] for r in result if r[0] == "addition"}
    for i, (_, _, _, expected, why) in enumerate(HAND_CASES):
        assert durations[i] == expected, why
    for i, (calendar, a, b) in enumerate(cases):
        assert durations[i] == walk_minutes(calendar, a, b), (calendar, a, b)
    for i, (calendar, a, n) in enumerate(add_cases):
        assert reached[i] == walk_add(calendar, a, n), (calendar, a, n)
