"""Cockpit page times per role: each page's script and queries, cold and warm.

Usage: ``.venv/bin/python benchmarks/cockpit_pages.py PUBLISHED.duckdb [--repeats 5]
[--browser]``.

``measure_pages`` logs in an executive, a finance user, a company-wide service director and
the rep with the most open receivables (a throw-away users file and audit log), and runs each
page their role may open through the real app (``dashboards/app.py``, its navigation and the
role's scoped queries) in Streamlit's AppTest, in this process: a cold run right after the
query cache is cleared, then a warm run answered from the cache of that user's scope;
``repeats`` times each. It leaves out the browser's share (the websocket and drawing).

``--browser`` (``measure_in_browser``) is what a user waits for: it starts the real server,
logs in the roles above plus a sales director (the rep's region), a team lead (the rep's team)
and an analyst in headless Chromium, and opens each of their pages ``repeats`` times from the
sidebar, each time coming from another page. A page is timed from the click to the end of the
script run it starts (the app root's ``data-test-script-state`` leaving "running", watched in
the page) with its title shown. The first open since the server started is cold; the others
are warm (the scope's cache). Prints a Markdown table (BENCHMARKS.md, "Cockpit pages per
role").
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import duckdb

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from dashboards import users  # noqa: E402

APP = REPO_ROOT / "dashboards" / "app.py"
PAGES_DIR = REPO_ROOT / "dashboards" / "pages"
PASSWORD = "benchmark password"
ROLES = ("executive", "finance", "service_director", "rep")
# the browser benchmark also logs in the roles scoped to a region and a team, and the analyst
BROWSER_ROLES = (
    "executive",
    "finance",
    "service_director",
    "sales_director",
    "team_lead",
    "rep",
    "analyst",
)
RUNNING = '[data-testid="stStatusWidget"]'


class PageTiming(NamedTuple):
    """One role's page: seconds of its cold and warm runs (median and 95th percentile)."""

    role: str
    page: str
    runs: int
    cold_p50_s: float
    cold_p95_s: float
    warm_p50_s: float
    warm_p95_s: float


def _percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` quantile (nearest rank) of ``values``."""
    ranked = sorted(values)
    return ranked[max(0, math.ceil(share * len(ranked)) - 1)]


def _rep_with_most_receivables(published: Path) -> str:
    con = duckdb.connect(str(published), read_only=True)
    try:
        (owner,) = con.execute(
            "select owner_id from fct_ar_aging_snapshot where is_latest and owner_id is not null "
            "group by owner_id order by count(*) desc, owner_id limit 1"
        ).fetchone()
    finally:
        con.close()
    return owner


@contextmanager
def _cockpit_home(published: Path, roles: Sequence[str]) -> Iterator[dict[str, str]]:
    """A throw-away MEDOPS_HOME serving ``published`` with one user per role (user name = role),
    its users file and audit log; yields the environment variables that point at them."""
    with tempfile.TemporaryDirectory(prefix="cockpit_bench_") as work:
        home = Path(work)
        (home / "published.duckdb").symlink_to(published.resolve())
        users_file = home / "users.yaml"
        scoped = {"rep", "team_lead", "sales_director"}
        links = _scoped_users(published) if scoped & set(roles) else {}
        for role in roles:
            users.add_user(role, role, role, PASSWORD, path=users_file, **links.get(role, {}))
        yield {
            "MEDOPS_HOME": str(home),
            "MEDOPS_USERS_FILE": str(users_file),
            "MEDOPS_AUDIT_DB": str(home / "audit.sqlite"),
        }


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def pages_of(role_scope) -> list[str]:
    """The page files (``pages/x.py``) a scope may open; a page's url path is its file name
    with dashes (as ``dashboards/app.py`` registers it)."""
    return [
        f"pages/{path.name}"
        for path in sorted(PAGES_DIR.glob("*.py"))
        if role_scope.may_open(path.stem.replace("_", "-"))
    ]


def measure_pages(
    published: Path,
    roles: Sequence[str] = ROLES,
    repeats: int = 5,
    pages: Sequence[str] | None = None,
) -> list[PageTiming]:
    """Cold and warm seconds of every page of every role in ``roles`` (or only of ``pages``,
    names such as ``sales_funnel``) on the published file ``published`` (see the module's
    docstring). Runs in this process; a page that fails raises with the page's exception."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from dashboards import auth
    from dashboards.auth_session import SESSION_KEY

    rows = []
    with _cockpit_home(Path(published), roles) as env, _environment(env):
        for role in roles:
            session = auth.password_login(role, PASSWORD)
            for page in pages_of(session.scope):
                if pages is not None and page.removeprefix("pages/")[:-3] not in pages:
                    continue
                cold, warm = [], []
                for _ in range(repeats):
                    at = AppTest.from_file(str(APP), default_timeout=600)
                    at.session_state[SESSION_KEY] = session
                    at.run()
                    at.switch_page(page)
                    st.cache_data.clear()
                    for times in (cold, warm):
                        started = time.perf_counter()
                        at.run()
                        times.append(time.perf_counter() - started)
                        if at.exception:
                            raise RuntimeError(f"{role} {page}: {at.exception[0].value}")
                rows.append(
                    PageTiming(
                        role,
                        page.removeprefix("pages/").removesuffix(".py"),
                        repeats,
                        statistics.median(cold),
                        _percentile(cold, 0.95),
                        statistics.median(warm),
                        _percentile(warm, 0.95),
                    )
                )
    return rows


# Installed on the page just before a click: resolves with the time Streamlit's script run,
# started by that click, is over (the app root's script state leaves "running"). Mutation
# records keep the old value, so a run that starts and ends between two callbacks still counts.
RUN_END_OBSERVER = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__medopsRunEnd = new Promise(resolve => {
    const observer = new MutationObserver(records => {
      const ran = records.some(record => record.oldValue === "running");
      if (ran && app.getAttribute("data-test-script-state") === "notRunning") {
        observer.disconnect();
        resolve(performance.now());
      }
    });
    observer.observe(app, {
      attributes: true, attributeOldValue: true, attributeFilter: ["data-test-script-state"]
    });
  });
  return performance.now();
}
"""


class BrowserTiming(NamedTuple):
    """One role's page in Chromium: its first open since the server started (cold), and the
    median and 95th percentile of the later opens (warm), in seconds."""

    role: str
    page: str
    cold_s: float
    warm_p50_s: float
    warm_p95_s: float


def _open_page(page, nav, title: str) -> float:
    """Seconds from the click on ``title`` in the sidebar to the end of the script run it
    starts, with the page's title shown."""
    started = page.evaluate(RUN_END_OBSERVER)
    nav.get_by_role("link").filter(has_text=title).first.click()
    ended = page.evaluate("window.__medopsRunEnd")
    page.locator("h1", has_text=title).first.wait_for(state="visible", timeout=120_000)
    return (ended - started) / 1000


def _scoped_users(published: Path) -> dict[str, dict[str, str]]:
    """The org links of the scoped roles: the rep with the most open receivables, their
    team lead's team and their sales director's region."""
    rep = _rep_with_most_receivables(published)
    con = duckdb.connect(str(published), read_only=True)
    try:
        team, region = con.execute(
            "select team_id, region_id from dim_employees where employee_id = ?", [rep]
        ).fetchone()
    finally:
        con.close()
    return {
        "rep": {"employee_id": rep},
        "team_lead": {"unit_id": team},
        "sales_director": {"unit_id": region},
    }


def measure_in_browser(
    published: Path, port: int = 8599, repeats: int = 5, roles: Sequence[str] = BROWSER_ROLES
) -> list[BrowserTiming]:
    """Every page of every role in ``roles`` opened ``repeats`` times from the sidebar in
    headless Chromium against ``streamlit run`` on localhost (a new server: the first open of
    a page by a role is answered without a cache)."""
    from playwright.sync_api import sync_playwright

    rows = []
    with _cockpit_home(Path(published), roles) as env:
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(APP),
             "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            for _ in range(120):
                try:
                    urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
                )
                for role in roles:
                    rows += _browse_role(browser, url, role, repeats)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    return rows


def _browse_role(browser, url: str, role: str, repeats: int) -> list[BrowserTiming]:
    page = browser.new_page(viewport={"width": 1600, "height": 1200})
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_label("用户名").fill(role)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    nav = page.get_by_role("navigation", name="App pages")
    nav.wait_for(timeout=120_000)
    page.locator(RUNNING).wait_for(state="hidden", timeout=120_000)
    links = nav.get_by_role("link")
    titles = [links.nth(i).inner_text().split("\n")[-1] for i in range(links.count())]
    rows = []
    for title in titles:
        # each open starts from another page, so that it is a page run, not a rerun
        other = next(t for t in titles if t != title)
        times = []
        for _ in range(repeats):
            _open_page(page, nav, other)
            times.append(_open_page(page, nav, title))
        warm = times[1:]
        rows.append(
            BrowserTiming(role, title, times[0], statistics.median(warm), _percentile(warm, 0.95))
        )
    page.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("published", type=Path, help="a published file (published.duckdb)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="time pages in Chromium")
    parser.add_argument("--port", type=int, default=8599)
    parser.add_argument(
        "--roles", default=",".join(BROWSER_ROLES), help="comma-separated roles (--browser)"
    )
    args = parser.parse_args()
    if args.browser:
        rows = measure_in_browser(
            args.published, args.port, args.repeats, tuple(args.roles.split(","))
        )
        sys.stdout.write(
            "| role | page | cold s | warm p50 s | warm p95 s |\n|---|---|---:|---:|---:|\n"
        )
        for row in rows:
            sys.stdout.write(
                f"| {row.role} | {row.page} | {row.cold_s:.2f} | {row.warm_p50_s:.2f} "
                f"| {row.warm_p95_s:.2f} |\n"
            )
        slowest = max(rows, key=lambda row: row.warm_p95_s)
        sys.stdout.write(
            f"\nslowest warm page (p95): {slowest.role} {slowest.page} {slowest.warm_p95_s:.2f} s\n"
        )
        return
    sys.stdout.write(
        f"{'role':18} {'page':24} {'cold p50':>9} {'cold p95':>9} {'warm p50':>9} {'warm p95':>9}\n"
    )
    for row in measure_pages(args.published, repeats=args.repeats):
        sys.stdout.write(
            f"{row.role:18} {row.page:24} {row.cold_p50_s:9.3f} {row.cold_p95_s:9.3f} "
            f"{row.warm_p50_s:9.3f} {row.warm_p95_s:9.3f}\n"
        )


if __name__ == "__main__":
    main()
