"""The morning digests to reps and managers, on working days (the business calendar knows
调休 make-up days and public holidays)."""

import csv
import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
import dagster as dg

from medops.digests import build_digests, read_directory
from medops.notify import Notifier
from medops.settings import REPO_ROOT, paths

SHANGHAI = "Asia/Shanghai"
# the calendar day of the reps, whatever the server's clock
DIGEST_TIMEZONE = ZoneInfo(SHANGHAI)


def _extra_days() -> dict[dt.date, str]:
    """The analysts' calendar for the years chinese_calendar does not know yet (the seed
    holidays_extra: holiday or makeup_workday per date)."""
    with (REPO_ROOT / "seeds" / "holidays_extra.csv").open(encoding="utf-8") as handle:
        return {
            dt.date.fromisoformat(row["holiday_date"]): row["day_kind"]
            for row in csv.DictReader(handle)
        }


def is_working_day(day: dt.date) -> bool:
    """A working day in China: weekdays except public holidays, plus 调休 weekend workdays.
    chinese_calendar knows the official schedule up to its last published year; later years
    come from the seed holidays_extra, the same business calendar the SLA clocks use."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        kind = _extra_days().get(day)
        if kind is not None:
            return kind == "makeup_workday"
        return day.weekday() < 5


@dg.op(description="Send each rep their open items and each manager their team's.")
def send_morning_digests(context: dg.OpExecutionContext) -> None:
    home = paths()
    notifier = Notifier.from_home(home)
    if notifier is None or not notifier.config.people_directory:
        context.log.info("no alert configuration with a people_directory: no digests")
        return
    directory = read_directory(home.home / notifier.config.people_directory)
    today = dt.datetime.now(DIGEST_TIMEZONE).date()
    digests, missing = build_digests(home.published, directory, today)
    for digest in digests:
        notifier.send(digest)
    context.log.info(f"{len(digests)} digests; no address for {len(missing)}: {missing[:20]}")


@dg.job(description="Morning digests of open items to reps and managers (published marts).")
def morning_digests_job():
    send_morning_digests()


@dg.schedule(
    job=morning_digests_job,
    cron_schedule="30 7 * * *",
    execution_timezone=SHANGHAI,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def morning_digests_schedule(context: dg.ScheduleEvaluationContext):
    day = context.scheduled_execution_time.date()
    if not is_working_day(day):
        return dg.SkipReason(f"{day} is not a working day")
    return dg.RunRequest()
