"""When each source's export is expected and whether it is late: the computation shared by the
late-source sensor (medops/arrivals.py, over the contracts and the drop folder) and the
cockpit's data-quality page (over the schedule published with the marts). It needs neither the
contracts' loader nor the pipeline, so the cockpit can import it.

A source is late when its expected time plus grace has passed and no file of it has arrived
since the previous expected day's deadline. Only sources that have delivered a file before are
judged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

import duckdb

from medops.business_calendar import is_working_day
from medops.notify import Alert

BUSINESS_TIMEZONE = ZoneInfo("Asia/Shanghai")
# how far back to look for the last expected day (a working-day source over 春节)
MAX_DAYS_BACK = 15
ARRIVAL_DAYS = {"daily", "working"}
# the published copy's table of every contract's arrival time (written by the publish step)
PUBLISHED_SCHEDULE_TABLE = "_source_arrivals"


@dataclass(frozen=True)
class ArrivalSpec:
    """When a source's export is expected: every day (or every working day, by the business
    calendar with 调休) by ``by`` in the business time zone, with ``grace_minutes`` of slack
    before it counts as late."""

    by: dt.time
    grace_minutes: int = 0
    days: str = "daily"


class ScheduledSource(Protocol):
    """A source with its arrival time: a contract, or a row of the published schedule."""

    @property
    def source(self) -> str: ...

    @property
    def system(self) -> str: ...

    @property
    def arrival(self) -> ArrivalSpec | None: ...


@dataclass(frozen=True)
class PublishedSchedule:
    """A row of the published schedule (``PUBLISHED_SCHEDULE_TABLE``)."""

    source: str
    system: str
    arrival: ArrivalSpec


def schedule_rows(sources: Iterable[ScheduledSource]) -> list[tuple]:
    """The rows of ``PUBLISHED_SCHEDULE_TABLE`` for the sources that declare an arrival time:
    source, system, arrival_by (HH:MM), grace_minutes, arrival_days."""
    return [
        (
            s.source,
            s.system,
            s.arrival.by.strftime("%H:%M"),
            s.arrival.grace_minutes,
            s.arrival.days,
        )
        for s in sources
        if s.arrival is not None
    ]


def write_schedule(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    """Create ``PUBLISHED_SCHEDULE_TABLE`` in the connection's main schema with ``rows``."""
    con.execute(
        f"create table main.{PUBLISHED_SCHEDULE_TABLE} (source varchar, system varchar, "
        "arrival_by varchar, grace_minutes integer, arrival_days varchar)"
    )
    if rows:
        con.executemany(f"insert into main.{PUBLISHED_SCHEDULE_TABLE} values (?, ?, ?, ?, ?)", rows)


def published_schedule(rows: Iterable[tuple]) -> list[PublishedSchedule]:
    """The schedule back from the rows ``schedule_rows`` wrote."""
    return [
        PublishedSchedule(source, system, ArrivalSpec(dt.time.fromisoformat(by), grace, days))
        for source, system, by, grace, days in rows
    ]


@dataclass(frozen=True)
class ArrivalStatus:
    source: str
    system: str
    expected_day: dt.date  # the latest day whose deadline has passed
    expected_by: dt.datetime  # that day's expected time (business time zone)
    late_after: dt.datetime  # expected_by plus the grace
    last_arrival: dt.datetime | None
    late: bool

    def alert(self) -> Alert:
        last = f"{self.last_arrival:%Y-%m-%d %H:%M}" if self.last_arrival else "never"
        return Alert(
            "source_late",
            f"source_not_arrived:{self.source}:{self.expected_day.isoformat()}",
            f"数据源未按时到达 / source not arrived: {self.source} expected by "
            f"{self.expected_by:%Y-%m-%d %H:%M}",
            [
                f"system {self.system}; late after {self.late_after:%H:%M} (grace included)",
                f"last arrival: {last}",
            ],
        )


def _expects(contract: ScheduledSource, day: dt.date) -> bool:
    return contract.arrival.days == "daily" or is_working_day(day)


def _deadline(contract: ScheduledSource, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    expected = dt.datetime.combine(day, contract.arrival.by, BUSINESS_TIMEZONE)
    return expected, expected + dt.timedelta(minutes=contract.arrival.grace_minutes)


def _expected_days(contract: ScheduledSource, now: dt.datetime) -> list[dt.date]:
    """The expected days whose deadline has passed, newest first (two are enough)."""
    day, found = now.date(), []
    for _ in range(MAX_DAYS_BACK):
        if _expects(contract, day) and _deadline(contract, day)[1] <= now:
            found.append(day)
            if len(found) == 2:
                break
        day -= dt.timedelta(days=1)
    return found


def arrival_status(
    contracts: Iterable[ScheduledSource],
    last_arrivals: dict[str, dt.datetime | None],
    now: dt.datetime,
) -> list[ArrivalStatus]:
    """The arrival status of every source whose contract declares an arrival time and that has
    delivered a file before (a bundled contract of a system the company does not run is not
    late). ``last_arrivals``: source -> newest arrival (aware, or naive in this machine's
    time; None: files came, none loaded)."""
    now = now.astimezone(BUSINESS_TIMEZONE)
    statuses = []
    for contract in contracts:
        if contract.arrival is None or contract.source not in last_arrivals:
            continue
        days = _expected_days(contract, now)
        if not days:
            continue
        expected_by, late_after = _deadline(contract, days[0])
        window_start = _deadline(contract, days[1])[1] if len(days) > 1 else None
        last = last_arrivals.get(contract.source)
        last = last.astimezone(BUSINESS_TIMEZONE) if last is not None else None
        arrived = last is not None and (window_start is None or last > window_start)
        statuses.append(
            ArrivalStatus(
                contract.source,
                contract.system,
                days[0],
                expected_by,
                late_after,
                last,
                not arrived,
            )
        )
    return statuses
