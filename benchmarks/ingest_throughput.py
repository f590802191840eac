"""Ingest throughput per export format: `python benchmarks/ingest_throughput.py EXPORTS_DIR`.

Loads every file of a drop into a fresh DuckDB file, one file at a time, and prints rows per
second for each file and for each format (CSV, xlsx). Results go to BENCHMARKS.md by hand.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb

from ingest.contracts import load_contracts
from ingest.load import export_files, ingest_file


def main(exports: Path) -> None:
    contracts = load_contracts()
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0])
    with tempfile.TemporaryDirectory() as folder:
        con = duckdb.connect(str(Path(folder) / "bench.duckdb"))
        for path in export_files(exports):
            started = time.perf_counter()
            report = ingest_file(con, path, contracts)
            seconds = time.perf_counter() - started
            fmt = path.suffix.lstrip(".")
            totals[fmt][0] += report.rows_read
            totals[fmt][1] += seconds
            totals[fmt][2] += path.stat().st_size
            sys.stdout.write(
                f"{path.name:48} {report.rows_read:>10,} rows {seconds:7.2f} s "
                f"{report.rows_read / seconds:>10,.0f} rows/s\n"
            )
        con.close()
    for fmt, (rows, seconds, size) in sorted(totals.items()):
        sys.stdout.write(
            f"{fmt:5} {rows:>10,} rows {size / 1e6:8.1f} MB {seconds:7.2f} s "
            f"{rows / seconds:>10,.0f} rows/s\n"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
