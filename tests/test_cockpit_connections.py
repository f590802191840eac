"""The cockpit's kept connection to the published file (``dashboards.connections``): queries
keep working while another process publishes, new figures show after each swap, a query in
flight finishes on the file it started on, a retired connection is closed (no file handles
pile up), and each cursor's scope views are its own."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from dashboards import data
from dashboards.access import FULL_ACCESS, Scope
from dashboards.connections import CONNECTIONS
from medops.settings import REPO_ROOT

REP_E1 = Scope("rep", "own", "E1", "E1", True)
# One publish by another process: the warehouse's figures set to argv[2], then published
# (copied into a new file that replaces published.duckdb by a rename).
PUBLISH = """
import sys
from pathlib import Path
import duckdb
from medops.publish import publish_marts
from medops.settings import Paths
home = Paths(home=Path(sys.argv[1]))
with duckdb.connect(str(home.warehouse)) as con:
    con.execute("update marts.fct_figures set amount = amount * 0 + ?", [int(sys.argv[2])])
publish_marts(home, f"publish-{sys.argv[2]}", [])
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_figures as select * from (values "
            "('E1', 1), ('E1', 1), ('E2', 1)) as rows (owner_id, amount)"
        )
    _publish(home, 1)
    return home


def _publish(home: Path, amount: int) -> None:
    subprocess.run(
        [sys.executable, "-c", PUBLISH, str(home), str(amount)], check=True, cwd=REPO_ROOT
    )


def _total(home: Path, scope: Scope = FULL_ACCESS) -> int:
    source = data.Published(str(home / "published.duckdb"), 0, scope)
    return data.fetch_rows(source, "select sum(amount) from fct_figures")[0][0]


def _handles_on(inode: int) -> int:
    """This process's open file descriptors on the file with ``inode``."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.stat(f"/proc/self/fd/{fd}").st_ino == inode
        except OSError:
            continue  # the listing's own descriptor, closed meanwhile
    return count


def test_queries_keep_working_across_two_publishes_by_another_process(home: Path) -> None:
    assert _total(home) == 3 and _total(home, REP_E1) == 2
    errors: list[BaseException] = []
    totals: list[int] = []
    stop = threading.Event()

    def browse() -> None:
        while not stop.is_set():
            try:
                totals.append(_total(home, REP_E1))
            except BaseException as error:  # every failure is the test's outcome
                errors.append(error)

    browsers = [threading.Thread(target=browse) for _ in range(2)]
    for browser in browsers:
        browser.start()
    try:
        for amount in (10, 100):
            _publish(home, amount)
            assert _total(home) == 3 * amount  # the new figures right after the swap
            assert _total(home, REP_E1) == 2 * amount  # and still only the rep's rows
    finally:
        stop.set()
        for browser in browsers:
            browser.join()
    assert errors == []
    assert totals and set(totals) <= {2, 20, 200}  # each from one whole published copy


def test_a_query_in_flight_finishes_on_its_file_and_the_retired_connection_closes(
    home: Path,
) -> None:
    published = home / "published.duckdb"
    assert _total(home) == 3
    first = CONNECTIONS.kept(str(published))
    old_inode = published.stat().st_ino
    assert _handles_on(old_inode) >= 1
    source = data.Published(str(published), 0, FULL_ACCESS)
    with data.scoped_cursor(source, "select sum(amount) from fct_figures") as in_flight:
        _publish(home, 10)
        assert _total(home) == 30  # a new query opens the new file meanwhile
        assert first.retired and not first.closed  # the old one waits for its query
        assert in_flight.execute("select sum(amount) from fct_figures").fetchone()[0] == 3
    assert first.closed
    assert _handles_on(old_inode) == 0  # the old file is no longer held
    _publish(home, 100)
    assert _total(home) == 300
    second = CONNECTIONS.kept(str(published))
    assert second is not first
    _publish(home, 1000)
    assert _total(home) == 3000
    assert second.closed  # retired with no query in flight: closed at once
    # only the copy published now is open, whichever number of publishes came before
    kept_inodes = {os.stat(published).st_ino}
    history = {path.stat().st_ino for path in (home / "published_history").glob("*.duckdb")}
    assert sum(_handles_on(inode) for inode in history - kept_inodes) == 0


def test_each_cursor_has_its_own_scope_views(home: Path) -> None:
    published = str(home / "published.duckdb")
    sql = "select sum(amount) from fct_figures"
    with (
        data.scoped_cursor(data.Published(published, 0, REP_E1), sql) as rep,
        data.scoped_cursor(data.Published(published, 0, FULL_ACCESS), sql) as executive,
    ):
        assert rep.execute(sql).fetchone()[0] == 2
        assert executive.execute(sql).fetchone()[0] == 3
    # the rep's views went with the rep's cursor
    assert _total(home) == 3
