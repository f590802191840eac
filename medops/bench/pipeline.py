"""The nightly run's steps called directly, without Dagster, each one timed.

Run as ``python -m medops.bench.pipeline HOME EXPORTS RESULT_JSON`` (a process of its own, so
that its peak memory is measured alone). The steps and their order are the nightly job's:
ingest, Great Expectations validation, ``dbt build`` of what precedes customer matching,
matching, ``dbt build`` of what reads the matches and precedes the forecast, the forecast,
``dbt build`` of the rest, publish. Alongside, the baselines of ingest: the same files read by
Polars with no validation, and by DuckDB's ``read_csv`` where DuckDB can decode the file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl

from medops.bench.proctree import StagePeaks
from medops.settings import DBT_NIGHTLY_BUILD, DBT_PROJECT_DIR, Paths

DBT = str(Path(sys.executable).parent / "dbt")
# dbt steps around the two Python steps, as the Dagster job splits them (dagster-dbt selects
# by asset; the same split in dbt's own selection syntax)
DBT_STEPS = {
    "before_matching": ["--exclude", "source:matching+", "source:forecast+"],
    "before_forecast": ["--select", "source:matching+", "--exclude", "source:forecast+"],
    "after_forecast": ["--select", "source:forecast+"],
}
DUCKDB_ENCODINGS = ("utf-8", "utf-8-sig")


def _timed(function, *args):
    started = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - started


def polars_raw_read(path: Path, contract) -> int:
    """Rows of ``path`` read by Polars alone: decoded, split into string columns, no checks."""
    from ingest.readers import detect_encoding

    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        import fastexcel

        sheet = fastexcel.read_excel(str(path)).load_sheet(
            contract.sheet, header_row=contract.header_row - 1, dtypes="string"
        )
        return sheet.to_polars().height
    if suffix == ".jsonl":
        return pl.read_ndjson(path).height
    data = path.read_bytes()
    encoding = detect_encoding(data) if contract.encoding == "auto" else contract.encoding
    if encoding not in DUCKDB_ENCODINGS:  # Polars reads UTF-8 only
        data = data.decode(encoding).encode("utf-8")
    frame = pl.read_csv(
        data,
        separator=contract.delimiter,
        skip_rows=contract.header_row - 1,
        infer_schema=False,
        truncate_ragged_lines=True,
        quote_char='"',
    )
    return frame.height


def duckdb_read_csv(path: Path, contract) -> int | None:
    """Rows of ``path`` loaded into a table by DuckDB's ``read_csv``; None where DuckDB cannot
    decode the file here (GB18030 needs the encodings extension, which cannot be downloaded)."""
    from ingest.readers import detect_encoding

    if path.suffix.lower() != ".csv":
        return None
    encoding = detect_encoding(path.read_bytes()[:65536])
    if contract.encoding not in ("auto", *DUCKDB_ENCODINGS) or encoding not in DUCKDB_ENCODINGS:
        return None
    con = duckdb.connect()
    try:
        con.execute(
            "create table t as select * from read_csv(?, all_varchar = true, header = true, "
            "skip = ?, delim = ?, strict_mode = false, ignore_errors = true)",
            [str(path), contract.header_row - 1, contract.delimiter],
        )
        return con.execute("select count(*) from t").fetchone()[0]
    finally:
        con.close()


def ingest_stage(con: duckdb.DuckDBPyConnection, exports: Path) -> list[dict]:
    """Every export file ingested one at a time (the order of ``ingest_path``), timed."""
    from ingest.contracts import load_contracts
    from ingest.load import ensure_ledger, ensure_raw_table, export_files, ingest_file

    contracts = load_contracts()
    ensure_ledger(con)
    for contract in contracts:
        ensure_raw_table(con, contract)
    files = []
    for path in export_files(exports):
        report, seconds = _timed(ingest_file, con, path, contracts)
        files.append(
            {
                "file": path.name,
                "format": path.suffix.lower().lstrip("."),
                "bytes": path.stat().st_size,
                "rows_read": report.rows_read,
                "rows_loaded": report.rows_loaded,
                "rows_quarantined": report.rows_quarantined,
                "status": report.status,
                "seconds": seconds,
            }
        )
    return files


def ingest_baselines(files: list[dict], exports: Path) -> None:
    """Add to each file's entry the seconds of the two baseline reads of the same file."""
    from ingest.contracts import load_contracts, matching_contracts
    from ingest.load import export_files

    contracts = load_contracts()
    for entry, path in zip(files, export_files(exports), strict=True):
        matched = matching_contracts(path.name, contracts)
        if not matched:
            continue
        _, entry["polars_seconds"] = _timed(polars_raw_read, path, matched[0])
        rows, seconds = _timed(duckdb_read_csv, path, matched[0])
        entry["duckdb_seconds"] = seconds if rows is not None else None


def dbt_step(home: Path, name: str, selection: list[str], keep: Path) -> dict:
    """One ``dbt build`` as the nightly job runs it; its run_results.json and manifest.json
    are kept in ``keep`` (the report splits the time by layer, the baseline replays its SQL)."""
    env = {**os.environ, "MEDOPS_HOME": str(home), "DBT_INDIRECT_SELECTION": "buildable"}
    started = time.perf_counter()
    done = subprocess.run(
        [DBT, *DBT_NIGHTLY_BUILD, "--quiet", *selection],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"dbt build ({name}) failed:\n{done.stdout[-4000:]}{done.stderr[-2000:]}")
    keep.mkdir(parents=True, exist_ok=True)
    for artefact in ("run_results.json", "manifest.json"):
        shutil.copyfile(DBT_PROJECT_DIR / "target" / artefact, keep / f"{name}.{artefact}")
    return {"step": name, "seconds": seconds}


def matching_stage(con: duckdb.DuckDBPyConnection) -> int:
    from medops.customers.matching import ACCOUNT_COLUMNS, match_accounts

    accounts = con.sql(f"select {', '.join(ACCOUNT_COLUMNS)} from staging.stg_crm__accounts").pl()
    matches, pairs = match_accounts(accounts)
    con.execute("create schema if not exists matching")
    for table, frame in (("customer_account_matches", matches), ("customer_match_pairs", pairs)):
        con.register("frame_view", frame.to_arrow())
        con.execute(f"create or replace table matching.{table} as select * from frame_view")
        con.unregister("frame_view")
    return matches.height


def forecast_stage(con: duckdb.DuckDBPyConnection) -> int:
    from medops.forecast import store
    from medops.forecast.timeseries import forecast_all_origins

    settings = store.read_settings(con)
    time_series = forecast_all_origins(store.read_actuals(con), settings)
    store.write_time_series(con, time_series)
    now = dt.datetime.now()
    rows = store.snapshot_rows(time_series, store.read_weighted_latest(con), now.date(), now)
    store.freeze_snapshot(con, now.date(), rows)
    return time_series.height


def run_direct(home: Path, exports: Path, artefacts: Path) -> dict:
    """The whole nightly run without Dagster; seconds and peak memory (bytes, the process
    tree's, dbt's processes included) per stage."""
    home.mkdir(parents=True, exist_ok=True)
    paths = Paths(home=home)
    stages: dict[str, float] = {}
    started = time.perf_counter()
    with StagePeaks() as peaks:

        def stage(name: str, function, *args):
            with peaks.stage(name):
                value, stages[name] = _timed(function, *args)
            return value

        def dbt(name: str) -> dict:
            with peaks.stage(f"dbt {name}"):
                return dbt_step(home, name, DBT_STEPS[name], artefacts)

        con = duckdb.connect(str(paths.warehouse))
        files = stage("ingest", ingest_stage, con, exports)
        from ingest import validation
        from ingest.contracts import load_contracts

        stage("gx_import", validation._gx)
        stage("gx_validation", validation.validate_sources, con, load_contracts(), "bench-direct")
        con.close()
        dbt_steps = [dbt("before_matching")]
        con = duckdb.connect(str(paths.warehouse))
        stage("customer_matching", matching_stage, con)
        con.close()
        dbt_steps.append(dbt("before_forecast"))
        con = duckdb.connect(str(paths.warehouse))
        stage("forecasts", forecast_stage, con)
        con.close()
        dbt_steps.append(dbt("after_forecast"))
        from medops.publish import publish_marts

        stage("publish", publish_marts, paths, "bench-direct", [])
    seconds = time.perf_counter() - started
    ingest_baselines(files, exports)
    return {
        "stages": stages,
        "stage_peak_rss": peaks.peaks,
        "dbt_steps": dbt_steps,
        "files": files,
        "seconds": seconds,
    }


def main() -> None:
    home, exports, result = (Path(arg) for arg in sys.argv[1:4])
    outcome = run_direct(home, exports, result.parent / f"{result.stem}_dbt")
    result.write_text(json.dumps(outcome, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
