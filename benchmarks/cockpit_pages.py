"""Cockpit page times per role: each page's script and queries, cold and warm.

Usage: ``.venv/bin/python benchmarks/cockpit_pages.py PUBLISHED.duckdb [--repeats 5]``
(``--browser`` to time the same pages in headless Chromium against the real server instead).

``measure_pages`` (what ``medops bench`` calls) logs in an executive, a finance user, a
company-wide service director and the rep with the most open receivables (a throw-away users
file and audit log), and runs each page their role may open through the real app
(``dashboards/app.py``, its navigation and the role's scoped queries) in Streamlit's AppTest,
in this process: a cold run right after the query cache is cleared, then a warm run answered
from the cache of that user's scope; ``repeats`` times each. A row per role and page gives the
median and 95th percentile of the cold and of the warm runs, in seconds. It leaves out the
browser's share (the websocket and drawing), which ``--browser`` includes but cannot time as
precisely (BENCHMARKS.md, "Cockpit pages per role").
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
    """A throw-away MEDOPS_HOME serving ``published`` with one user per role, its users file
    and audit log; yields the environment variables that point at them."""
    with tempfile.TemporaryDirectory(prefix="cockpit_bench_") as work:
        home = Path(work)
        (home / "published.duckdb").symlink_to(published.resolve())
        users_file = home / "users.yaml"
        for role in roles:
            employee = _rep_with_most_receivables(published) if role == "rep" else None
            users.add_user(role, role, role, PASSWORD, employee_id=employee, path=users_file)
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


def _rendered(page, started: float, title: str) -> float:
    """Seconds from ``started`` until the page titled ``title`` is shown and its script run
    is over."""
    page.locator("h1", has_text=title).first.wait_for(state="visible", timeout=120_000)
    page.locator(RUNNING).wait_for(state="hidden", timeout=120_000)
    page.wait_for_load_state("networkidle")
    return time.perf_counter() - started


def measure_in_browser(published: Path, port: int = 8599) -> list[tuple[str, str, float, float]]:
    """(role, page title, cold s, warm s) of every page of every role, opened twice from the
    sidebar in headless Chromium against ``streamlit run`` on localhost."""
    from playwright.sync_api import sync_playwright

    rows = []
    with _cockpit_home(Path(published), ROLES) as env:
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
                for role in ROLES:
                    rows += _browse_role(browser, url, role)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    return rows


def _browse_role(browser, url: str, role: str) -> list[tuple[str, str, float, float]]:
    page = browser.new_page(viewport={"width": 1600, "height": 1200})
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_label("用户名").fill(role)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    nav = page.get_by_role("navigation", name="App pages")
    nav.wait_for(timeout=120_000)
    links = nav.get_by_role("link")
    titles = [links.nth(i).inner_text().split("\n")[-1] for i in range(links.count())]
    rows = []
    for title in titles:
        times = []
        for _ in range(2):
            started = time.perf_counter()
            nav.get_by_role("link").filter(has_text=title).first.click()
            times.append(_rendered(page, started, title))
            # leave the page so that the second open is a fresh page run
            other = next((t for t in titles if t != title), None)
            if other:
                nav.get_by_role("link").filter(has_text=other).first.click()
                _rendered(page, time.perf_counter(), other)
        rows.append((role, title, times[0], times[1]))
    page.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("published", type=Path, help="a published file (published.duckdb)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="time pages in Chromium")
    parser.add_argument("--port", type=int, default=8599)
    args = parser.parse_args()
    if args.browser:
        sys.stdout.write(f"{'role':18} {'page':24} {'cold s':>7} {'warm s':>7}\n")
        for role, title, cold, warm in measure_in_browser(args.published, args.port):
            sys.stdout.write(f"{role:18} {title:24} {cold:7.2f} {warm:7.2f}\n")
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
