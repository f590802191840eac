"""One generated drop as two nights of exports: the drop of day N, and what the source systems
export the day after (for the incremental build's test and benchmark).

A generated drop holds the whole history up to `HISTORY_END` in one export. Here the rows dated
on the last day are taken out of the day-N drop (whose files are named by the day before), and
the next day's drop holds what real systems send the morning after: the day's rows of each event
export (visits, order lines, stage changes, statements, invoices, payments, expense claims, ticket
changes) as a file of their own, a full snapshot of the leads (which changed, since leads were
created that day), and the other snapshots again, unchanged (ingest skips them by content).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
from pathlib import Path

from medops.generator.schema import EXPORT_STAMP, HISTORY_END, SPECS, FileSpec

# export -> the column that dates a row; the rows of the last day move to the next day's drop
EVENT_DATES = {
    "crm_visits": "checked_in_at",
    "crm_opportunity_stage_history": "entered_at",
    "erp_orders": "ordered_on",
    "erp_statements": "statement_on",
    "erp_invoices": "invoiced_on",
    "erp_payments": "paid_on",
    "erp_expense_claims": "travelled_on",
    "svc_ticket_history": "changed_at",
}
# snapshots exported whole each day: the day-N one lacks the rows created on the last day
SNAPSHOT_DATES = {"crm_leads": "created_at"}
# every date form the generator writes in a CSV starts with year, month and day in this order
DATE_PREFIX = re.compile(r"^\s*(\d{4})\D{1,2}(\d{1,2})\D{1,2}(\d{1,2})")


def _row_day(value: str) -> dt.date | None:
    found = DATE_PREFIX.match(value)
    if found is None:
        return None
    try:
        return dt.date(*(int(part) for part in found.groups()))
    except ValueError:
        return None


def read_export_csv(path: Path, spec: FileSpec) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding=spec.encoding, newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def write_export_csv(path: Path, spec: FileSpec, header: list[str], rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(spec.encoding))


def split_last_day(drop: Path, out: Path) -> tuple[Path, Path]:
    """Write `out/day_n` (the drop without its last day, files named by the day before the
    export date) and `out/next_day` (the files that arrive the morning after). A row whose date
    cannot be read stays in day N. Returns both folders."""
    day_n, next_day = out / "day_n", out / "next_day"
    stamp_n = HISTORY_END.strftime("%Y%m%d")
    for spec in SPECS.values():
        source = drop / spec.relative_path
        if not source.exists():
            continue
        name_n = spec.relative_path.replace(EXPORT_STAMP, stamp_n)
        dated = EVENT_DATES.get(spec.entity) or SNAPSHOT_DATES.get(spec.entity)
        if dated is None or spec.fmt != "csv":
            for folder, name in ((day_n, name_n), (next_day, spec.relative_path)):
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, folder / name)
            continue
        header, rows = read_export_csv(source, spec)
        column = next(c.header for c in spec.columns if c.name == dated)
        position = header.index(column)
        before, last = [], []
        for row in rows:
            day = _row_day(row[position]) if position < len(row) else None
            (last if day is not None and day >= HISTORY_END else before).append(row)
        write_export_csv(day_n / name_n, spec, header, before)
        if spec.entity in EVENT_DATES:
            write_export_csv(next_day / spec.relative_path, spec, header, last)
        else:
            (next_day / spec.relative_path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, next_day / spec.relative_path)
    return day_n, next_day
