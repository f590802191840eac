"""The cockpit page benchmark's function (``benchmarks/cockpit_pages.measure_pages``, which
``medops bench`` calls) runs every page of a role through the real app and reports times; no
figure is asserted (speed is measured by the benchmark, not by tests)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

from cockpit_pages import measure_pages, pages_of  # noqa: E402

from dashboards.access import FULL_ACCESS  # noqa: E402


def test_measure_pages_reports_the_pages_of_the_role(cockpit_home: Path) -> None:
    executive_pages = {p.removeprefix("pages/").removesuffix(".py") for p in pages_of(FULL_ACCESS)}
    assert "sales_funnel" in executive_pages and "admin_users" not in executive_pages
    rows = measure_pages(
        cockpit_home / "published.duckdb",
        roles=("executive",),
        repeats=2,
        pages=("sales_funnel", "executive_overview", "admin_users"),
    )
    assert [row.page for row in rows] == ["executive_overview", "sales_funnel"]  # not admin's
    for row in rows:
        assert row.role == "executive" and row.runs == 2
        assert 0 < row.cold_p50_s <= row.cold_p95_s and 0 < row.warm_p50_s <= row.warm_p95_s
