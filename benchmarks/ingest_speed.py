"""Ingest and Great Expectations validation against Polars reading the same files.

    python benchmarks/ingest_speed.py EXPORTS_DIR [--repeat 3]

Per repeat, in this order: every export file read by Polars alone (``polars_raw_read`` of
``medops.bench.pipeline``: decoded, split into string columns, no checks), then the same files
ingested into a fresh DuckDB file (``ingest_path``: the reader worker, conform, quarantine,
ledger), then the raw tables validated (``validate_sources``). Both wall-clock seconds and CPU
seconds (this process and the reader worker, all threads) are printed per format; the CPU
seconds are what to compare on a shared machine, where wall-clock time depends on the load.
Run it twice back to back (once on each version of the code) to compare versions. See
docs/ingest-speed.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from ingest.contracts import load_contracts, matching_contracts
from ingest.load import export_files, ingest_file
from ingest.worker import shared_reader
from medops.bench.pipeline import polars_raw_read

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def reader_cpu_seconds() -> float:
    """CPU seconds the reader worker has used so far (0 before it starts)."""
    process = shared_reader._process
    if process is None or process.poll() is not None:
        return 0.0
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class Clock:
    """Wall and CPU seconds of a block (CPU: this process and the reader worker)."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time() + reader_cpu_seconds()
        return self

    def __exit__(self, *_) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() + reader_cpu_seconds() - self.cpu


def one_repeat(exports: Path, contracts: list) -> dict:
    files = [(p, matching_contracts(p.name, contracts)) for p in export_files(exports)]
    files = [(p, matched[0]) for p, matched in files if len(matched) == 1]
    figures: dict[str, dict[str, float]] = {}

    def add(key: str, clock: Clock) -> None:
        entry = figures.setdefault(key, {"wall": 0.0, "cpu": 0.0})
        entry["wall"] += clock.wall
        entry["cpu"] += clock.cpu

    for path, contract in files:
        fmt = path.suffix.lower().lstrip(".")
        with Clock() as clock:
            polars_raw_read(path, contract)
        add(f"raw_{fmt}", clock)
    with tempfile.TemporaryDirectory(prefix="ingest-speed-") as folder:
        con = duckdb.connect(str(Path(folder) / "warehouse.duckdb"))
        for path, _ in files:
            fmt = path.suffix.lower().lstrip(".")
            with Clock() as clock:
                ingest_file(con, path, contracts)
            add(f"ingest_{fmt}", clock)
        from ingest import validation

        with Clock() as clock:
            validation._gx()
        add("gx_import", clock)
        with Clock() as clock:
            validation.validate_sources(con, contracts, "ingest-speed")
        add("gx_validation", clock)
        con.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("exports", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the medians here too")
    args = parser.parse_args()
    contracts = load_contracts()
    # the reader worker's start (an interpreter importing Polars) is a cost of the run, not of
    # a file: started before the clocks
    first = export_files(args.exports)[0]
    shared_reader.read(first, matching_contracts(first.name, contracts)[0])
    repeats = [one_repeat(args.exports, contracts) for _ in range(args.repeat)]
    medians = {
        key: {m: statistics.median(r[key][m] for r in repeats) for m in ("wall", "cpu")}
        for key in repeats[0]
    }
    medians["gx_import"] = repeats[0]["gx_import"]  # paid once per process, by the first
    lines = [f"{'figure':16s} {'wall s':>8s} {'cpu s':>8s}"]
    lines += [f"{key:16s} {e['wall']:8.2f} {e['cpu']:8.2f}" for key, e in medians.items()]
    for fmt in ("csv", "xlsx"):
        if f"raw_{fmt}" in medians:
            raw, ingest = medians[f"raw_{fmt}"], medians[f"ingest_{fmt}"]
            lines.append(
                f"{fmt}: ingest / raw read = {ingest['wall'] / raw['wall']:.1f} (wall), "
                f"{ingest['cpu'] / raw['cpu']:.1f} (cpu)"
            )
    sys.stdout.write("\n".join(lines) + "\n")
    if args.json:
        args.json.write_text(json.dumps(medians, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
