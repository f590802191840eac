"""One kept read-only connection per published version of the marts, a cursor per query.

Opening the published file costs more than most cockpit queries (the benchmark measured a warm
query at 15x the same SQL on an open connection), so the cockpit keeps one connection to it and
runs every query on its own ``cursor()``. A cursor is a connection of its own to the same
database instance: its temporary views, tables and macros (the user's scope, see
``dashboards.access``) are its own and go with it when it is closed, so one query's scope never
reaches another's.

The nightly build replaces the published file by a rename. Each query compares the file's
identity (device, inode, modification time) with the version its kept connection was opened
on, which costs one ``stat``; on a new file it opens a connection to it, and the old one is
retired: closed as soon as its last query in flight ends (a query running during the swap
finishes on the file it started on; the rename leaves that file readable until it is closed).

The file is attached to an in-memory database rather than opened with
``duckdb.connect(path)``: DuckDB's instance cache answers a second connect to the same path
with the instance already open, i.e. with the file from before the swap as long as any query
still holds it.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb

# the published file's catalog name in every cursor
CATALOG = "published"
# files kept open at once (one in production; tests switch between homes)
MAX_KEPT_FILES = 4
# attempts at opening a file that is not replaced while it is being opened
OPEN_ATTEMPTS = 5


def file_version(path: str) -> tuple[int, int, int]:
    """What changes when the file at ``path`` is replaced: device, inode, modification time."""
    stat = os.stat(path)
    return stat.st_dev, stat.st_ino, stat.st_mtime_ns


@dataclass(eq=False)
class KeptConnection:
    """The connection to one version of one file, and the queries running on it."""

    path: str
    version: tuple[int, int, int]
    connection: duckdb.DuckDBPyConnection
    in_flight: int = 0
    retired: bool = False
    closed: bool = False


def _open(path: str) -> KeptConnection:
    for _ in range(OPEN_ATTEMPTS):
        before = file_version(path)
        connection = duckdb.connect(":memory:")
        try:
            connection.execute(f"attach ? as {CATALOG} (read_only)", [path])
        except BaseException:
            connection.close()
            raise
        if file_version(path) == before:  # the file attached is the version recorded
            return KeptConnection(path, before, connection)
        connection.close()
    raise duckdb.IOException(f"{path} was replaced {OPEN_ATTEMPTS} times while being opened")


class PublishedConnections:
    """The kept connections of a process, by file path (thread-safe: Streamlit runs each
    session's script in a thread of its own)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: OrderedDict[str, KeptConnection] = OrderedDict()

    @contextmanager
    def cursor(self, path: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the newest version of ``path`` with its catalog in use; closed after."""
        kept = self._check_out(path)
        try:
            with self._lock:
                cursor = kept.connection.cursor()
            try:
                cursor.execute(f"use {CATALOG}")
                yield cursor
            finally:
                cursor.close()
        finally:
            self._check_in(kept)

    def _check_out(self, path: str) -> KeptConnection:
        version = file_version(path)
        with self._lock:
            kept = self._current.get(path)
            if kept is None or kept.version != version:
                if kept is not None:
                    self._retire(kept)
                kept = _open(path)
                self._current[path] = kept
                while len(self._current) > MAX_KEPT_FILES:
                    self._retire(self._current.popitem(last=False)[1])
            self._current.move_to_end(path)
            kept.in_flight += 1
            return kept

    def _check_in(self, kept: KeptConnection) -> None:
        with self._lock:
            kept.in_flight -= 1
            if kept.retired and kept.in_flight == 0:
                self._close(kept)

    def _retire(self, kept: KeptConnection) -> None:
        kept.retired = True
        if kept.in_flight == 0:
            self._close(kept)

    @staticmethod
    def _close(kept: KeptConnection) -> None:
        kept.connection.close()
        kept.closed = True

    def kept(self, path: str) -> KeptConnection | None:
        """The connection queries on ``path`` use now (None before the first)."""
        with self._lock:
            return self._current.get(path)

    def close_all(self) -> None:
        """Retire every kept connection (each closes when its queries end)."""
        with self._lock:
            while self._current:
                self._retire(self._current.popitem()[1])


CONNECTIONS = PublishedConnections()
