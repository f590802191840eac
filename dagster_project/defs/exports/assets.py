"""Raw layer: one asset per export source, all filled by one ingest step over a drop folder."""

import os
from pathlib import Path

import dagster as dg

from dagster_project.resources import WarehouseResource
from ingest.contracts import load_contracts
from ingest.load import ingest_path
from medops.settings import paths

CONTRACTS = load_contracts()


def raw_asset_key(system: str, source: str) -> dg.AssetKey:
    """The key dagster-dbt gives the dbt source of the same table, so lineage connects."""
    return dg.AssetKey([system, source])


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
    name="raw_exports",
)
def raw_exports(
    context: dg.AssetExecutionContext, config: ExportsConfig, warehouse: WarehouseResource
):
    """Load every new or changed export file of the drop folder; quarantine what breaks."""
    with warehouse.connect() as con:
        reports = ingest_path(con, Path(config.exports_dir), CONTRACTS)
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
