"""docs/ADD_A_METRIC.md followed from a fresh clone, as a new analyst would.

The repository is cloned into a temporary folder; the clone reuses this environment (a new
venv would install for minutes) and a copy of the shared build's warehouse (tests/conftest.py
``clean_build``), with the manifest of that build recorded as the last dev build's state. Then
every ``<!-- step: ... -->`` block of the walkthrough is applied to the clone literally and its
commands are run: ``make dev-build`` must build the changed mart and its unit test, the metadata
check must pass, and the new metric must equal a count computed here from the won deals.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import query

from medops.settings import REPO_ROOT

pytestmark = pytest.mark.slow

WALKTHROUGH = REPO_ROOT / "docs" / "ADD_A_METRIC.md"
STEP = re.compile(r"<!-- step: (\w+)(?: (\S+))? -->\n```\w*\n(.*?)```\n", re.S)
WITH = re.compile(r"\s*<!-- with -->\n```\w*\n(.*?)```\n", re.S)


def steps(text: str) -> list[tuple[str, str | None, str, str | None]]:
    """(action, file, block, replacement) of every marked step, in order."""
    found = []
    for match in STEP.finditer(text):
        action, path, block = match.groups()
        replacement = None
        if action == "replace":
            after = WITH.match(text, match.end())
            assert after, f"replace step for {path} has no <!-- with --> block"
            replacement = after.group(1)
        found.append((action, path, block, replacement))
    return found


def run(command: str, cwd: Path, env: dict) -> str:
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"{command}\n{result.stdout[-4000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def test_walkthrough_from_a_fresh_clone(clean_build, tmp_path):
    home, _exports, result = clean_build
    assert result.success
    clone = tmp_path / "medops"
    subprocess.run(["git", "clone", "--quiet", str(REPO_ROOT), str(clone)], check=True)
    # the walkthrough as committed in this checkout (the clone has the last commit's)
    shutil.copyfile(WALKTHROUGH, clone / "docs" / "ADD_A_METRIC.md")
    (clone / ".venv").symlink_to(Path(sys.executable).parent.parent)
    # make setup is done: the environment is this one (older than the clone's pyproject)
    os.utime(clone / "pyproject.toml", (0, 0))
    analyst_home = tmp_path / "home"
    analyst_home.mkdir()
    shutil.copyfile(home / "warehouse.duckdb", analyst_home / "warehouse.duckdb")
    env = {
        **os.environ,
        "MEDOPS_HOME": str(analyst_home),
        # the clone's code, not this checkout's editable install
        "PYTHONPATH": str(clone),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    # the state of the last build: the clone's project as it was built
    run("cd dbt && ../.venv/bin/dbt parse --quiet", clone, env)
    (analyst_home / "dbt-state").mkdir()
    shutil.copyfile(
        clone / "dbt" / "target" / "manifest.json",
        analyst_home / "dbt-state" / "manifest.json",
    )

    outputs = []
    for action, path, block, replacement in steps(WALKTHROUGH.read_text(encoding="utf-8")):
        target = clone / path if path else None
        if action == "create":
            assert not target.exists(), path
            target.write_text(block, encoding="utf-8")
        elif action == "append":
            target.write_text(target.read_text(encoding="utf-8") + block, encoding="utf-8")
        elif action == "replace":
            text = target.read_text(encoding="utf-8")
            assert text.count(block) == 1, f"{path}: the step's text must occur once"
            target.write_text(text.replace(block, replacement), encoding="utf-8")
        else:
            assert action == "run", action
            outputs.append(run(block, clone, env))
    assert len(outputs) == 2

    compiled, built = outputs
    assert "large_deals_won" in compiled and "product_line" in compiled
    # dev-build built the changed mart and its unit test, not the whole project
    assert "state:modified+" in built
    assert "large_deals_count_from_the_threshold_up" in built
    assert re.search(r"OK created sql table model marts\.rpt_deal_size_monthly", built)
    assert "stg_crm__accounts" not in built
    assert "metadata complete" in built

    # the metric equals a count over the won deals made here
    header, values = built.strip().splitlines()[-2:]
    figures = {k: float(v) for k, v in zip(header.split(), values.split(), strict=True)}
    [(large, won)] = query(
        analyst_home / "warehouse.duckdb",
        "select count(*) filter (where amount >= 1000000), count(*) from marts.rpt_sales_cycle",
    )
    assert won > 0 and 0 < large < won
    assert (figures["large_won_deals"], figures["won_deals_count"]) == (large, won)
    assert figures["large_deal_share"] == pytest.approx(large / won, abs=1e-5)  # printed rounded
    # the page's query and card compile in the clone
    run(".venv/bin/python -m ruff check dashboards && .venv/bin/python -c "
        "'import dashboards.data, dashboards.labels.sales_outcomes'", clone, env)  # fmt: skip
