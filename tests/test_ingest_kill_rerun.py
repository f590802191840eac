"""Kill the loader at random points, many times, then let it finish: nothing lost, nothing twice."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ingest.load import ingest_path
from medops.generator import generate_exports

pytestmark = pytest.mark.slow

TRIALS = 4
KILLS_PER_TRIAL = 2
LOADER = """
import sys
from pathlib import Path
import duckdb
from ingest.load import ingest_path
con = duckdb.connect(sys.argv[1])
ingest_path(con, Path(sys.argv[2]))
con.close()
"""


def snapshot(db: Path) -> dict:
    """Everything a load leaves behind, in a form that compares across warehouses."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'raw' "
                "and not starts_with(table_name, '_') order by 1"
            ).fetchall()
        ]
        state = {
            table: con.execute(
                f"select _file_name, _row_number from raw.{table} order by 1, 2"
            ).fetchall()
            for table in tables
        }
        state["_quarantine"] = con.execute(
            "select file_name, row_number, reason from raw._ingest_quarantine order by 1, 2, 3"
        ).fetchall()
        state["_ledger"] = con.execute(
            "select file_name, rows_read, rows_loaded, rows_quarantined from raw._ingest_ledger "
            "where superseded_by is null order by 1"
        ).fetchall()
        return state
    finally:
        con.close()


def test_killed_loads_rerun_to_exactly_the_uninterrupted_result(tmp_path):
    exports = tmp_path / "exports"
    generate_exports(exports, scale=0.02, seed=3, dirty_rate=0.01)

    reference_db = tmp_path / "reference.duckdb"
    con = duckdb.connect(str(reference_db))
    ingest_path(con, exports)
    con.close()
    expected = snapshot(reference_db)

    started = time.monotonic()
    run_loader(tmp_path / "timing.duckdb", exports)
    full_load_seconds = time.monotonic() - started

    rng = random.Random(20261122)
    killed_mid_load = 0
    for trial in range(TRIALS):
        tortured_db = tmp_path / f"tortured_{trial}.duckdb"
        for _ in range(KILLS_PER_TRIAL):
            loader = subprocess.Popen(loader_command(tortured_db, exports))
            time.sleep(rng.uniform(0.2, 0.9 * full_load_seconds))
            if loader.poll() is None:
                loader.send_signal(signal.SIGKILL)
                killed_mid_load += 1
            loader.wait()
        run_loader(tortured_db, exports)
        assert_same_load(snapshot(tortured_db), expected)
    assert killed_mid_load >= TRIALS, "the loads finished before the kills: widen the window"


def loader_command(db: Path, exports: Path) -> list[str]:
    return [sys.executable, "-c", LOADER, str(db), str(exports)]


def run_loader(db: Path, exports: Path) -> None:
    subprocess.run(loader_command(db, exports), check=True)


def assert_same_load(got: dict, expected: dict) -> None:
    assert got.keys() == expected.keys()
    for table, rows in expected.items():
        assert got[table] == rows, table
        assert len(set(got[table])) == len(got[table]), f"duplicates in {table}"
    assert sum(len(rows) for table, rows in got.items() if not table.startswith("_")) > 50_000
