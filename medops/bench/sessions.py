"""Concurrent cockpit sessions against the real Streamlit server, while the marts are published
twice: pages served, errors, p95 of the page time.

Run as ``python -m medops.bench.sessions HOME RESULT_JSON SESSIONS SECONDS``. Every session
has its own Streamlit session, logs in through the login form as the executive (the logins
spread over the first ``LOGIN_SPREAD_SECONDS``), and opens the pages of its sidebar one after
another until the time is up, reading each page for ``THINK_SECONDS`` (drawn per page, seeded
by the session's number) before the next: people at a cockpit, not a loop that clicks as fast
as the machine allows.

``BROWSER_SESSIONS`` of them are headless Chromium contexts (what a person waits for: a page
is served when its title shows and Streamlit's running indicator is gone). The others speak
Streamlit's own websocket protocol, as the browser does, without drawing: they fill in the
login form's widgets, ask for a page's run by its script hash and wait for the end of the run
(a page is served when its run finishes with no exception shown). On this 2-core machine, 50
Chromium pages drawing Streamlit's front end cost several times the CPU of the server that
answers them, so a browser per session would measure the browsers; the protocol sessions put
the server under the load of 50 people while two real browsers time what they see. An error
is a page that shows an exception or does not finish within a minute.
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

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

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
BROWSER_SESSIONS = 2
LOGIN_LABELS = ("用户名", "密码", "登录")  # the login form: user name, password, submit


class PageError(Exception):
    """A page run that shows an exception."""


def _rerun(page_script_hash: str = "", widgets: tuple[WidgetState, ...] = ()) -> bytes:
    """The message a browser sends to run a page (with the widget values it holds)."""
    message = BackMsg()
    message.rerun_script.query_string = ""
    message.rerun_script.page_script_hash = page_script_hash
    message.rerun_script.widget_states.widgets.extend(widgets)
    return message.SerializeToString()


async def _run_to_end(socket) -> tuple[list, list]:
    """Read the server's messages until a script run finishes successfully (a run that ends
    early for a rerun, as after the login, is followed by the next). Returns the elements
    drawn and the sidebar's pages; raises PageError, once the run is over, when it showed an
    exception."""
    elements, pages, shown = [], [], []
    while True:
        message = ForwardMsg()
        message.ParseFromString(await socket.recv())
        kind = message.WhichOneof("type")
        if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            if element.WhichOneof("type") == "exception":
                shown.append(element.exception.message[:200])
            elif element.WhichOneof("type") is not None:
                elements.append(element)
        elif kind == "navigation":
            pages = list(message.navigation.app_pages)
        elif kind == "script_finished":
            if message.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                raise PageError("the page's script did not compile")
            if message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                if shown:
                    raise PageError(shown[0])
                return elements, pages
            # a run that ended early for a rerun: what counts is what the next run draws
            elements, shown = [], []


async def _protocol_login(socket) -> list:
    """Log in through the login form's widgets; returns the sidebar's pages."""
    await socket.send(_rerun())
    elements, _ = await _run_to_end(socket)
    ids = _login_widgets(elements)
    user, password, submit = (ids[label] for label in LOGIN_LABELS)
    await socket.send(
        _rerun(
            widgets=(
                WidgetState(id=user, string_value=USER),
                WidgetState(id=password, string_value=PASSWORD),
                WidgetState(id=submit, trigger_value=True),
            )
        )
    )
    elements, pages = await _run_to_end(socket)
    if _login_widgets(elements):
        # a refused login draws the form again: not a logged-in session
        raise PageError("the login was refused: the login form is still shown")
    if not pages:
        raise PageError("no pages after the login")
    return pages


def _login_widgets(elements: list) -> dict[str, str]:
    """The login form's widgets among a run's elements: label -> widget id."""
    ids = {}
    for element in elements:
        widget = getattr(element, element.WhichOneof("type"))
        if getattr(widget, "label", None) in LOGIN_LABELS and hasattr(widget, "id"):
            ids[widget.label] = widget.id
    return ids


async def _protocol_session(
    url: str, number: int, deadline: float, times: list, errors: list
) -> None:
    import websockets

    await asyncio.sleep(number * LOGIN_SPREAD_SECONDS)
    reading = random.Random(number)
    stream = url.replace("http://", "ws://") + "/_stcore/stream"
    try:
        async with websockets.connect(stream, subprotocols=["streamlit"], max_size=None) as socket:
            pages = await asyncio.wait_for(_protocol_login(socket), PAGE_TIMEOUT_MS / 1000)
            for turn in itertools.count(number):
                if turn != number:
                    await asyncio.sleep(reading.uniform(*THINK_SECONDS))
                    if time.monotonic() >= deadline:
                        break
                page = pages[turn % len(pages)]
                started = time.perf_counter()
                try:
                    await socket.send(_rerun(page.page_script_hash))
                    await asyncio.wait_for(_run_to_end(socket), PAGE_TIMEOUT_MS / 1000)
                    times.append(time.perf_counter() - started)
                except (PageError, TimeoutError) as error:
                    errors.append(f"session {number} {page.page_name}: {error!r}"[:300])
                    if isinstance(error, TimeoutError):
                        return  # the run's messages are out of step: this session is over
    except Exception as error:  # a session that cannot connect or log in is an error
        errors.append(f"session {number}: {type(error).__name__}: {error}"[:300])


async def _browser_session(
    browser, url: str, number: int, deadline: float, times: list, errors: list
):
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


async def _drive(url: str, sessions: int, seconds: float) -> tuple[dict, list]:
    """Page times of the protocol and of the browser sessions, and the errors of both."""
    from playwright.async_api import async_playwright

    times: dict[str, list[float]] = {"protocol": [], "browser": []}
    errors: list[str] = []
    in_browser = min(BROWSER_SESSIONS, sessions)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        deadline = time.monotonic() + seconds
        await asyncio.gather(
            *(
                _browser_session(browser, url, n, deadline, times["browser"], errors)
                for n in range(in_browser)
            ),
            *(
                _protocol_session(url, n, deadline, times["protocol"], errors)
                for n in range(in_browser, sessions)
            ),
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
        "browser_sessions": min(BROWSER_SESSIONS, sessions),
        "pages_served": len(times["protocol"]) + len(times["browser"]),
        "page_seconds": summary(times["protocol"] + times["browser"]),
        "browser_page_seconds": summary(times["browser"]),
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
