"""The morning digests to reps and managers, on working days (the business calendar knows
调休 make-up days and public holidays)."""

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg

from medops.business_calendar import is_working_day
from medops.digests import build_digests, read_directory
from medops.notify import Notifier
from medops.settings import paths

SHANGHAI = "Asia/Shanghai"
# the calendar day of the reps, whatever the server's clock
DIGEST_TIMEZONE = ZoneInfo(SHANGHAI)


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
