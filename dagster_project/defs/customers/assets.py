"""Customer matching between the dbt layers: staging accounts in, golden-customer mapping out.

dbt reads the two tables this step writes as the source `matching`, so the dbt build runs in
two steps around it (staging accounts, then the customer marts).
"""

import dagster as dg

from dagster_project.resources import WarehouseResource
from medops.customers.matching import ACCOUNT_COLUMNS, match_accounts

STAGING_ACCOUNTS = dg.AssetKey(["staging", "stg_crm__accounts"])
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
    """Match the staging accounts into golden customers (medops.customers.matching)."""
    with warehouse.connect() as con:
        accounts = con.sql(
            f"select {', '.join(ACCOUNT_COLUMNS)} from staging.stg_crm__accounts"
        ).pl()
        matches, pairs = match_accounts(accounts)
        con.execute("create schema if not exists matching")
        for table, frame in (
            ("customer_account_matches", matches),
            ("customer_match_pairs", pairs),
        ):
            con.register("frame_view", frame.to_arrow())
            con.execute(f"create or replace table matching.{table} as select * from frame_view")
            con.unregister("frame_view")
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
