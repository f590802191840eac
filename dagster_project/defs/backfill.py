"""Daily partitions over the landing archive, for backfills: partition ``YYYY-MM-DD`` is every
batch the landing sensor archived that day (``<drop>/archive/<date>/<batch>/``). Materializing a
range of partitions (``medops backfill --from --to``, or a backfill in the Dagster UI) loads
those batches again, oldest first, in one run: files already loaded with the same content are
skipped, so it restores what a lost or restored-from-backup warehouse is missing, and gives
files rejected under an older contract another try. Then the nightly job rebuilds the marts,
checks them and publishes: ``medops backfill`` runs it itself, and a backfill launched from the
Dagster UI has it launched by the sensor ``rebuild_after_backfill``.
"""

import dagster as dg

from dagster_project.defs.landing import ARCHIVE, drop_folder
from dagster_project.defs.schedules import (
    WAREHOUSE_RUN_TAGS,
    nightly_warehouse_job,
    serialized_warehouse_executor,
)
from dagster_project.resources import WarehouseResource
from ingest.contracts import load_contracts
from ingest.load import ingest_path

BACKFILL_GROUP = "backfill"
ARCHIVE_DAYS = dg.DailyPartitionsDefinition(
    start_date="2024-01-01", timezone="Asia/Shanghai", end_offset=1
)
# the archive's folder of files found again (same content as an archived one): not a batch
DUPLICATES = "duplicates"


@dg.asset(
    partitions_def=ARCHIVE_DAYS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name=BACKFILL_GROUP,
    kinds={"duckdb", "polars"},
    description="The landing archive's batches of a day, loaded (again) into the raw layer.",
)
def archived_exports(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    archive = drop_folder() / ARCHIVE
    days = sorted(context.partition_keys)
    batches = [
        batch
        for day in days
        if (archive / day).is_dir()
        for batch in sorted((archive / day).iterdir(), key=lambda b: b.stat().st_mtime_ns)
        if batch.is_dir() and batch.name != DUPLICATES
    ]
    contracts = load_contracts()
    statuses: dict[str, int] = {}
    with warehouse.connect() as con:
        for batch in batches:
            for report in ingest_path(con, batch, contracts):
                statuses[report.status] = statuses.get(report.status, 0) + 1
                context.log.info(f"{batch.parent.name}/{batch.name}/{report.file}: {report.status}")
    context.log.info(f"{len(batches)} batches of {days[0]}..{days[-1]}: {statuses}")
    return dg.MaterializeResult(
        metadata={"days": len(days), "batches": len(batches), "files": statuses}
    )


# `medops backfill` tags its run so: it runs the nightly job itself (the daemon may not be up)
REBUILT_BY_CALLER_TAG = {"medops/rebuild": "by-caller"}

backfill_archive_job = dg.define_asset_job(
    "backfill_archive",
    selection=dg.AssetSelection.assets(archived_exports),
    description="Load a date range of the landing archive again (a backfill); then run the "
    "nightly job to rebuild and publish.",
    executor_def=serialized_warehouse_executor,
    tags=WAREHOUSE_RUN_TAGS,
)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[backfill_archive_job],
    request_job=nightly_warehouse_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a backfill of the archive succeeded, runs the nightly job once to rebuild "
    "the marts from the restored raw layer, check and publish them.",
)
def rebuild_after_backfill(context: dg.RunStatusSensorContext):
    backfill = context.dagster_run
    if REBUILT_BY_CALLER_TAG.items() <= backfill.tags.items():
        return dg.SkipReason(f"backfill run {backfill.run_id} rebuilds by itself (medops backfill)")
    # one rebuild per backfill run, however often the sensor sees it
    return dg.RunRequest(run_key=f"rebuild-after-{backfill.run_id}")
