"""Customer matching between the dbt layers: staging accounts in, golden-customer mapping out.

dbt reads the two tables this step writes as the source `matching`, so the dbt build runs in
two steps around it (staging accounts, then the customer marts).
"""

import dagster as dg
import duckdb
import polars as pl

from dagster_project.resources import WarehouseResource
from medops.build_changes import (
    BUILD_TAG,
    FULL_BUILD,
    content_fingerprint,
    files_fingerprint,
    table_exists,
)
from medops.customers.matching import ACCOUNT_COLUMNS, match_accounts
from medops.customers.normalize import SEEDS_DIR
from medops.settings import REPO_ROOT

STAGING_ACCOUNTS = dg.AssetKey(["staging", "stg_crm__accounts"])
STAGING_ACCOUNTS_RELATION = "staging.stg_crm__accounts"
ACCOUNTS_QUERY = f"select {', '.join(ACCOUNT_COLUMNS)} from {STAGING_ACCOUNTS_RELATION}"
MATCHING_SCHEMA = "matching"
# the fingerprint of the accounts the two tables were matched from, written with them
MATCHED_ACCOUNTS = "matching._matched_accounts"
ACCOUNT_MATCHES = dg.AssetKey(["matching", "customer_account_matches"])
MATCH_PAIRS = dg.AssetKey(["matching", "customer_match_pairs"])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ACCOUNT_MATCHES,
            deps=[STAGING_ACCOUNTS],
            description="One row per CRM account record: its golden customer, score and evidence.",
            group_name="customers",
            kinds={"duckdb", "polars"},
        ),
        dg.AssetSpec(
            MATCH_PAIRS,
            deps=[STAGING_ACCOUNTS],
            description="One row per scored candidate pair of account records, with evidence.",
            group_name="customers",
            kinds={"duckdb", "polars"},
        ),
    ],
)
def customer_matching(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Match the staging accounts into golden customers (medops.customers.matching); when the
    accounts, the code and the analysts' rules are those of the last matching (most nights),
    keep it: the same input gives the same output, and matching is the run's second-largest
    Python step. The two tables go to the engine that builds the models (on Spark, as Parquet)."""
    engine = warehouse.engine
    engine.extract([STAGING_ACCOUNTS_RELATION])
    with warehouse.connect() as con, engine.models(con) as models:
        # the accounts, the matching code and the analysts' rules and decisions (seeds/)
        fingerprint = ":".join(
            [
                content_fingerprint(models, ACCOUNTS_QUERY),
                files_fingerprint(REPO_ROOT / "medops", "*.py"),
                files_fingerprint(SEEDS_DIR, "*.csv"),
            ]
        )
        full_build = context.run.tags.get(BUILD_TAG) == FULL_BUILD
        kept = not full_build and _matched_fingerprint(con) == fingerprint
        if not kept:
            matches, pairs = match_accounts(models.sql(ACCOUNTS_QUERY).pl())
            _write_matching(con, matches, pairs, fingerprint)
    # after the warehouse is closed: Spark's hand-over reads it
    engine.hand_over((MATCHING_SCHEMA,))
    if kept:
        context.log.info("the accounts are those matched last time: matching kept")
        for key in (ACCOUNT_MATCHES, MATCH_PAIRS):
            yield dg.MaterializeResult(asset_key=key, metadata={"rebuilt": False})
        return
    golden = matches["golden_customer_id"].n_unique()
    context.log.info(f"{matches.height} account records -> {golden} golden customers")
    yield dg.MaterializeResult(
        asset_key=ACCOUNT_MATCHES,
        metadata={"account_records": matches.height, "golden_customers": golden},
    )
    yield dg.MaterializeResult(
        asset_key=MATCH_PAIRS,
        metadata={
            "pairs": pairs.height,
            "matched_pairs": pairs.filter(pairs["pair_decision"] == "match").height,
        },
    )


def _write_matching(
    con: duckdb.DuckDBPyConnection, matches: pl.DataFrame, pairs: pl.DataFrame, fingerprint: str
) -> None:
    """Both tables and the fingerprint of the accounts they were matched from, at once."""
    con.execute(f"create schema if not exists {MATCHING_SCHEMA}")
    con.begin()
    for table, frame in (
        ("customer_account_matches", matches),
        ("customer_match_pairs", pairs),
    ):
        con.register("frame_view", frame.to_arrow())
        con.execute(f"create or replace table matching.{table} as select * from frame_view")
        con.unregister("frame_view")
    con.execute(f"create or replace table {MATCHED_ACCOUNTS} (fingerprint varchar)")
    con.execute(f"insert into {MATCHED_ACCOUNTS} values (?)", [fingerprint])
    con.commit()


def _matched_fingerprint(con) -> str | None:
    """The fingerprint the matching tables were written with; None before the first."""
    tables = ("_matched_accounts", "customer_account_matches", "customer_match_pairs")
    if not all(table_exists(con, "matching", table) for table in tables):
        return None
    return con.execute(f"select fingerprint from {MATCHED_ACCOUNTS}").fetchall()[0][0]
