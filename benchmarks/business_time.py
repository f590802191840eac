"""Business time for a million tickets: `python benchmarks/business_time.py [N]`.

Builds the calendar seeds and the working-interval spine with dbt into a temporary warehouse,
then times, in DuckDB, the SQL the SLA models run (macros/business_clock.sql, expanded by
`dbt compile --inline`) on N synthetic tickets (default 1,000,000) spread over 2024-2026 on the
three calendars: two clock readings per ticket (created, resolved) for the business duration,
and one "add the target" lookup for the due moment. Every duration is then checked against the
generator's own numpy business clock (medops.generator.service_time), which reads
chinese_calendar directly. Results go to BENCHMARKS.md by hand.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

from dagster_project.resources import DBT_EXECUTABLE
from medops.bench.sla import CALENDARS, CLOCK_READINGS
from medops.generator import service_time

REPO = Path(__file__).resolve().parent.parent
QUERY = f"""
with {CLOCK_READINGS},
due_clock as (
    select *, created_clock + target_minutes * 60 as due_clock from clocked
),
due as (
    {{{{ business_moment('due_clock', 'calendar_id', 'due_clock', 'due_at') }}}}
)
select
    ticket_no,
    (resolved_clock - created_clock) / 60.0 as business_minutes,
    due_at,
from due
"""


def _dbt(home: Path, *args: str) -> str:
    done = subprocess.run(
        [DBT_EXECUTABLE, *args],
        cwd=REPO / "dbt",
        env={**os.environ, "MEDOPS_HOME": str(home)},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _tickets(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    start = np.datetime64("2024-01-01T00:00:00")
    # created and resolved inside 2024-2026: the numpy reference reads those from chinese_calendar
    span = int((np.datetime64("2026-12-15T00:00:00") - start) / np.timedelta64(1, "m"))
    created = start + rng.integers(0, span, n).astype("timedelta64[m]")
    resolved = created + rng.integers(0, 14 * 1440, n).astype("timedelta64[m]")
    return {
        "ticket_no": np.arange(n),
        "calendar_id": np.array(CALENDARS)[rng.integers(0, 3, n)],
        "created_at": created.astype("datetime64[us]"),
        "resolved_at": resolved.astype("datetime64[us]"),
        "target_minutes": rng.choice([60, 480, 960, 2880], n),
    }


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        started = time.perf_counter()
        _dbt(
            home, "build", "--select", "+int_service_calendar_intervals", "service_calendar_regions"
        )
        spine_seconds = time.perf_counter() - started
        sql = _dbt(home, "--quiet", "compile", "--inline", QUERY)
        tickets = _tickets(n)
        con = duckdb.connect(str(home / "warehouse.duckdb"))
        con.register("bench_frame", tickets)
        con.execute("create temp table bench_tickets as select * from bench_frame")
        (spine_rows,) = con.execute(
            "select count(*) from intermediate.int_service_calendar_intervals"
        ).fetchone()
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            con.execute(f"create or replace temp table bench_result as {sql}")
            timings.append(time.perf_counter() - started)
        order = con.execute("select business_minutes from bench_result order by ticket_no")
        sql_minutes = np.array([row[0] for row in order.fetchall()])
        con.close()
    started = time.perf_counter()
    expected = (
        service_time.clock_at(
            tickets["calendar_id"], tickets["resolved_at"].astype("datetime64[s]")
        )
        - service_time.clock_at(
            tickets["calendar_id"], tickets["created_at"].astype("datetime64[s]")
        )
    ) / 60.0
    numpy_seconds = time.perf_counter() - started
    mismatches = int(np.sum(np.abs(sql_minutes - expected) > 1e-9))
    sys.stdout.write(
        f"tickets {n:,}; spine {spine_rows:,} interval rows, dbt build of seeds + spine "
        f"{spine_seconds:.1f} s\n"
        f"SQL (2 clock readings + due moment): best {min(timings):.2f} s, "
        f"runs {', '.join(f'{s:.2f}' for s in timings)} s, "
        f"{n / min(timings):,.0f} tickets/s\n"
        f"numpy reference: {numpy_seconds:.2f} s; durations differing: {mismatches}\n"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
