"""Cockpit page queries, cold and warm, and the same while a build publishes.

Run as ``python -m medops.bench.cockpit HOME RESULT_JSON`` (its own process: Streamlit's
caches and the patched connection stay there). Every page of the executive and of the rep
with the most open receivables is run through Streamlit's AppTest, the app's own script with
that user's session, with the data cache cleared (cold) and then again from the cache (warm);
every query a page sends to the published file is timed from taking its cursor (on the kept
connection, ``dashboards.connections``) and applying the user's scope to closing the cursor,
as the cockpit runs it. Each recorded query is then run again through the same path five times
(warm queries), on one plain connection per scope left open with the scope applied once (the
baseline: what the cursor and the per-query scope cost), and while another process publishes
the marts again and again (a query in flight keeps the file it started on; the next one opens
the new file; the swap is one rename).
"""

from __future__ import annotations

import ast
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from medops.settings import REPO_ROOT

APP = REPO_ROOT / "dashboards" / "app.py"
WARM_REPEATS = 5
# the admin pages read the audit log and users file, not the published marts
SKIPPED_PAGES = ("admin-audit", "admin-users")
# queries of the page left and of the landing page, between the measured runs
NAVIGATION = "navigation"
PUBLISH_LOOP = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from medops.publish import publish_marts\n"
    "from medops.settings import Paths\n"
    "home = Paths(home=Path(sys.argv[1]))\n"
    "for run in range(int(sys.argv[2])):\n"
    "    publish_marts(home, f'bench-publish-{run}', [])\n"
)


def percentile(values: list[float], share: float) -> float | None:
    """The ``share`` quantile (0.95 = p95) by the nearest-rank method; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "count": len(values),
        "p50": statistics.median(values) if values else None,
        "p95": percentile(values, 0.95),
    }


@dataclass
class Query:
    page: str
    role: str
    sql: str
    params: Any
    scope: Any
    seconds: float
    warm: list[float] = field(default_factory=list)


class _RecordedCursor:
    """A query's cursor that remembers the SQL it ran."""

    def __init__(self, cursor) -> None:
        self._cursor = cursor
        self.sql, self.params = "", None

    def execute(self, sql, params=None):
        self.sql, self.params = sql, params
        return self._cursor.execute(sql, params)


class Recorder:
    def __init__(self) -> None:
        self.queries: list[Query] = []
        self.page = self.role = ""
        self._untimed = None

    def install(self) -> None:
        from dashboards import data

        untimed = self._untimed = data.scoped_cursor

        @contextmanager
        def timed_cursor(source, sql) -> Iterator[_RecordedCursor]:
            started = time.perf_counter()
            with untimed(source, sql) as cursor:
                recorded = _RecordedCursor(cursor)
                yield recorded
            seconds = time.perf_counter() - started
            self.queries.append(
                Query(self.page, self.role, recorded.sql, recorded.params, source.scope, seconds)
            )

        data.scoped_cursor = timed_cursor

    def uninstall(self) -> None:
        from dashboards import data

        data.scoped_cursor = self._untimed


def _logins(published: Path, users_file: Path) -> dict[str, Any]:
    """The executive and the rep with the most open receivables: their scopes, and their
    entries in ``users_file`` (SSO-only: no password to hash), which the cockpit checks each run."""
    from dashboards import users
    from dashboards.access import FULL_ACCESS, resolve_scope

    logins = {"executive": FULL_ACCESS}
    with duckdb.connect(str(published), read_only=True) as con:
        rep = con.execute(
            "select owner_id from fct_ar_aging_snapshot where is_latest and owner_id is not null "
            "group by owner_id order by count(*) desc limit 1"
        ).fetchone()
        if rep is not None:
            logins["rep"] = resolve_scope(con, "rep", rep[0], None)
    for role, scope in logins.items():
        email = f"bench.{role}@bench.invalid"
        users.add_user(
            f"bench.{role}", role, role, None, scope.employee_id, email=email, path=users_file
        )
    return logins


def app_pages() -> list[tuple]:
    """The cockpit's page table (``PAGES`` of dashboards/app.py, read without running the
    app script, which starts with the login)."""
    tree = ast.parse(APP.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "PAGES" for target in node.targets
        ):
            return ast.literal_eval(node.value)
    raise LookupError(f"no PAGES in {APP}")


def page_runs(recorder: Recorder, published: Path, users_file: Path) -> list[dict]:
    """Each page of each login, cold (data cache cleared) and warm; seconds of the script run
    and the queries it sent."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from dashboards.auth_session import SESSION_KEY, AuthSession, now

    pages = []
    for role, scope in _logins(published, users_file).items():
        app = AppTest.from_file(str(APP), default_timeout=600)
        app.session_state[SESSION_KEY] = AuthSession(f"bench.{role}", role, scope, now(), now())
        recorder.page, recorder.role = NAVIGATION, role
        app.run()
        files = [
            f"pages/{file}"
            for _, file, _, _, url in app_pages()
            if url not in SKIPPED_PAGES and scope.may_open(url)
        ]
        for file in files:
            timings = {}
            for run in ("cold", "warm"):
                recorder.page = file
                if run == "cold":
                    st.cache_data.clear()
                before = len(recorder.queries)
                started = time.perf_counter()
                app.switch_page(file).run()
                timings[run] = time.perf_counter() - started
                timings[f"{run}_queries"] = len(recorder.queries) - before
                timings[f"{run}_errors"] = len(app.exception)
                # away and back, so that the warm run is a fresh run of the page
                recorder.page = NAVIGATION
                app.switch_page(files[0] if file != files[0] else files[-1]).run()
            pages.append({"page": file, "role": role, **timings})
    return pages


def _rerun(published: Path, query: Query) -> float:
    from dashboards import data

    started = time.perf_counter()
    with data.scoped_cursor(data.Published(str(published), 0, query.scope), query.sql) as cursor:
        cursor.execute(query.sql, query.params or {}).fetchall()
    return time.perf_counter() - started


def open_connection_baseline(published: Path, queries: list[Query]) -> float:
    """Seconds of every recorded query on one plain connection per scope, opened once, with
    the scope applied once for all of them."""
    from dashboards.access import apply_scope

    seconds = 0.0
    for scope in {query.scope for query in queries}:
        mine = [query for query in queries if query.scope == scope]
        with duckdb.connect(str(published), read_only=True) as con:
            apply_scope(con, scope, "\n".join(query.sql for query in mine))
            for query in mine:
                started = time.perf_counter()
                con.execute(query.sql, query.params or {}).fetchall()
                seconds += time.perf_counter() - started
    return seconds


def during_publishes(home: Path, queries: list[Query], publishes: int) -> dict:
    """The recorded queries again and again while another process publishes ``publishes``
    times: their seconds, and every error."""
    publisher = subprocess.Popen([sys.executable, "-c", PUBLISH_LOOP, str(home), str(publishes)])
    seconds: list[float] = []
    errors: list[str] = []
    while publisher.poll() is None:
        for query in queries:
            try:
                seconds.append(_rerun(home / "published.duckdb", query))
            except duckdb.Error as error:
                errors.append(f"{query.page}: {error}")
            if publisher.poll() is not None:
                break
    return {
        "publishes": publishes,
        "publish_exit_code": publisher.returncode,
        "queries": summary(seconds),
        "errors": len(errors),
        "error_samples": errors[:5],
    }


def measure_cockpit(home: Path, publishes: int = 2) -> dict:
    published = home / "published.duckdb"
    recorder = Recorder()
    recorder.install()
    pages = page_runs(recorder, published, Path(os.environ["MEDOPS_USERS_FILE"]))
    recorder.uninstall()
    queries = [query for query in recorder.queries if query.page != NAVIGATION]
    for query in queries:
        query.warm = [_rerun(published, query) for _ in range(WARM_REPEATS)]
    per_page = []
    for page in pages:
        mine = [q for q in queries if q.page == page["page"] and q.role == page["role"]]
        cold = summary([q.seconds for q in mine])
        warm = summary([s for q in mine for s in q.warm])
        per_page.append(page | {"query_cold": cold, "query_warm": warm})
    baseline = open_connection_baseline(published, queries)
    warm_total = sum(statistics.median(q.warm) for q in queries)
    return {
        "pages": per_page,
        "queries_cold": summary([q.seconds for q in queries]),
        "queries_warm": summary([s for q in queries for s in q.warm]),
        "warm_seconds_total": warm_total,
        "open_connection_seconds_total": baseline,
        "during_publish": during_publishes(home, queries, publishes),
    }


def main() -> None:
    from streamlit import logger

    # Streamlit outside `streamlit run` warns on every cached call; the figures are the output
    logger.set_log_level("error")
    home, result = Path(sys.argv[1]), Path(sys.argv[2])
    os.environ["MEDOPS_HOME"] = str(home)
    os.environ["MEDOPS_USERS_FILE"] = str(result.with_suffix(".users.yaml"))
    os.environ["MEDOPS_AUDIT_DB"] = str(result.with_suffix(".audit.sqlite"))
    outcome = measure_cockpit(home)
    result.write_text(json.dumps(outcome, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
