"""Raw layer: one asset per export source, all filled by one ingest step over a drop folder.

The same step validates every raw table against the expectations derived from its contract
(ingest/validation.py) and reports each as the asset check `raw_expectations`. These checks warn
and do not block: the build goes on and the cockpit shows what failed. The expectations on the
columns a contract marks `critical: true` are also reported as `critical_expectations`, a
blocking check: when one fails, nothing downstream is built and nothing is published.
"""

import os
from pathlib import Path

import dagster as dg

from dagster_project.resources import WarehouseResource
from ingest.contracts import load_contracts
from ingest.load import RAW_SCHEMA, ingest_path
from ingest.validation import ExpectationOutcome, validate_sources
from medops.settings import paths

CONTRACTS = load_contracts()
RAW_EXPECTATIONS = "raw_expectations"
CRITICAL_EXPECTATIONS = "critical_expectations"
# The ingest step's own tables, which dbt reads as the source `ingest_meta`.
INGEST_META_KEYS = [
    dg.AssetKey(["ingest_meta", table])
    for table in ("_ingest_ledger", "_ingest_quarantine", "_validation_results")
]


def raw_asset_key(contract) -> dg.AssetKey:
    """The key dagster-dbt gives the dbt source of the same raw table, so lineage connects.
    Several contracts may feed one table (a second CRM's export): they share the key."""
    return dg.AssetKey([contract.system, contract.table])


CONTRACTS_BY_KEY: dict[dg.AssetKey, list] = {}
for _contract in CONTRACTS:
    CONTRACTS_BY_KEY.setdefault(raw_asset_key(_contract), []).append(_contract)
# the raw tables whose contracts mark columns critical
CRITICAL_KEYS = [
    key
    for key, contracts in CONTRACTS_BY_KEY.items()
    if any(column.critical for contract in contracts for column in contract.columns)
]


def expectations_result(
    key: dg.AssetKey, outcomes: list[ExpectationOutcome], critical: bool = False
) -> dg.AssetCheckResult:
    """The check ``raw_expectations`` over all of a table's expectations (warns), or, with
    ``critical``, ``critical_expectations`` over its critical ones (blocks publishing)."""
    checked = [o for o in outcomes if o.critical] if critical else outcomes
    failed = [o for o in checked if not o.success]
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=CRITICAL_EXPECTATIONS if critical else RAW_EXPECTATIONS,
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR if critical else dg.AssetCheckSeverity.WARN,
        description="; ".join(o.describe() for o in failed) or None,
        metadata={
            "rows": outcomes[0].element_count if outcomes else 0,
            "expectations": len(checked),
            "failed": len(failed),
            "failed_expectations": dg.MetadataValue.json([o.as_dict() for o in failed]),
        },
    )


class ExportsConfig(dg.Config):
    # empty: $MEDOPS_EXPORTS_DIR, else the home's exports folder, both read when the step runs
    exports_dir: str = ""

    def folder(self) -> Path:
        if self.exports_dir:
            return Path(self.exports_dir)
        return Path(os.environ.get("MEDOPS_EXPORTS_DIR", str(paths().exports)))


@dg.multi_asset(
    specs=[
        *[
            dg.AssetSpec(
                key,
                description=" / ".join(c.description for c in contracts),
                group_name="raw",
                kinds={"duckdb", "polars"},
            )
            for key, contracts in CONTRACTS_BY_KEY.items()
        ],
        *[
            dg.AssetSpec(
                key,
                description="Ingest ledger, quarantine and validation results.",
                group_name="raw",
                kinds={"duckdb"},
            )
            for key in INGEST_META_KEYS
        ],
    ],
    check_specs=[
        dg.AssetCheckSpec(
            RAW_EXPECTATIONS,
            asset=key,
            description=(
                "Great Expectations suite derived from the contract: key unique per file, "
                "required columns not null, known codes, min/max bounds, ordered timestamps. "
                "Every run is kept in raw._validation_results."
            ),
        )
        for key in CONTRACTS_BY_KEY
    ]
    + [
        dg.AssetCheckSpec(
            CRITICAL_EXPECTATIONS,
            asset=key,
            blocking=True,
            description="The expectations on the columns the contract marks critical (the "
            "amounts finance reads): when one fails, nothing is built or published from it.",
        )
        for key in CRITICAL_KEYS
    ],
    name="raw_exports",
)
def raw_exports(
    context: dg.AssetExecutionContext, config: ExportsConfig, warehouse: WarehouseResource
):
    """Load every new or changed export file of the drop folder; quarantine what breaks;
    validate every raw table."""
    # closed before the step ends: dbt opens the warehouse next, from another process
    with warehouse.connect() as con:
        reports = ingest_path(con, config.folder(), CONTRACTS)
        outcomes = validate_sources(con, CONTRACTS, run_id=context.run.run_id)
    # the raw tables and ingest's own (ledger, quarantine, validation) go to the engine that
    # builds the models: nothing to do on DuckDB, Parquet registered in Spark's catalog on Spark
    warehouse.engine.hand_over((RAW_SCHEMA,))
    for report in reports:
        # a rejection says why, and which earlier version of the file stays in force
        log = context.log.warning if report.status == "rejected" else context.log.info
        log(
            f"{report.file}: {report.status}, read {report.rows_read}, loaded "
            f"{report.rows_loaded}, quarantined {report.rows_quarantined} {report.reasons or ''}"
            + (f" ({report.message})" if report.message else "")
        )
    by_source: dict[str | None, list] = {}
    for report in reports:
        by_source.setdefault(report.source, []).append(report)
    for key, contracts in CONTRACTS_BY_KEY.items():
        table_reports = [r for c in contracts for r in by_source.get(c.source, [])]
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                "files": [r.file for r in table_reports],
                "rows_read": sum(r.rows_read for r in table_reports),
                "rows_loaded": sum(r.rows_loaded for r in table_reports),
                "rows_quarantined": sum(r.rows_quarantined for r in table_reports),
            },
        )
    for key in INGEST_META_KEYS:
        yield dg.MaterializeResult(asset_key=key)
    unmatched = [r.file for r in by_source.get(None, []) if r.status == "rejected"]
    if unmatched:
        context.log.warning(f"files quarantined whole (no contract or unreadable): {unmatched}")
    for key, contracts in CONTRACTS_BY_KEY.items():
        table_outcomes = [o for c in contracts for o in outcomes[c.source]]
        failed = [
            f"{o.expectation}({','.join(o.column_names)})" for o in table_outcomes if not o.success
        ]
        if failed:
            context.log.warning(
                f"{key.to_user_string()}: {len(failed)} of {len(table_outcomes)} expectations "
                f"failed: {'; '.join(failed)}"
            )
        yield expectations_result(key, table_outcomes)
        if key in CRITICAL_KEYS:
            yield expectations_result(key, table_outcomes, critical=True)
