"""Customer matching at scale: `python benchmarks/customer_matching.py EXPORTS_DIR`.

Ingests the drop's CRM accounts file into a temporary DuckDB file (the real reader, contracts
and quarantine), then times `match_accounts` on those records (normalization, blocking,
scoring, clustering) and reports the pairwise precision and recall against the drop's planted
duplicates (`_answer_key/duplicate_customers.csv`). Results go to BENCHMARKS.md by hand.
"""

from __future__ import annotations

import itertools
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl

from ingest.contracts import load_contracts
from ingest.load import export_files, ingest_file
from medops.customers.matching import ACCOUNT_COLUMNS, match_accounts


def _pairs(frame: pl.DataFrame, key: str) -> set[tuple[str, str]]:
    groups = frame.group_by(key).agg("account_id")["account_id"].to_list()
    return {pair for ids in groups for pair in itertools.combinations(sorted(ids), 2)}


def main(exports: Path) -> None:
    contracts = load_contracts()
    [accounts_file] = [p for p in export_files(exports) if p.name.startswith("crm_accounts_")]
    with tempfile.TemporaryDirectory() as folder:
        con = duckdb.connect(str(Path(folder) / "bench.duckdb"))
        started = time.perf_counter()
        ingest_file(con, accounts_file, contracts)
        ingest_seconds = time.perf_counter() - started
        accounts = con.sql(f"select {', '.join(ACCOUNT_COLUMNS)} from raw.crm_accounts").pl()
        con.close()

    started = time.perf_counter()
    matches, pairs = match_accounts(accounts)
    seconds = time.perf_counter() - started

    answer = pl.read_csv(
        exports / "_answer_key" / "duplicate_customers.csv",
        schema_overrides={"golden_customer_id": pl.Utf8, "account_id": pl.Utf8},
    )
    truth = _pairs(answer, "golden_customer_id")
    found = _pairs(matches, "golden_customer_id")
    hits = len(truth & found)
    sys.stdout.write(
        f"accounts file   {accounts_file.name}: {accounts.height:,} records, "
        f"ingested in {ingest_seconds:.1f} s\n"
        f"matching        {seconds:.1f} s: {pairs.height:,} candidate pairs, "
        f"{matches['golden_customer_id'].n_unique():,} golden customers\n"
        f"planted pairs   {len(truth):,}; matched pairs {len(found):,}; "
        f"precision {hits / len(found):.4f}; recall {hits / len(truth):.4f}\n"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
