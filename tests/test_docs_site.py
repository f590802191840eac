"""The analysts' docs site: an exposure per cockpit page that names every mart the page reads,
links from the KPI cards' help to their metric's docs page, and the generated site served by
``medops docs`` in a real browser (offline: no request leaves the machine)."""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from test_sales_pages import OVERVIEW, run_page  # imports AppTest: the login fixture needs it

from dashboards.i18n import t
from dashboards.metric_docs import card_metrics, kpi_help
from medops.docs_site import GUIDE_DIR, guide_sources, heading_anchor, write_guide
from medops.settings import DBT_PROJECT_DIR, REPO_ROOT

EXPOSURES = yaml.safe_load((DBT_PROJECT_DIR / "models" / "_exposures.yml").read_text())["exposures"]
MODELS = {path.stem for path in (DBT_PROJECT_DIR / "models").rglob("*.sql")}


def app_pages() -> list[tuple[str, str]]:
    """(file, url path) of every page of the cockpit's navigation (dashboards/app.py)."""
    tree = ast.parse((REPO_ROOT / "dashboards" / "app.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PAGES":
            return [(page[1], page[4]) for page in ast.literal_eval(node.value)]
    raise AssertionError("dashboards/app.py has no PAGES")


def _tables(text: str) -> set[str]:
    named = re.findall(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)", text)
    quoted = re.findall(r"\"((?:fct|rpt|dim)_[a-z0-9_]+)\"", text)
    return {name for name in (*named, *quoted) if name in MODELS}


def marts_read_by(page_file: str) -> set[str]:
    """The marts the page's own SQL and the SQL of the dashboards functions it calls name,
    and the mart lists (``*_MARTS``) it checks; found by reading the code, independently of
    the exposures."""
    source = (REPO_ROOT / "dashboards" / "pages" / page_file).read_text()
    tree = ast.parse(source)
    modules = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dashboards"):
            for alias in node.names:
                name = f"{node.module}.{alias.name}" if node.module == "dashboards" else None
                modules[alias.asname or alias.name] = name or node.module
    found = _tables(source)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            continue
        if node.value.id not in modules:
            continue
        try:
            value = getattr(importlib.import_module(modules[node.value.id]), node.attr)
        except (ImportError, AttributeError):
            continue
        if isinstance(value, tuple | str):
            found |= _tables(
                " ".join(f'"{v}"' for v in (value if isinstance(value, tuple) else (value,)))
            )
        elif callable(value):
            module = importlib.import_module(modules[node.value.id])
            code = inspect.getsource(getattr(value, "__wrapped__", value))
            found |= _tables(code)
            for constant in re.findall(r"\{(_[A-Z_]+)\}", code):
                found |= _tables(str(getattr(module, constant, "")))
    return found


def test_every_page_has_an_exposure_naming_the_marts_it_reads():
    by_file = {e["config"]["meta"]["page_file"]: e for e in EXPOSURES}
    for page_file, url_path in app_pages():
        exposure = by_file.get(f"dashboards/pages/{page_file}")
        assert exposure is not None, f"no exposure for {page_file} in dbt/models/_exposures.yml"
        assert exposure["url"].endswith(f"/{url_path}")
        assert exposure["config"]["meta"]["owner_role"] in exposure["config"]["meta"]["roles"]
        named = {re.fullmatch(r"ref\('(\w+)'\)", d)[1] for d in exposure.get("depends_on", [])
                 if d.startswith("ref(")}  # fmt: skip
        missing = marts_read_by(page_file) - named
        assert not missing, f"{page_file} reads {sorted(missing)}; add them to its exposure"


def test_card_help_links_to_the_metric_docs_page(monkeypatch):
    monkeypatch.setenv("MEDOPS_DOCS_URL", "http://docs.example:8580/")
    assert len(card_metrics()) >= 20
    text = kpi_help("sales-funnel", "kpi_win_rate")
    assert text.endswith("(http://docs.example:8580/#!/metric/metric.medops.win_rate)")
    assert text.startswith("赢单数 ÷ 新增商机数")  # the card's own help comes first
    assert kpi_help("sales-funnel", "no_such_card", "own help") == "own help"
    exposed = {d for e in EXPOSURES for d in e.get("depends_on", [])}
    assert {f"metric('{m}')" for m in card_metrics().values()} <= exposed


def test_overview_names_every_guide_page():
    overview = (DBT_PROJECT_DIR / "models" / "overview.md").read_text(encoding="utf-8")
    for source in guide_sources():
        link = f"]({GUIDE_DIR}/{source.stem}.html)"
        assert link in overview, f"dbt/models/overview.md's guide table lacks {source.name}: {link}"


def _relative_links(markdown: str) -> list[str]:
    in_code = re.sub(r"```.*?```|`[^`\n]*`", "", markdown, flags=re.DOTALL)
    return [h for h in re.findall(r"\]\(([^)\s]+)\)", in_code) if not re.match(r"[a-z]+:", h)]


def _anchors(markdown: str) -> set[str]:
    in_code = re.sub(r"```.*?```", "", markdown, flags=re.DOTALL)
    return {heading_anchor(h) for h in re.findall(r"^#+ (.+)$", in_code, re.MULTILINE)}


def test_readme_is_a_guide_linking_every_docs_page_and_its_links_resolve():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 150, "reference belongs in docs/, the README is the guide"
    for command in ("make demo", "make test", "medops docs"):
        assert command in readme
    for source in guide_sources():
        name = source.relative_to(REPO_ROOT).as_posix()
        assert f"]({name})" in readme, f"README.md links no {name}"
    for markdown_file in [REPO_ROOT / "README.md", *guide_sources()]:
        text = markdown_file.read_text(encoding="utf-8")
        for href in _relative_links(text):
            path, _, fragment = href.partition("#")
            target = (markdown_file.parent / path).resolve() if path else markdown_file
            assert target.exists(), f"{markdown_file.name}: {href} points nowhere"
            if fragment and target.suffix == ".md":
                assert fragment in _anchors(target.read_text(encoding="utf-8")), (
                    f"{markdown_file.name}: {href}: no such heading"
                )


def test_guide_pages_render_to_html_with_links_between_them(tmp_path):
    pages = write_guide(tmp_path)
    assert {page.stem for page in pages} == {source.stem for source in guide_sources()}
    for page in [*pages, tmp_path / "index.html"]:
        text = page.read_text(encoding="utf-8")
        for href in re.findall(r'href="([^"]+)"', text):
            if href.startswith("../index.html"):
                continue  # the dbt docs page, one folder up
            path, _, fragment = href.partition("#")
            target = tmp_path / path if path else page
            assert target.exists(), f"{page.name}: {href}"
            if fragment:
                assert f'id="{fragment}"' in target.read_text(encoding="utf-8"), (page.name, href)
    ingest = (tmp_path / "ingest.html").read_text(encoding="utf-8")
    assert '<h1 id="ingest">Ingest</h1>' in ingest and "<table>" in ingest
    testing = (tmp_path / "testing.html").read_text(encoding="utf-8")
    # the pages' text is shown as text, never as markup (testing.md names `<script>`)
    assert "&lt;script&gt;" in testing and "<script" not in testing


@pytest.mark.slow
@pytest.mark.browser
def test_docs_site_in_chromium_shows_the_exposures_offline(clean_build, tmp_path):
    from test_cockpit_browser import _free_port, chromium

    home, _exports, result = clean_build
    assert result.success
    port = _free_port()
    log = tmp_path / "docs.log"
    env = {**os.environ, "MEDOPS_HOME": str(home)}
    command = [
        str(Path(sys.executable).parent / "medops"),
        "docs",
        "--no-compile",
        "--port",
        str(port),
    ]
    with open(log, "w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300
        while True:
            assert server.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    html = response.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(1)
        assert '"exposure.medops.sales_funnel"' in html  # the manifest is in the page
        with chromium(url) as browser:
            page = browser.new_page()
            browser.watch(page)
            # first, on a fresh page: the exposures' folder opens on a click
            page.goto(f"{url}/#!/overview")
            page.get_by_text("MedOps reference", exact=False).first.wait_for()
            page.get_by_text("Dashboard", exact=True).first.click()  # the exposures' folder
            page.wait_for_function(
                "document.body.innerText.replace(/\\s/g, '').includes('销售漏斗Salesfunnel')"
            )
            # the narrow sidebar wraps labels mid-word: compare without whitespace
            nav = re.sub(r"\s", "", page.inner_text("body"))
            for exposure in EXPOSURES:
                assert re.sub(r"\s", "", exposure["label"]) in nav, exposure["name"]
            page.goto(f"{url}/#!/exposure/exposure.medops.sales_funnel")
            page.get_by_text("销售漏斗 Sales funnel").first.wait_for(timeout=60_000)
            body = page.inner_text("body")
            assert "fct_funnel_stage_reached" in body
            assert "role sales_director" in body
            page.goto(f"{url}/#!/metric/metric.medops.win_rate")
            page.get_by_text("won deals ÷ deals that reached 初步接洽").first.wait_for()
            # the overview's guide table opens the guide's pages, served beside the site
            page.goto(f"{url}/#!/overview")
            page.get_by_role("link", name="Receivables", exact=True).click()
            page.wait_for_url(f"{url}/guide/receivables.html")
            page.get_by_role("heading", name="Receivables").first.wait_for()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            # never let a slow stop hide what failed above (CI saw only the stop's timeout)
            server.kill()
            server.wait()


def test_sales_overview_cards_help_links_to_their_metric(sales_home, monkeypatch):
    monkeypatch.setenv("MEDOPS_DOCS_URL", "http://docs.example")
    at = run_page(sales_home, monkeypatch, OVERVIEW)
    helps = {metric.label: metric.proto.help for metric in at.metric}
    bookings = helps[t("kpi_bookings", "zh")]
    assert bookings.startswith(t("kpi_bookings_help", "zh"))
    assert bookings.endswith("(http://docs.example/#!/metric/metric.medops.bookings)")
    assert "metric.medops.quota_attainment" in helps[t("kpi_attainment", "zh")]
    assert "metric.medops.order_revenue" in helps[t("kpi_revenue", "zh")]
    # a card no metric names keeps its own help only
    average_deal_size = helps[t("kpi_average_deal_size", "zh")]
    assert average_deal_size == t("kpi_average_deal_size_help", "zh")


@pytest.mark.slow
def test_executive_overview_cards_help_links_to_their_metric(clean_build, monkeypatch):
    home, _exports, result = clean_build
    assert result.success
    monkeypatch.setenv("MEDOPS_DOCS_URL", "http://docs.example")
    at = run_page(home, monkeypatch, "pages/executive_overview.py")
    # label up to its first placeholder (the month or date it is of) -> the card's metric
    expected = {
        t(card, "zh").split("{")[0]: metric
        for page_card, metric in card_metrics().items()
        for page, card in [page_card.split("/")]
        if page == "executive-overview"
    }
    shown = {
        next(prefix for prefix in expected if card.label.startswith(prefix)): card.proto.help
        for card in at.metric
    }
    assert shown.keys() == expected.keys() and len(at.metric) == 9
    for prefix, metric in expected.items():
        assert shown[prefix].endswith(f"(http://docs.example/#!/metric/metric.medops.{metric})")
