"""The business-time SLA computation against its naive baseline on a sample of tickets.

The SLA models read two business-clock readings per ticket, each an ASOF lookup in the
working-interval spine (``macros/business_clock.sql``). The baseline expands the same calendar
into one row per working minute and counts, per ticket, the working minutes between creation
and resolution. Both must give the same business minutes for every ticket of the sample.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import duckdb
import numpy as np

from medops.bench.pipeline import DBT
from medops.settings import DBT_PROJECT_DIR

CALENDARS = ("cn_standard", "cn_xinjiang", "cn_24x7")
# two business-clock readings per ticket of `bench_tickets`, as the SLA models read them
# (benchmarks/business_time.py adds the due moment to the same two readings)
CLOCK_READINGS = """
opened as (
    {{ business_clock('bench_tickets', 'calendar_id', 'created_at', 'created_clock') }}
),
clocked as (
    {{ business_clock('opened', 'calendar_id', 'resolved_at', 'resolved_clock') }}
)"""
SLA_SQL = f"""
with {CLOCK_READINGS}
select ticket_no, (resolved_clock - created_clock) / 60.0 as business_minutes from clocked
"""
# every working minute of the sample's period, every minute of each ticket, matched one to one
MINUTE_SPINE_SQL = """
with working_minutes as (
    select intervals.calendar_id, spine.minute_start
    from intermediate.int_service_calendar_intervals as intervals,
        unnest(generate_series(
            intervals.interval_start,
            intervals.interval_end - interval 1 minute,
            interval 1 minute
        )) as spine (minute_start)
    where intervals.interval_end > $period_start and intervals.interval_start < $period_end
),
ticket_minutes as (
    select
        ticket_no,
        calendar_id,
        unnest(generate_series(created_at, resolved_at - interval 1 minute, interval 1 minute))
            as minute_start
    from bench_tickets
)
select tickets.ticket_no, count(working_minutes.minute_start) as business_minutes
from bench_tickets as tickets
left join ticket_minutes on tickets.ticket_no = ticket_minutes.ticket_no
left join working_minutes
    on ticket_minutes.calendar_id = working_minutes.calendar_id
    and ticket_minutes.minute_start = working_minutes.minute_start
group by tickets.ticket_no
"""


def sample_tickets(count: int) -> dict[str, np.ndarray]:
    """Tickets opened at any minute of 2025 (nights, weekends and holidays included) on the
    three calendars, resolved up to 10 days later."""
    rng = np.random.default_rng(11)
    start = np.datetime64("2025-01-01T00:00")
    created = start + rng.integers(0, 365 * 1440, count).astype("timedelta64[m]")
    resolved = created + rng.integers(0, 10 * 1440, count).astype("timedelta64[m]")
    return {
        "ticket_no": np.arange(count),
        "calendar_id": np.array(CALENDARS)[rng.integers(0, len(CALENDARS), count)],
        "created_at": created.astype("datetime64[us]"),
        "resolved_at": resolved.astype("datetime64[us]"),
    }


def compare_sla(home: Path, count: int) -> dict:
    """Seconds of both computations on ``count`` tickets, and how many tickets disagree."""
    compiled = subprocess.run(
        [DBT, "--quiet", "compile", "--inline", SLA_SQL],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "MEDOPS_HOME": str(home)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        con.execute("set enable_progress_bar = false")
        con.register("ticket_frame", sample_tickets(count))
        con.execute("create temp table bench_tickets as select * from ticket_frame")
        started = time.perf_counter()
        clock = dict(con.execute(compiled).fetchall())
        clock_seconds = time.perf_counter() - started
        started = time.perf_counter()
        spine = dict(
            con.execute(
                MINUTE_SPINE_SQL,
                {"period_start": "2025-01-01", "period_end": "2026-01-11"},
            ).fetchall()
        )
        spine_seconds = time.perf_counter() - started
    finally:
        con.close()
    disagree = sum(clock[ticket] != spine[ticket] for ticket in clock)
    return {
        "tickets": count,
        "clock_seconds": clock_seconds,
        "minute_spine_seconds": spine_seconds,
        "disagreeing_tickets": disagree,
    }
