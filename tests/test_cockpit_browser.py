"""The cockpit served by ``streamlit run`` and driven in headless Chromium.

Two servers: one on the hand-written funnel marts of tests/conftest.py (expected figures as
worked out in tests/test_cockpit.py: default window 5 opportunities, 2 won, win rate 40.0%,
¥155.0万), and one on the marts of the shared end-to-end build (real generated data through
the real Dagster job) in which one customer's name is a stored-XSS payload. On the second,
an executive, a finance user, a service director and a rep log in through the login form and
open their pages; the figures asserted are computed here with SQL on the published file for
that user's scope. Every test fails on any request to a host other than the cockpit's own
and on any JavaScript dialog. Screenshots go to the test's tmp folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from dashboards import charts, users

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "dashboards" / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "browser test password"
# a customer name an export could carry: HTML, a script, and Markdown with a link and an
# image on a host of the name's choosing
XSS_NAME = (
    "<img src=x onerror=alert(1)><script>alert(2)</script>"
    "**x**[y](javascript:alert(3))![t](http://evil.example/x.png)医院"
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module", autouse=True)
def chromium_installed() -> None:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need it. Install it with "
            "`sudo apt-get install -y chromium fonts-noto-cjk` (make test does when it can)."
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"streamlit not healthy after {timeout}s:\n{log.read_text()}")


@contextmanager
def serve(
    home: Path, users_file: Path, log: Path, secrets: Callable[[int], Path] | None = None
) -> Iterator[str]:
    """The cockpit as `medops serve` runs it, on a free localhost port; ``secrets`` writes a
    Streamlit secrets file for the port (an SSO provider) and returns its path."""
    port = _free_port()
    env = {
        **os.environ,
        "MEDOPS_HOME": str(home),
        "MEDOPS_USERS_FILE": str(users_file),
        "MEDOPS_AUDIT_DB": str(home / "audit.sqlite"),
    }
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    if secrets is not None:
        command += ["--secrets.files", str(secrets(port))]
    with log.open("wb") as out:
        server = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_healthy(url, server, log)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


@contextmanager
def chromium(url: str, also_allowed: tuple[str, ...] = ()) -> Iterator:
    """A browser that records every request to another host (than the cockpit's own and
    ``also_allowed``) and every JavaScript dialog; the test fails when there was any."""
    from playwright.sync_api import sync_playwright

    own = (urllib.parse.urlsplit(url).netloc, *also_allowed)
    foreign: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        browser.foreign_requests = foreign
        browser.dialogs = dialogs

        def watch(page) -> None:
            page.on(
                "request",
                lambda r: (
                    None
                    if urllib.parse.urlsplit(r.url).netloc in (*own, "")
                    else foreign.append(r.url)
                ),
            )
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

        browser.watch = watch
        try:
            yield browser
        finally:
            browser.close()
    assert foreign == [], f"requests to other hosts: {foreign}"
    assert dialogs == [], f"JavaScript ran: dialogs {dialogs}"


def login(browser, url: str, username: str, width: int = 1600, link: str = ""):
    """A new tab on ``url`` + ``link`` (a page and its filters), through the login form."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": width, "height": 2400}, locale="zh-CN")
    browser.watch(page)
    page.goto(url + link, wait_until="domcontentloaded")
    expect(page.locator("h1", has_text="登录")).to_be_visible(timeout=60_000)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("h1", has_text="登录")).to_have_count(0, timeout=30_000)
    return page


def settle(page, shot: Path) -> None:
    from playwright.sync_api import expect

    page.wait_for_timeout(1_500)  # let charts finish drawing before the shot
    page.screenshot(path=str(shot), full_page=True)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    # every KPI figure shown whole (a card too narrow cuts it to "¥9,65…"), nothing wider
    # than the window
    cut = page.evaluate(
        """() => [...document.querySelectorAll(
                '[data-testid="stMetricValue"], [data-testid="stMetricValue"] *')]
            .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"""
    )
    assert cut == [], f"{shot.name}: figures cut off: {cut}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{shot.name}: {width}px wide"


# --- the funnel page on hand-written marts -----------------------------------------------------


def test_sales_funnel_in_chromium(cockpit_home: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    users_file = tmp_path / "users.yaml"
    users.add_user("boss", "总经理", "executive", PASSWORD, path=users_file)
    with serve(cockpit_home, users_file, tmp_path / "streamlit.log") as url, chromium(url) as b:
        page = login(b, url, "boss")
        # the login lives in the session (the websocket): move within it, never reload
        page.get_by_role("link", name="销售漏斗").click()
        expect(page.locator("h1", has_text="销售漏斗")).to_be_visible(timeout=60_000)
        metric_values = page.locator('[data-testid="stMetricValue"]')
        expect(metric_values.filter(has_text="40.0%")).to_be_visible(timeout=30_000)
        expect(metric_values.filter(has_text="¥155.0万")).to_be_visible()
        expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(3, timeout=30_000)
        expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(3, timeout=30_000)
        settle(page, tmp_path / "sales_funnel_zh.png")
        page.get_by_text("English", exact=True).click()
        expect(page.locator("h1", has_text="Sales funnel")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("Win rate", exact=True)).to_be_visible()
        settle(page, tmp_path / "sales_funnel_en.png")

        # a shared link with filters: it survives the login and reproduces the view (the one
        # distributor deal, won)
        page = login(b, url, "boss", link="/sales-funnel?channels=distributor")
        expect(page.locator("h1", has_text="销售漏斗")).to_be_visible(timeout=60_000)
        expect(
            page.locator('[data-testid="stMultiSelect"]').filter(has_text="经销")
        ).to_be_visible()
        metric_values = page.locator('[data-testid="stMetricValue"]')
        expect(metric_values.filter(has_text="100.0%")).to_be_visible(timeout=30_000)
        assert "channels=distributor" in page.url
        settle(page, tmp_path / "sales_funnel_link.png")


# --- four roles on the end-to-end build --------------------------------------------------------


@pytest.fixture(scope="module")
def role_home(clean_build, tmp_path_factory) -> tuple[Path, Path, dict]:
    """A copy of the end-to-end build's published file in which the customer with the most
    overdue receivables is renamed to the XSS payload; users for four roles, the rep being
    that customer's owner."""
    source, _, result = clean_build
    assert result.success
    home = tmp_path_factory.mktemp("browser_roles")
    published = home / "published.duckdb"
    shutil.copy(source / "published.duckdb", published)
    con = duckdb.connect(str(published))
    try:
        account, golden, owner = con.execute(
            """
            select account_id, any_value(golden_customer_id), any_value(owner_id),
            from fct_ar_aging_snapshot
            where is_latest and is_overdue and owner_id is not null
            group by account_id
            order by sum(open_amount) desc, account_id
            limit 1
            """
        ).fetchone()
        for table, column, key in (
            ("dim_customers", "customer_name", "golden_customer_id"),
            ("fct_customer_account_matches", "customer_name", "golden_customer_id"),
            ("fct_customer_account_matches", "account_name", "golden_customer_id"),
            ("fct_ar_aging_snapshot", "account_name", "golden_customer_id"),
        ):
            con.execute(f"update {table} set {column} = ? where {key} = ?", [XSS_NAME, golden])
    finally:
        con.close()
    users_file = home / "users.yaml"
    for name, role, employee in (
        ("exec", "executive", None),
        ("fin", "finance", None),
        ("svc", "service_director", None),
        ("rep", "rep", owner),
    ):
        users.add_user(name, name, role, PASSWORD, employee_id=employee, path=users_file)
    return home, users_file, {"account": account, "owner": owner}


def _one(db: Path, sql: str, params: list | None = None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchone()[0]
    finally:
        con.close()


def test_four_roles_see_their_figures_and_no_script_runs(role_home, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    home, users_file, picked = role_home
    db = home / "published.duckdb"
    rep = picked["owner"]
    overdue_company = _one(
        db, "select overdue_amount from rpt_ar_kpis_monthly order by month_end desc limit 1"
    )
    outstanding_company = _one(
        db, "select sum(open_amount) from fct_ar_aging_snapshot where is_latest"
    )
    covered_outstanding = _one(
        db,
        """
        select sum(open_amount)::double from fct_ar_aging_snapshot
        where is_latest and golden_customer_id in (
            select matches.golden_customer_id
            from dim_service_devices as devices
            inner join fct_customer_account_matches as matches using (account_id)
            where devices.coverage_status in ('warranty', 'service_contract'))
        """,
    )
    # the rep's rows: statements they own or of customers (accounts, golden customers) they own
    rep_overdue = _one(
        db,
        """
        select sum(open_amount)::double from fct_ar_aging_snapshot
        where is_latest and is_overdue and (
            owner_id = $1
            or account_id in (
                select account_id from fct_customer_account_matches where owner_id = $1)
            or golden_customer_id in (
                select golden_customer_id from fct_customer_account_matches where owner_id = $1))
        """,
        [rep],
    )
    with serve(home, users_file, tmp_path / "streamlit.log") as url, chromium(url) as browser:
        metric = '[data-testid="stMetricValue"]'

        page = login(browser, url, "exec")
        expect(page.locator("h1", has_text="经营总览")).to_be_visible(timeout=60_000)
        expected = charts.format_cny_compact(float(overdue_company), "zh")
        expect(page.locator(metric).filter(has_text=expected).first).to_be_visible()
        settle(page, tmp_path / "executive_overview.png")

        page = login(browser, url, "fin")
        expect(page.locator("h1", has_text="应收账龄")).to_be_visible(timeout=60_000)
        expected = charts.format_cny_compact(float(outstanding_company), "zh")
        expect(page.locator(metric).filter(has_text=expected).first).to_be_visible()
        settle(page, tmp_path / "finance_aging.png")

        page = login(browser, url, "svc")
        expect(page.locator("h1", has_text="服务总监驾驶舱")).to_be_visible(timeout=60_000)
        expect(page.locator(metric).first).to_be_visible(timeout=30_000)
        # the receivables of the customers the service org covers (the whole company here)
        expected = charts.format_cny_compact(float(covered_outstanding), "zh")
        expect(page.get_by_text("服务覆盖客户的应收")).to_be_visible(timeout=30_000)
        expect(page.locator(metric).filter(has_text=expected).first).to_be_visible()
        settle(page, tmp_path / "service_cockpit.png")

        # the rep on a phone
        page = login(browser, url, "rep", width=390)
        expect(page.locator("h1", has_text="我的今日")).to_be_visible(timeout=60_000)
        headline = f"逾期账单 · {charts.format_cny_compact(rep_overdue, 'zh')}"
        expect(page.get_by_text(headline)).to_be_visible(timeout=30_000)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"my day is {width}px wide at 390px"
        settle(page, tmp_path / "rep_my_day_390.png")

        # the stored payload in the 360 page: shown as text, nothing runs or loads
        page.set_viewport_size({"width": 1600, "height": 2400})
        page.get_by_role("link", name="客户 360°").click()
        expect(page.locator("h1", has_text="客户 360°")).to_be_visible(timeout=30_000)
        search = page.get_by_role("textbox", name="客户名称或编码")
        search.fill("<script>")
        search.press("Enter")
        name = page.locator('[data-testid="stText"]').filter(has_text=XSS_NAME)
        expect(name).to_be_visible(timeout=30_000)
        assert name.first.inner_text() == XSS_NAME  # literally, markup and all
        assert page.locator('img[src="x"], a[href^="javascript"], a[href*="evil"]').count() == 0
        assert page.locator("script", has_text="alert(2)").count() == 0
        settle(page, tmp_path / "rep_customer_360_xss.png")


def test_team_lead_sees_the_deal_to_cash_chain_of_their_team(role_home, tmp_path: Path) -> None:
    """销售到回款 for a team lead: the won and outstanding cards are those of their team's
    deals in the page's default window (the last 12 months with won deals they may see),
    computed here with SQL on the published file."""
    from playwright.sync_api import expect

    home, users_file, _ = role_home
    db = home / "published.duckdb"
    con = duckdb.connect(str(db), read_only=True)
    try:
        team, lead = con.execute(
            """
            select deals.team_id, min(employees.employee_id)
            from fct_deal_to_cash as deals
            inner join dim_employees as employees on deals.team_id = employees.team_id
            group by deals.team_id
            order by sum(deals.won_amount) desc, deals.team_id
            limit 1
            """
        ).fetchone()
        # the team's rows: deals its people own or of its customers (accounts, golden customers)
        won, outstanding = con.execute(
            """
            with team_deals as (
                select * from fct_deal_to_cash
                where team_id = $1
                    or owner_id in (select employee_id from dim_employees where team_id = $1)
                    or account_id in (
                        select account_id from fct_customer_account_matches
                        where team_id = $1 or owner_id in (
                            select employee_id from dim_employees where team_id = $1))
                    or golden_customer_id in (
                        select golden_customer_id from fct_customer_account_matches
                        where team_id = $1 or owner_id in (
                            select employee_id from dim_employees where team_id = $1))
            ),
            window_months as (
                select distinct won_month from team_deals order by won_month desc limit 12
            )
            select sum(won_amount)::double, sum(outstanding_amount)::double
            from team_deals
            where won_month in (select won_month from window_months)
            """,
            [team],
        ).fetchone()
    finally:
        con.close()
    users.add_user("lead", "lead", "team_lead", PASSWORD, employee_id=lead, path=users_file)
    with serve(home, users_file, tmp_path / "streamlit.log") as url, chromium(url) as browser:
        page = login(browser, url, "lead")
        expect(page.locator("h1", has_text="销售概览")).to_be_visible(timeout=60_000)
        page.get_by_role("link", name="销售到回款").click()
        expect(page.locator("h1", has_text="销售到回款")).to_be_visible(timeout=60_000)
        cards = page.locator('[data-testid="stMetric"]')
        won_card = cards.filter(has_text="赢单金额")
        expect(won_card).to_contain_text(charts.format_cny_compact(won, "zh"), timeout=30_000)
        outstanding_card = cards.filter(has=page.get_by_text("未回款", exact=True))
        expect(outstanding_card).to_contain_text(charts.format_cny_compact(outstanding, "zh"))
        expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(2, timeout=30_000)
        settle(page, tmp_path / "deal_to_cash_team_lead.png")
        page.get_by_text("English", exact=True).click()
        expect(page.locator("h1", has_text="Deal to cash")).to_be_visible(timeout=30_000)
        settle(page, tmp_path / "deal_to_cash_team_lead_en.png")
