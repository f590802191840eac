"""Time the receivables models on a warehouse that already holds an ingested drop.

    MEDOPS_HOME=/tmp/bench .venv/bin/python benchmarks/receivables_build.py

Runs `dbt run` on the receivables intermediate models and marts only (their upstream staging
views and seeds must exist, e.g. after `medops run`), then the receivables data tests, and
prints wall-clock seconds and the row counts of the biggest tables.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
DBT = str(Path(sys.executable).parent / "dbt")
SELECT = ["path:models/intermediate/receivables", "path:models/marts/receivables"]
TABLES = (
    "intermediate.int_ar_installments",
    "intermediate.int_ar_installment_balances",
    "marts.fct_ar_aging_snapshot",
    "marts.rpt_contract_compliance_exceptions",
)


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([DBT, *args, "--quiet"], cwd=REPO / "dbt", check=True)
    return time.perf_counter() - started


def main() -> None:
    home = Path(os.environ["MEDOPS_HOME"])
    seconds_run = timed(["run", "--select", *SELECT])
    seconds_test = timed(["test", "--select", *SELECT, "path:tests/receivables"])
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        counts = {
            table: con.execute(f"select count(*) from {table}").fetchone()[0] for table in TABLES
        }
        dates = con.execute(
            "select count(distinct as_of_date) from marts.fct_ar_aging_snapshot"
        ).fetchone()[0]
    finally:
        con.close()
    sys.stdout.write(f"dbt run (receivables models): {seconds_run:.1f} s\n")
    sys.stdout.write(f"dbt test (receivables tests): {seconds_test:.1f} s\n")
    sys.stdout.write(f"as-of dates: {dates}\n")
    for table, count in counts.items():
        sys.stdout.write(f"{table}: {count:,} rows\n")


if __name__ == "__main__":
    main()
