"""Raw layer: one asset per export source, all filled by one ingest step over a drop folder.

The same step validates every raw table against the expectations derived from its contract
(ingest/validation.py) and reports each as the asset check `raw_expectations`. The checks warn
and do not block: the build goes on and the cockpit shows what failed.
"""

import os
from pathlib import Path

import dagster as dg

from dagster_project.resources import WarehouseResource
from ingest.contracts import load_contracts
from ingest.load import ingest_path
from ingest.validation import ExpectationOutcome, validate_sources
from medops.settings import paths

CONTRACTS = load_contracts()
RAW_EXPECTATIONS = "raw_expectations"


def raw_asset_key(system: str, source: str) -> dg.AssetKey:
    """The key dagster-dbt gives the dbt source of the same table, so lineage connects."""
    return dg.AssetKey([system, source])


def raw_expectations_result(
    key: dg.AssetKey, outcomes: list[ExpectationOutcome]
) -> dg.AssetCheckResult:
    failed = [o for o in outcomes if not o.success]
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=RAW_EXPECTATIONS,
        passed=not failed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "rows": outcomes[0].element_count if outcomes else 0,
            "expectations": len(outcomes),
            "failed": len(failed),
            "failed_expectations": dg.MetadataValue.json([o.as_dict() for o in failed]),
        },
    )


class ExportsConfig(dg.Config):
    exports_dir: str = os.environ.get("MEDOPS_EXPORTS_DIR", str(paths().exports))


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            raw_asset_key(c.system, c.source),
            description=c.description,
            group_name="raw",
            kinds={"duckdb", "polars"},
        )
        for c in CONTRACTS
    ],
    check_specs=[
        dg.AssetCheckSpec(
            RAW_EXPECTATIONS,
            asset=raw_asset_key(c.system, c.source),
            description=(
                "Great Expectations suite derived from the contract: key unique per file, "
                "required columns not null, known codes, min/max bounds, ordered timestamps. "
                "Every run is kept in raw._validation_results."
            ),
        )
        for c in CONTRACTS
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
        reports = ingest_path(con, Path(config.exports_dir), CONTRACTS)
        outcomes = validate_sources(con, CONTRACTS, run_id=context.run.run_id)
    for report in reports:
        context.log.info(
            f"{report.file}: {report.status}, read {report.rows_read}, loaded "
            f"{report.rows_loaded}, quarantined {report.rows_quarantined} {report.reasons or ''}"
            + (f" ({report.message})" if report.message else "")
        )
    by_source: dict[str, list] = {}
    for report in reports:
        by_source.setdefault(report.source, []).append(report)
    for contract in CONTRACTS:
        source_reports = by_source.get(contract.source, [])
        yield dg.MaterializeResult(
            asset_key=raw_asset_key(contract.system, contract.source),
            metadata={
                "files": [r.file for r in source_reports],
                "rows_read": sum(r.rows_read for r in source_reports),
                "rows_loaded": sum(r.rows_loaded for r in source_reports),
                "rows_quarantined": sum(r.rows_quarantined for r in source_reports),
            },
        )
    unmatched = [r.file for r in by_source.get(None, []) if r.status == "rejected"]
    if unmatched:
        context.log.warning(f"files quarantined whole (no contract or unreadable): {unmatched}")
    for contract in CONTRACTS:
        source_outcomes = outcomes[contract.source]
        failed = [
            f"{o.expectation}({','.join(o.column_names)})" for o in source_outcomes if not o.success
        ]
        if failed:
            context.log.warning(
                f"{contract.source}: {len(failed)} of {len(source_outcomes)} expectations "
                f"failed: {'; '.join(failed)}"
            )
        yield raw_expectations_result(
            raw_asset_key(contract.system, contract.source), source_outcomes
        )
