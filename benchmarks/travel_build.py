"""Time the travel models (geocoding, distances, audits, marts) on an already built warehouse.

Usage: ``MEDOPS_HOME=... python benchmarks/travel_build.py`` after ``medops run``. Runs
``dbt run`` on the travel seeds' descendants in intermediate/travel and marts/travel only
(their inputs, the staging views, are already there) and prints each model's seconds from
dbt's run_results.json, the wall clock and the row counts the models worked on.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from medops.settings import DBT_PROJECT_DIR, paths

SELECTION = ["intermediate.travel", "marts.travel"]
COUNTS = {
    "offices and customers located": "select count(*) from intermediate.int_geo__locations",
    "in-person visits measured": "select count(*) from marts.fct_visit_checkins",
    "rep days routed": "select count(*) from marts.fct_rep_day_routes",
    "claims audited": "select count(*) from marts.fct_claim_audit",
}


def main() -> None:
    dbt = str(Path(sys.executable).parent / "dbt")
    started = time.perf_counter()
    subprocess.run([dbt, "run", "--quiet", "--select", *SELECTION], cwd=DBT_PROJECT_DIR, check=True)
    wall = time.perf_counter() - started
    results = json.loads((DBT_PROJECT_DIR / "target" / "run_results.json").read_text())
    for result in sorted(results["results"], key=lambda r: -r["execution_time"]):
        sys.stdout.write(f"{result['unique_id']:<50} {result['execution_time']:7.1f} s\n")
    sys.stdout.write(f"{'dbt run wall clock (incl. start-up)':<50} {wall:7.1f} s\n")
    con = duckdb.connect(str(paths().warehouse), read_only=True)
    try:
        for label, sql in COUNTS.items():
            sys.stdout.write(f"{label:<50} {con.execute(sql).fetchone()[0]:>9,}\n")
    finally:
        con.close()


if __name__ == "__main__":
    main()
