"""`medops bench`: the smoke run at scale 0.01 (so that the command never rots), and the
report's own pieces on hand-made input."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from medops.bench.cockpit import percentile
from medops.bench.dbt_costs import step_split
from medops.bench.report import (
    END_MARKER,
    START_MARKER,
    command_of,
    include_runs,
    ratios,
    summarize_scale,
    update_benchmarks_md,
)

MEDOPS = str(Path(sys.executable).parent / "medops")


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.5) == 50.0
    assert percentile([3.0], 0.95) == 3.0
    assert percentile([], 0.95) is None


def test_dbt_step_split_separates_start_up_from_the_nodes() -> None:
    timing = [
        {
            "name": "execute",
            "started_at": "2026-12-05T10:00:05Z",
            "completed_at": "2026-12-05T10:00:07Z",
        }
    ]
    later = [
        {
            "name": "execute",
            "started_at": "2026-12-05T10:00:06Z",
            "completed_at": "2026-12-05T10:00:09Z",
        }
    ]
    run_results = {
        "results": [
            {"unique_id": "model.medops.stg_a", "execution_time": 2.0, "timing": timing},
            {"unique_id": "test.medops.t", "execution_time": 3.0, "timing": later},
        ]
    }
    manifest = {
        "nodes": {
            "model.medops.stg_a": {
                "resource_type": "model",
                "fqn": ["medops", "staging", "crm", "stg_a"],
            },
            "test.medops.t": {"resource_type": "test", "fqn": ["medops", "t"]},
        }
    }
    split = step_split(10.0, run_results, manifest)
    assert split["nodes_span"] == pytest.approx(4.0)
    assert split["startup_and_parse"] == pytest.approx(6.0)
    assert split["by_group"] == {"staging": 2.0, "tests": 3.0}


def test_generated_section_replaces_only_its_own_part(tmp_path: Path) -> None:
    (tmp_path / "benchmarks").mkdir()
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG")
    document = tmp_path / "BENCHMARKS.md"
    document.write_text("# Benchmarks\n\n## Export generator\n\nkept\n", encoding="utf-8")
    update_benchmarks_md(document, f"{START_MARKER}\nfirst\n{END_MARKER}\n", chart)
    update_benchmarks_md(document, f"{START_MARKER}\nsecond\n{END_MARKER}\n", chart)
    text = document.read_text(encoding="utf-8")
    assert text.count(START_MARKER) == 1 and "second" in text and "first" not in text
    assert text.startswith("# Benchmarks\n") and text.endswith("## Export generator\n\nkept\n")
    assert (tmp_path / "benchmarks" / "bench_stage_times.png").read_bytes() == b"\x89PNG"


def _report(scales: list[float], started: str, **settings) -> dict:
    return {
        "started_at": started,
        "settings": {"scales": scales, "repeat": 1, "seed": 42, **settings},
        "scales": [{"scale": scale, "measured_at": started} for scale in scales],
    }


def test_a_separate_run_adds_only_the_scales_the_report_lacks() -> None:
    main = _report([0.1, 1], "day 1", incremental=True)
    scale_10 = _report([1, 10], "day 2", incremental=False)
    merged = include_runs(main, [scale_10])
    assert [(s["scale"], s["measured_at"]) for s in merged["scales"]] == [
        (0.1, "day 1"),
        (1, "day 1"),  # measured by this run: the earlier run's scale 1 is not taken
        (10, "day 2"),
    ]
    (header,) = merged["included"]
    assert header["started_at"] == "day 2" and header["settings"]["scales"] == [10]
    assert command_of(header["settings"]) == "medops bench --scales 10 --repeat 1 --no-incremental"
    assert command_of(main["settings"]) == "medops bench --scales 0.1,1 --repeat 1"
    assert include_runs(main, [main])["included"] == []  # nothing new: no header
    assert main["scales"] == merged["scales"][:2] and "included" not in main  # not changed


@pytest.mark.slow
@pytest.mark.long
@pytest.mark.browser
def test_bench_smoke_at_scale_001(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    env = {**os.environ, "MEDOPS_HOME": str(tmp_path / "home")}
    env.pop("DAGSTER_HOME", None)
    done = subprocess.run(
        [MEDOPS, "bench", "--scales", "0.01", "--repeat", "1", "--out", str(out),
         "--sessions", "3", "--session-seconds", "15"],
        env=env, capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["settings"]["scales"] == [0.01]
    (scale,) = report["scales"]
    summary = summarize_scale(scale)
    # every stage ran and took time; ingest read every row of the drop
    assert all(seconds > 0 for seconds in summary["stages"].values()), summary["stages"]
    ingested = sum(f["rows"] for f in summary["ingest_by_format"].values())
    assert ingested == scale["export_rows"]
    assert {"csv", "xlsx"} <= set(summary["ingest_by_format"])
    assert summary["dbt"]["steps"] == 3 and summary["dbt"]["models_replayed"] > 100
    assert {"staging", "intermediate", "marts", "tests"} <= set(
        summary["dbt"]["node_seconds_by_group"]
    )
    assert {"raw_exports", "customer_matching", "forecasts", "published_marts"} <= set(
        summary["dagster_steps"]
    )
    assert summary["nightly_run_peak_rss_gib"] > 0.1 and summary["warehouse_gib"] > 0
    # each stage's peak memory, dbt's steps included; the largest is the whole run's peak, as
    # sampled from outside the run (two samplers 0.2 s apart: within a quarter)
    peaks = summary["stage_peak_rss_gib"]
    assert {"ingest", "gx_validation", "dbt before_matching", "forecasts", "publish"} <= set(peaks)
    assert all(peak > 0.05 for peak in peaks.values()), peaks
    whole = summary["direct_run_peak_rss_gib"]
    assert 0.75 * whole <= max(peaks.values()) <= 1.25 * whole, (peaks, whole)
    # every ratio is a finite positive number
    found = ratios(summary)
    assert found and all(r is not None and math.isfinite(r) and r > 0 for r in found), found
    # the business clock agrees with the per-minute spine on every sample ticket
    assert summary["sla"]["disagreeing_tickets"] == 0
    # the cockpit: every page ran without an exception, queries were timed, none failed
    pages = summary["cockpit"]["pages"]
    assert {p["role"] for p in pages} == {"executive", "rep"}
    assert all(p["cold_errors"] == 0 and p["warm_errors"] == 0 for p in pages)
    assert summary["cockpit"]["queries_cold"]["count"] > 20
    assert summary["cockpit"]["during_publish"]["errors"] == 0
    assert summary["cockpit"]["during_publish"]["publish_exit_code"] == 0
    load = summary["sessions"]
    assert load["errors"] == 0, load["error_samples"]
    # two sessions in Chromium, the third over Streamlit's protocol: both kinds served pages
    assert load["browser_sessions"] == 2
    assert load["page_seconds"]["count"] > load["browser_page_seconds"]["count"] > 0
    # the one-day run after a full build of day N, both timed
    incremental = summary["incremental"]
    assert incremental["status"] == "measured"
    assert incremental["seconds"] > 0 and incremental["full_seconds"] > 0
    section = (out / "BENCHMARKS.section.md").read_text(encoding="utf-8")
    assert section.startswith(START_MARKER) and section.rstrip().endswith(END_MARKER)
    for heading in ("### Targets", "### Ingest by format", "### Business time", "### Cockpit"):
        assert heading in section
    assert (out / "bench_stage_times.png").read_bytes()[:4] == b"\x89PNG"


def test_run_parses_dbt_only_when_the_project_changed(tmp_path, monkeypatch) -> None:
    from medops import cli

    project = tmp_path / "dbt"
    (project / "models").mkdir(parents=True)
    (project / "target").mkdir()
    (project / "logs").mkdir()
    model = project / "models" / "stg_a.sql"
    model.write_text("select 1")
    manifest = project / "target" / "manifest.json"
    monkeypatch.setattr(cli, "DBT_PROJECT_DIR", project)
    assert not cli._manifest_is_current()  # never parsed
    manifest.write_text("{}")
    os.utime(model, (1_000_000, 1_000_000))
    os.utime(manifest, (2_000_000, 2_000_000))
    (project / "logs" / "dbt.log").write_text("written after the parse")
    assert cli._manifest_is_current()
    os.utime(model, (3_000_000, 3_000_000))  # a model edited after the parse
    assert not cli._manifest_is_current()


@pytest.mark.slow
def test_a_refused_login_is_a_failed_session_and_a_right_one_serves_pages(
    cockpit_home: Path, tmp_path: Path
) -> None:
    """The sessions harness over Streamlit's protocol, against a real cockpit server: with a
    password the users file does not hold, the login form comes back and the session is an
    error; with the right one, the session logs in and opens pages."""
    import asyncio
    import time

    from dashboards import users
    from medops.bench import sessions
    from medops.cli import _streamlit_command

    users_file = tmp_path / "users.yaml"
    users.add_user(sessions.USER, "压测", "executive", "another password", path=users_file)
    server = subprocess.Popen(
        _streamlit_command(8613, "127.0.0.1", headless=True),
        env=os.environ
        | {
            "MEDOPS_HOME": str(cockpit_home),
            "MEDOPS_USERS_FILE": str(users_file),
            "MEDOPS_AUDIT_DB": str(tmp_path / "audit.sqlite"),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = "http://127.0.0.1:8613"
    try:
        sessions._wait_healthy(url, server)
        times, errors = [], []
        asyncio.run(sessions._protocol_session(url, 0, time.monotonic(), times, errors))
        assert times == [] and len(errors) == 1 and "login was refused" in errors[0], errors

        users.add_user(sessions.USER, "压测", "executive", sessions.PASSWORD, path=users_file)
        asyncio.run(sessions._protocol_session(url, 0, time.monotonic(), times, errors))
        assert len(errors) == 1 and len(times) == 1, errors
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_stage_peaks_charge_memory_to_the_stage_that_holds_it() -> None:
    """A child process holding 300 MB during one stage: that stage's peak of the process tree
    is larger than the stages before and after it by about that much."""
    from medops.bench.proctree import StagePeaks

    hold = "import time; block = b'x' * (300 * 2**20); time.sleep(1.5)"  # written: resident
    with StagePeaks() as peaks:
        with peaks.stage("before"):
            subprocess.run([sys.executable, "-c", "import time; time.sleep(1)"], check=True)
        with peaks.stage("holding"):
            subprocess.run([sys.executable, "-c", hold], check=True)
        with peaks.stage("after"):
            subprocess.run([sys.executable, "-c", "import time; time.sleep(1)"], check=True)
    assert set(peaks.peaks) == {"before", "holding", "after"}
    grown = 250 * 2**20
    assert peaks.peaks["holding"] > peaks.peaks["before"] + grown, peaks.peaks
    assert peaks.peaks["holding"] > peaks.peaks["after"] + grown, peaks.peaks
