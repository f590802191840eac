"""Cockpit page times per role, in headless Chromium against the real server.

Usage: ``.venv/bin/python benchmarks/cockpit_pages.py [--home DIR] [--port 8599]``

Uses the published file of ``--home`` (default ``$MEDOPS_HOME``; build one with ``medops demo
--no-serve`` or ``medops run``). Creates a throw-away users file with an executive, a finance
user, a company-wide service director and the rep with the most open receivables, starts
``streamlit run`` on localhost, logs each user in and opens each of their pages twice through
the sidebar: the first open is cold (queries run), the second warm (answered from the cache
of that user's scope). A page counts as rendered when its title is shown and Streamlit's
"running" indicator has gone. Prints one line per role and page: cold and warm seconds.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from dashboards import users  # noqa: E402

PASSWORD = "benchmark password"
RUNNING = '[data-testid="stStatusWidget"]'


def _rep_with_most_receivables(published: Path) -> str:
    con = duckdb.connect(str(published), read_only=True)
    try:
        (owner,) = con.execute(
            "select owner_id from fct_ar_aging_snapshot where is_latest and owner_id is not null "
            "group by owner_id order by count(*) desc limit 1"
        ).fetchone()
    finally:
        con.close()
    return owner


def _rendered(page, started: float, title: str) -> float:
    """Seconds from ``started`` until the page titled ``title`` is shown and its script run
    is over."""
    page.locator("h1", has_text=title).first.wait_for(state="visible", timeout=120_000)
    page.locator(RUNNING).wait_for(state="hidden", timeout=120_000)
    page.wait_for_load_state("networkidle")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path(os.environ.get("MEDOPS_HOME", ".medops")))
    parser.add_argument("--port", type=int, default=8599)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    home = args.home.resolve()
    work = Path(tempfile.mkdtemp(prefix="cockpit_bench_"))
    users_file = work / "users.yaml"
    logins = {
        "executive": None,
        "finance": None,
        "service_director": None,
        "rep": _rep_with_most_receivables(home / "published.duckdb"),
    }
    for role, employee in logins.items():
        users.add_user(role, role, role, PASSWORD, employee_id=employee, path=users_file)
    env = {
        **os.environ,
        "MEDOPS_HOME": str(home),
        "MEDOPS_USERS_FILE": str(users_file),
        "MEDOPS_AUDIT_DB": str(work / "audit.sqlite"),
    }
    url = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "dashboards" / "app.py"),
         "--server.headless", "true", "--server.port", str(args.port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
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
            sys.stdout.write(f"{'role':18} {'page':24} {'cold s':>7} {'warm s':>7}\n")
            for role in logins:
                page = browser.new_page(viewport={"width": 1600, "height": 1200})
                page.goto(url, wait_until="domcontentloaded")
                page.get_by_label("用户名").fill(role)
                page.get_by_label("密码").fill(PASSWORD)
                page.get_by_role("button", name="登录").click()
                nav = page.get_by_role("navigation", name="App pages")
                nav.wait_for(timeout=120_000)
                links = nav.get_by_role("link")
                titles = [links.nth(i).inner_text().split("\n")[-1] for i in range(links.count())]
                for title in titles:
                    times = []
                    for _ in range(2):
                        started = time.perf_counter()
                        nav.get_by_role("link").filter(has_text=title).first.click()
                        times.append(_rendered(page, started, title))
                        # leave the page so that the second open is a fresh page run
                        other = next(t for t in titles if t != title) if len(titles) > 1 else None
                        if other:
                            nav.get_by_role("link").filter(has_text=other).first.click()
                            _rendered(page, time.perf_counter(), other)
                    sys.stdout.write(f"{role:18} {title:24} {times[0]:7.2f} {times[1]:7.2f}\n")
                    sys.stdout.flush()
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
