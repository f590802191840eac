"""The cockpit served by ``streamlit run`` and driven in headless Chromium.

Uses the hand-written published file of tests/conftest.py; expected figures as worked out in
tests/test_cockpit.py (default window: 5 opportunities, 2 won, win rate 40.0%, ¥155.0万).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "dashboards" / "app.py"
CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing; install chromium to run this test"
    ),
]


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


@pytest.fixture
def cockpit_url(cockpit_home: Path, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    log = tmp_path / "streamlit.log"
    env = {**os.environ, "MEDOPS_HOME": str(cockpit_home)}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
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


def test_sales_funnel_in_chromium(cockpit_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1500}, locale="zh-CN")
            page.goto(cockpit_url, wait_until="domcontentloaded")

            expect(page.locator("h1", has_text="销售漏斗")).to_be_visible(timeout=60_000)
            metric_values = page.locator('[data-testid="stMetricValue"]')
            expect(metric_values.filter(has_text="40.0%")).to_be_visible(timeout=30_000)
            expect(metric_values.filter(has_text="¥155.0万")).to_be_visible()
            expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(2, timeout=30_000)
            expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
            expect(page.locator('[data-testid="stDataFrame"]')).to_be_visible()
            page.wait_for_timeout(1_500)  # let the charts finish drawing before the shot
            page.screenshot(path=str(tmp_path / "sales_funnel_zh.png"), full_page=True)
            expect(page.locator('[data-testid="stException"]')).to_have_count(0)

            page.get_by_text("English", exact=True).click()
            expect(page.locator("h1", has_text="Sales funnel")).to_be_visible(timeout=30_000)
            expect(page.get_by_text("Win rate", exact=True)).to_be_visible()
            page.wait_for_timeout(1_000)
            page.screenshot(path=str(tmp_path / "sales_funnel_en.png"), full_page=True)
            expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        finally:
            browser.close()
