"""Morning digests: each rep gets their own open items, each manager their team's, from the
published marts and the org hierarchy (dim_employees.manager_id).

A rep's items: deals without follow-up or stuck in a stage and leads not contacted
(rpt_sales_alerts), statements falling due soon (rpt_ar_expected_overdue) and overdue
(fct_ar_aging_snapshot at the latest date), and, for service engineers, tickets at risk of or
past their SLA (rpt_service_open_tickets). A manager's digest holds the items of everyone who
reports to them directly. Digests go by e-mail to the address in the people directory (a CSV of
employee_id,email kept by sales operations: the marts hold no e-mail addresses); people without
one are skipped and counted.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path

import duckdb

from medops.notify import Alert

REP_DIGEST, MANAGER_DIGEST = "rep_digest", "manager_digest"
# at most this many lines per category in one digest; the rest is counted
LINES_PER_CATEGORY = 20

ITEMS_SQL = """
select owner_id as employee_id,
    case when alert_rule = 'lead_not_contacted' then 'leads' else 'deals' end as category,
    alert_name_zh || ' ' || subject_id
        || coalesce(' ' || stage_code, '')
        || ': ' || round(days_since, 1) || ' ' || threshold_unit
        || coalesce(' (' || cast(amount as varchar) || ' 元)', '') as line
from rpt_sales_alerts
where owner_id is not null
union all
select owner_id, 'due', '即将到期 ' || statement_id || '/' || installment_no || ' '
    || account_name || ': ' || cast(open_amount as varchar) || ' 元, ' || due_on
from rpt_ar_expected_overdue
where owner_id is not null
union all
select owner_id, 'overdue', '逾期 ' || statement_id || '/' || installment_no || ' '
    || account_name || ': ' || cast(open_amount as varchar) || ' 元, ' || days_past_due || ' 天'
from fct_ar_aging_snapshot
where is_latest and is_overdue and owner_id is not null
union all
select engineer_id, 'tickets', '工单 ' || ticket_id || ' ' || account_name || ': '
    || case when is_breached then '已超时' else '即将超时' end
from rpt_service_open_tickets
where (is_at_risk or is_breached) and engineer_id is not null
order by employee_id, category, line
"""
CATEGORY_TITLES = {
    "deals": "商机 / deals",
    "leads": "线索 / leads",
    "due": "即将到期 / falling due",
    "overdue": "逾期 / overdue",
    "tickets": "工单 / tickets at risk",
}


def read_directory(path: Path) -> dict[str, str]:
    """employee_id -> e-mail address, from a CSV with those two columns."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["employee_id"]: row["email"] for row in csv.DictReader(handle) if row["email"]}


def _lines(items: list[tuple[str, str, str]]) -> list[str]:
    by_category: dict[str, list[str]] = defaultdict(list)
    for _, category, line in items:
        by_category[category].append(line)
    lines = []
    for category, title in CATEGORY_TITLES.items():
        entries = by_category.get(category, [])
        if not entries:
            continue
        lines.append(f"{title}: {len(entries)}")
        lines.extend(f"  {entry}" for entry in entries[:LINES_PER_CATEGORY])
        if len(entries) > LINES_PER_CATEGORY:
            lines.append(f"  … {len(entries) - LINES_PER_CATEGORY} more")
    return lines


def build_digests(
    published: Path, directory: dict[str, str], day: dt.date
) -> tuple[list[Alert], list[str]]:
    """The digests of ``day`` for everyone with items (reps) or with reports who have items
    (managers); and the employees left out for want of an address."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        items = con.execute(ITEMS_SQL).fetchall()
        employees = {
            employee: (name, manager)
            for employee, name, manager in con.execute(
                "select employee_id, employee_name, manager_id from dim_employees"
            ).fetchall()
        }
    finally:
        con.close()
    own: dict[str, list] = defaultdict(list)
    team: dict[str, list] = defaultdict(list)
    for item in items:
        own[item[0]].append(item)
        manager = employees.get(item[0], (None, None))[1]
        if manager:
            team[manager].append(item)
    digests, missing = [], []
    for kind, groups in ((REP_DIGEST, own), (MANAGER_DIGEST, team)):
        for employee, group in sorted(groups.items()):
            address = directory.get(employee)
            if address is None:
                missing.append(employee)
                continue
            name = employees.get(employee, (employee, None))[0] or employee
            scope = "你的" if kind == REP_DIGEST else "团队的"
            lines = _lines(group)
            if kind == MANAGER_DIGEST:
                per_person = defaultdict(int)
                for item in group:
                    per_person[employees.get(item[0], (item[0], None))[0] or item[0]] += 1
                lines = [
                    "按人 / by person: "
                    + ", ".join(
                        f"{person} {count}" for person, count in sorted(per_person.items())
                    ),
                    *lines,
                ]
            digests.append(
                Alert(
                    kind,
                    f"{kind}:{day.isoformat()}:{employee}",
                    f"{name}，{scope}待办 {day:%Y-%m-%d} / morning digest: {len(group)} items",
                    lines,
                    recipients=(address,),
                )
            )
    return digests, sorted(set(missing))
