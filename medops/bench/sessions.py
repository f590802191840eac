"""Concurrent cockpit sessions in headless Chromium against the real Streamlit server, while
the marts are published twice: pages served, errors, p95 of the page time.

Run as ``python -m medops.bench.sessions HOME RESULT_JSON SESSIONS SECONDS``. Every session
is its own browser context (its own cookies and Streamlit session), logs in through the login
form as the executive (the logins spread over the first ``LOGIN_SPREAD_SECONDS``), and opens
the pages of its sidebar one after another until the time is up, reading each page for
``THINK_SECONDS`` (drawn per page, seeded by the session's number) before the next: a person
at a cockpit, not a loop that clicks as fast as the machine allows. A page is served when its
title shows and Streamlit's running indicator is gone, and an error when it shows an exception
or does not render within a minute.

All the browsers run on the machine that serves the cockpit: on 2 cores, 50 Chromium pages
drawing Streamlit's front end cost more CPU than the server answering them, so the figures are
an upper bound of what 50 people on their own machines would wait.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from medops.bench.cockpit import PUBLISH_LOOP, summary
from medops.cli import _streamlit_command

PASSWORD = "bench sessions password"
USER = "bench.sessions"
RUNNING = '[data-testid="stStatusWidget"]'
EXCEPTION = '[data-testid="stException"]'
PAGE_TIMEOUT_MS = 60_000
CHROMIUM = "/usr/bin/chromium"
LOGIN_SPREAD_SECONDS = 1.0  # between two sessions' logins
THINK_SECONDS = (5.0, 15.0)  # reading a page before opening the next


async def _session(browser, url: str, number: int, deadline: float, times: list, errors: list):
    await asyncio.sleep(number * LOGIN_SPREAD_SECONDS)
    reading = random.Random(number)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    try:
        await page.goto(url, wait_until="domcontentloaded", timeout=PAGE_TIMEOUT_MS)
        await page.get_by_label("用户名").fill(USER)
        await page.get_by_label("密码").fill(PASSWORD)
        await page.get_by_role("button", name="登录").click()
        nav = page.get_by_role("navigation", name="App pages")
        await nav.wait_for(timeout=PAGE_TIMEOUT_MS)
        links = nav.get_by_role("link")
        titles = [
            (await links.nth(i).inner_text()).split("\n")[-1] for i in range(await links.count())
        ]
    except Exception as error:  # a session that cannot log in is an error, not a crash
        errors.append(f"session {number} login: {type(error).__name__}: {error}"[:300])
        await context.close()
        return
    # every session opens at least one page after its login, however long that took; the
    # next one only if the time is not up once the page has been read
    for turn in itertools.count(number):
        if turn != number:
            await asyncio.sleep(reading.uniform(*THINK_SECONDS))
            if time.monotonic() >= deadline:
                break
        title = titles[turn % len(titles)]
        started = time.perf_counter()
        try:
            await nav.get_by_role("link").filter(has_text=title).first.click()
            await page.locator("h1", has_text=title).first.wait_for(timeout=PAGE_TIMEOUT_MS)
            await page.locator(RUNNING).wait_for(state="hidden", timeout=PAGE_TIMEOUT_MS)
            if await page.locator(EXCEPTION).count():
                errors.append(f"session {number} {title}: exception shown")
                continue
            times.append(time.perf_counter() - started)
        except Exception as error:
            errors.append(f"session {number} {title}: {type(error).__name__}"[:300])
    await context.close()


async def _drive(url: str, sessions: int, seconds: float) -> tuple[list, list]:
    from playwright.async_api import async_playwright

    times: list[float] = []
    errors: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        deadline = time.monotonic() + seconds
        await asyncio.gather(
            *(_session(browser, url, n, deadline, times, errors) for n in range(sessions))
        )
        await browser.close()
    return times, errors


def _wait_healthy(url: str, server: subprocess.Popen) -> None:
    for _ in range(240):
        if server.poll() is not None:
            raise RuntimeError("the cockpit server stopped")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("the cockpit server did not answer within 2 minutes")


def measure_sessions(home: Path, work: Path, sessions: int, seconds: float, port: int) -> dict:
    from dashboards import users

    # one executive login shared by every session (each context has its own cookie and
    # Streamlit session); its own users file and audit log, beside the report
    cockpit_files = {
        "MEDOPS_USERS_FILE": work / "sessions_users.yaml",
        "MEDOPS_AUDIT_DB": work / "sessions_audit.sqlite",
    }
    users.add_user(USER, "压测", "executive", PASSWORD, path=cockpit_files["MEDOPS_USERS_FILE"])
    server = subprocess.Popen(
        _streamlit_command(port, "127.0.0.1", headless=True),
        env=os.environ | {"MEDOPS_HOME": str(home)} | {k: str(v) for k, v in cockpit_files.items()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server)
        # the two publishes start once every session has logged in
        timer = asyncio.new_event_loop()
        publisher_delay = min(seconds / 4, sessions * LOGIN_SPREAD_SECONDS + 5)

        async def publish_later():
            await asyncio.sleep(publisher_delay)
            return subprocess.Popen([sys.executable, "-c", PUBLISH_LOOP, str(home), "2"])

        async def both():
            publish = asyncio.create_task(publish_later())
            times, errors = await _drive(url, sessions, seconds)
            return times, errors, await publish

        times, errors, publisher = timer.run_until_complete(both())
        timer.close()
        publish_code = publisher.wait()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "sessions": sessions,
        "seconds": seconds,
        "publishes": 2,
        "publish_exit_code": publish_code,
        "pages_served": len(times),
        "page_seconds": summary(times),
        "errors": len(errors),
        "error_samples": errors[:5],
    }


def main() -> None:
    home, result = Path(sys.argv[1]), Path(sys.argv[2])
    sessions, seconds = int(sys.argv[3]), float(sys.argv[4])
    port = int(sys.argv[5]) if len(sys.argv) > 5 else 8597
    outcome = measure_sessions(home, result.parent, sessions, seconds, port)
    result.write_text(json.dumps(outcome, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
