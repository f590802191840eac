"""The late-source sensor: a source whose export has not arrived by the time its contract
expects it (plus grace) raises one ``source_late`` alert per expected day (medops/arrivals.py)."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from dagster_project.defs.landing import drop_folder
from ingest.contracts import load_contracts
from medops.arrival_clock import BUSINESS_TIMEZONE, arrival_status
from medops.arrivals import landed_arrivals, merge_arrivals, published_arrivals
from medops.notify import Notifier
from medops.settings import paths


def late_sources(now: dt.datetime) -> list:
    """The sources late at ``now``: nothing of them loaded, waiting or archived since their
    previous expected day."""
    contracts = load_contracts()
    since = now.astimezone(BUSINESS_TIMEZONE).date() - dt.timedelta(days=2)
    arrivals = merge_arrivals(
        published_arrivals(paths().published), landed_arrivals(drop_folder(), contracts, since)
    )
    return [status for status in arrival_status(contracts, arrivals, now) if status.late]


@dg.sensor(
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Alerts (once per source and day) when a source's export has not arrived by the "
    "time its contract expects it.",
)
def late_source_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    late = late_sources(dt.datetime.now(dt.UTC))
    notifier = Notifier.from_home(paths())
    for status in late:
        context.log.warning(status.alert().title)
        if notifier is not None:
            notifier.send(status.alert())
    return dg.SkipReason(
        f"late: {', '.join(s.source for s in late)}" if late else "every source on time"
    )
