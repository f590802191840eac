"""Per-source arrival, the sensor's side: a contract's ``arrival`` says by when (business time,
Asia/Shanghai) its export is expected each day, or each working day; whether a source is late
is computed in medops/arrival_clock.py.

What counts as arrived: a file of the source loaded into the warehouse (``last_loaded_at`` of
the published ``rpt_source_freshness``, the build's local clock) or, for the sensor, a complete
file of it in the drop folder or archived there by the landing sensor (its modification time:
when the source system wrote it). The data-quality page shows the same status from the
published copy alone; the ``late_source_sensor`` alerts once per source and expected day.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from ingest.contracts import SourceContract, matching_contracts
from medops.arrival_clock import BUSINESS_TIMEZONE


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
