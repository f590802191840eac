"""Month-end close: freeze a month's receivables aging, DSO (AR KPIs), quota attainment and SLA
attainment into append-only tables of the schema ``closed``.

A closed month is written once and never again: a later correction in the exports changes the
marts, not the frozen rows, and shows as an adjustment (``closed.ar_kpis_adjustments``: the
marts' figure now minus the frozen one). The close runs on the first working day of the next
month (business calendar with 调休), after the nightly build.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb

from dagster_project.defs.schedules import WAREHOUSE_RUN_TAGS, serialized_warehouse_executor
from dagster_project.resources import WarehouseResource
from medops.business_calendar import is_working_day

CLOSE_TIMEZONE = ZoneInfo("Asia/Shanghai")
# frozen table -> (mart, the condition that picks the month's rows; $1 = month start)
CLOSED_TABLES = {
    "ar_kpis": ("rpt_ar_kpis_monthly", "month_start = $1"),
    "ar_aging": (
        "fct_ar_aging_snapshot",
        "is_month_end and as_of_date = last_day($1)",
    ),
    "quota_attainment": ("rpt_quota_attainment_monthly", "month_start = $1"),
    "sla_attainment": ("rpt_service_sla_attainment_monthly", "month_start = $1"),
}
ADJUSTMENTS_VIEW = """
create or replace view closed.ar_kpis_adjustments as
select
    frozen.closed_month,
    frozen.closed_at,
    frozen.outstanding_amount as closed_outstanding_amount,
    now_.outstanding_amount as current_outstanding_amount,
    now_.outstanding_amount - frozen.outstanding_amount as outstanding_adjustment,
    frozen.overdue_amount as closed_overdue_amount,
    now_.overdue_amount - frozen.overdue_amount as overdue_adjustment,
    frozen.dso_days as closed_dso_days,
    now_.dso_days as current_dso_days
from closed.ar_kpis as frozen
inner join marts.rpt_ar_kpis_monthly as now_ on frozen.month_start = now_.month_start
"""


def close_month(con: duckdb.DuckDBPyConnection, month: dt.date) -> dict[str, int]:
    """Freeze ``month`` (its first day) in every closed table that does not hold it yet; return
    the rows frozen now per table (0: closed before, left as it was)."""
    con.execute("create schema if not exists closed")
    closed_at = dt.datetime.now(CLOSE_TIMEZONE).replace(tzinfo=None)
    frozen = {}
    for table, (mart, condition) in CLOSED_TABLES.items():
        con.execute(
            f"create table if not exists closed.{table} as select cast(null as date) "
            f"as closed_month, cast(null as timestamp) as closed_at, * from marts.{mart} "
            "limit 0"
        )
        [(already,)] = con.execute(
            f"select count(*) from closed.{table} where closed_month = ?", [month]
        ).fetchall()
        if already:
            frozen[table] = 0
            continue
        con.execute(
            f"insert into closed.{table} by name select $1 as closed_month, $2 as closed_at, * "
            f"from marts.{mart} where {condition}",
            [month, closed_at],
        )
        [(rows,)] = con.execute(
            f"select count(*) from closed.{table} where closed_month = ?", [month]
        ).fetchall()
        frozen[table] = rows
    con.execute(ADJUSTMENTS_VIEW)
    return frozen


def previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def first_working_day(month: dt.date) -> dt.date:
    day = month.replace(day=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


class CloseConfig(dg.Config):
    month: str = ""  # YYYY-MM; empty: the month before today (China time)


@dg.asset(
    group_name="close",
    kinds={"duckdb"},
    deps=[dg.AssetKey(["marts", mart]) for mart, _ in CLOSED_TABLES.values()],
    description="Append-only month-end snapshots (schema closed) and their adjustments view.",
)
def month_end_close(
    context: dg.AssetExecutionContext, config: CloseConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    today = dt.datetime.now(CLOSE_TIMEZONE).date()
    month = dt.date.fromisoformat(f"{config.month}-01") if config.month else previous_month(today)
    with warehouse.connect() as con:
        frozen = close_month(con, month)
    context.log.info(f"closed {month:%Y-%m}: {frozen}")
    return dg.MaterializeResult(metadata={"month": f"{month:%Y-%m}", "rows_frozen": frozen})


month_end_close_job = dg.define_asset_job(
    "close_month",
    selection=dg.AssetSelection.assets(month_end_close),
    description="Freeze last month's aging, DSO, quota and SLA attainment (append-only).",
    executor_def=serialized_warehouse_executor,
    tags=WAREHOUSE_RUN_TAGS,
)


@dg.schedule(
    job=month_end_close_job,
    cron_schedule="0 4 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def month_end_close_schedule(context: dg.ScheduleEvaluationContext):
    """Daily at 04:00 (after the nightly build), acting only on the month's first working day."""
    day = context.scheduled_execution_time.date()
    if day != first_working_day(day):
        return dg.SkipReason(f"{day} is not the first working day of its month")
    month = previous_month(day)
    return dg.RunRequest(
        run_key=f"close:{month:%Y-%m}",
        run_config={"ops": {"month_end_close": {"config": {"month": f"{month:%Y-%m}"}}}},
    )
