"""Per-source arrival: a contract's ``arrival`` says by when (business time, Asia/Shanghai) its
export is expected each day, or each working day. A source is late when that time plus its
grace has passed and no file of it has arrived since the previous expected day's deadline.
Only sources that have delivered a file before are judged.

What counts as arrived: a file of the source loaded into the warehouse (``last_loaded_at`` of
the published ``rpt_source_freshness``, the build's local clock) or, for the sensor, a complete
file of it in the drop folder or archived there by the landing sensor (its modification time:
when the source system wrote it). The data-quality page shows the same status from the
published copy alone; the ``late_source_sensor`` alerts once per source and expected day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from ingest.contracts import SourceContract, matching_contracts
from medops.business_calendar import is_working_day
from medops.notify import Alert

BUSINESS_TIMEZONE = ZoneInfo("Asia/Shanghai")
# how far back to look for the last expected day (a working-day source over 春节)
MAX_DAYS_BACK = 15


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


def _expects(contract: SourceContract, day: dt.date) -> bool:
    return contract.arrival.days == "daily" or is_working_day(day)


def _deadline(contract: SourceContract, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    expected = dt.datetime.combine(day, contract.arrival.by, BUSINESS_TIMEZONE)
    return expected, expected + dt.timedelta(minutes=contract.arrival.grace_minutes)


def _expected_days(contract: SourceContract, now: dt.datetime) -> list[dt.date]:
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
    contracts: list[SourceContract],
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


def published_arrivals(published: Path) -> dict[str, dt.datetime | None]:
    """source -> when its newest file was loaded, from the published copy."""
    if not published.exists():
        return {}
    con = duckdb.connect(str(published), read_only=True)
    try:
        return dict(
            con.execute("select source, last_loaded_at from rpt_source_freshness").fetchall()
        )
    except duckdb.CatalogException:
        return {}  # a copy published before the data-quality marts existed
    finally:
        con.close()


def landed_arrivals(
    drop: Path, contracts: list[SourceContract], since: dt.date
) -> dict[str, dt.datetime]:
    """source -> newest modification time of its files in the drop folder (waiting, or archived
    on ``since`` or later)."""
    if not drop.is_dir():
        return {}
    folders = [d for d in drop.iterdir() if d.is_dir() and d.name not in ("archive", "rejected")]
    archive = drop / "archive"
    if archive.is_dir():
        folders += [
            system
            for day in archive.iterdir()
            if day.is_dir() and day.name >= since.isoformat()
            for batch in day.iterdir()
            if batch.is_dir()
            for system in batch.iterdir()
            if system.is_dir() and not system.name.startswith("_")
        ]
    newest: dict[str, dt.datetime] = {}
    for folder in folders:
        for path in folder.iterdir():
            matching = matching_contracts(path.name, contracts) if path.is_file() else []
            if len(matching) != 1:
                continue
            modified = dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone()
            source = matching[0].source
            newest[source] = max(newest.get(source, modified), modified)
    return newest


def merge_arrivals(*sources: dict[str, dt.datetime | None]) -> dict[str, dt.datetime | None]:
    """The newest arrival per source over several records of arrivals."""
    merged: dict[str, dt.datetime | None] = {}
    for arrivals in sources:
        for source, at in arrivals.items():
            known = merged.get(source)
            if at is not None:
                at = at.astimezone(BUSINESS_TIMEZONE)
                at = max(known, at) if known is not None else at
            merged[source] = at if at is not None else known
    return merged
