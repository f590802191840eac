"""How durably Dagster's run history is written when it lives in SQLite (the default instance).

Dagster's SQLite storage opens a connection for each event it stores and commits it, and the
nightly run stores about 750 events (planned, output and materialization events of every
asset). With SQLite's default durability each of those waits for the disk (fsync): about 40 ms
an event here, half a minute a night, against about 4 ms without. The run history is
bookkeeping, not the data: the warehouse and the published copy are DuckDB files written on
their own, so by default the history is written without waiting for the disk. A crashed or
killed process loses nothing either way (SQLite's guarantee); an operating-system crash or a
power cut can corrupt the history file, not the data. ``MEDOPS_RUN_HISTORY_SYNC`` = ``normal``
or ``full`` restores SQLite's own settings; a production deployment that wants a durable
history uses Dagster's Postgres storage, which this setting does not touch.
"""

from __future__ import annotations

import os
import sqlite3

import sqlalchemy
from sqlalchemy.engine import Engine

SYNC_SETTING = "MEDOPS_RUN_HISTORY_SYNC"
SYNC_LEVELS = ("off", "normal", "full")


def sync_level() -> str:
    level = os.environ.get(SYNC_SETTING, "off").strip().lower()
    if level not in SYNC_LEVELS:
        raise ValueError(f"{SYNC_SETTING}={level!r}: use one of {', '.join(SYNC_LEVELS)}")
    return level


def _set_sync(dbapi_connection: object, _record: object) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        # the level is one of SYNC_LEVELS (checked), not free text
        dbapi_connection.execute(f"pragma synchronous = {sync_level()}")


def install() -> None:
    """Apply the setting to every SQLite connection SQLAlchemy opens in this process (Dagster's
    storage is the only SQLAlchemy user here)."""
    sync_level()  # a wrong value stops here, before a run starts
    if not sqlalchemy.event.contains(Engine, "connect", _set_sync):
        sqlalchemy.event.listen(Engine, "connect", _set_sync)
