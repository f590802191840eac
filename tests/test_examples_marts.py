"""The worked examples (examples/) end to end: one drop holding the three exports, an export
whose dates read both ways and one that two contracts match, run by docs/ingest.md's command
(`MEDOPS_CONTRACTS_DIR=... medops run --exports DROP`). The two bad files are rejected with
their reasons and everything else loads; the marts the cockpit reads are compared with figures
computed here from the example files alone (csv module, datetime), never by project code."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import statistics
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
SALESFORCE = EXAMPLES / "salesforce_opportunities" / "export" / "report1719900000000.csv"
KINGDEE = EXAMPLES / "kingdee_receivables" / "export" / "应收单列表_20240701.csv"
SERVICENOW = EXAMPLES / "servicenow_incidents" / "export" / "incident.csv"

# a second month's ledger whose dates all read both ways (3 May or 5 March?)
AMBIGUOUS_NAME = "应收单列表_20240801.csv"
AMBIGUOUS_LEDGER = (
    "应收单列表\n组织：华东销售公司,导出时间：2024-08-01\n"
    "单据编号,客户编码,客户名称,发票号码,开票日期,到期日,币别,价税合计\n"
    'AR2024070001,C0001,复旦大学附属中山医院,00481201,03/05/2024,04/06/2024,人民币,"12,000.00"\n'
    'AR2024070002,C0002,南京鼓楼医院,00481202,02/07/2024,01/08/2024,人民币,"8,500.00"\n'
)
# a second Salesforce org's contract whose pattern also matches its own report's name
EU_CONTRACT = """source: crm_opportunities_eu
system: crm
file_pattern: "report*_eu.csv"
format: csv
primary_key: [opportunity_id]
columns:
  opportunity_id: {header: [Opportunity ID], type: text, required: true}
"""
TWICE_MATCHED_NAME = "report1719900000001_eu.csv"
TWICE_MATCHED_REPORT = (
    '"Opportunity ID","Stage","Amount"\r\n'
    '"0061t00000AbCdEAAV","Closed Won","120,000.00"\r\n'
    '"0061t00000AbCdFAAV","Prospecting","45,500.00"\r\n'
)


def run_readme_command(home: Path, drop: Path, contract_dirs: list[Path]):
    """`MEDOPS_CONTRACTS_DIR=... medops run --exports DROP`, in a process of its own: the
    nightly job's definitions read the contracts of MEDOPS_CONTRACTS_DIR when imported."""
    medops = Path(sys.executable).parent / "medops"
    return subprocess.run(
        [str(medops), "run", "--exports", str(drop)],
        env=os.environ
        | {
            "MEDOPS_HOME": str(home),
            "MEDOPS_CONTRACTS_DIR": os.pathsep.join(str(d) for d in contract_dirs),
        },
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def examples_home(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("examples")
    drop = root / "drop"
    drop.mkdir()
    for export in (SALESFORCE, KINGDEE, SERVICENOW):
        shutil.copy2(export, drop / export.name)  # copy2: the modification time is kept
    (drop / AMBIGUOUS_NAME).write_bytes(AMBIGUOUS_LEDGER.encode("gb18030"))
    (drop / TWICE_MATCHED_NAME).write_text(TWICE_MATCHED_REPORT, encoding="utf-8")
    eu = root / "eu_contracts"
    eu.mkdir()
    (eu / "crm_opportunities_eu.yml").write_text(EU_CONTRACT, encoding="utf-8")
    home = root / "home"
    folders = [SALESFORCE.parent.parent, KINGDEE.parent.parent, SERVICENOW.parent.parent, eu]
    result = run_readme_command(home, drop, folders)
    logs = sorted((home / "logs").glob("*.log"))
    assert result.returncode == 0, result.stdout + (logs[-1].read_text()[-6000:] if logs else "")
    return home


def rows(home: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return [
            tuple(float(v) if isinstance(v, Decimal) else v for v in row)
            for row in con.execute(sql, params or []).fetchall()
        ]
    finally:
        con.close()


# --- the drop: two bad files rejected with their reasons, the rest loaded ---------------------


def test_a_drop_with_an_ambiguous_and_a_twice_matched_file_loads_the_rest(examples_home):
    assert rows(
        examples_home,
        "select file_name, status, source, rows_loaded, rows_quarantined "
        "from raw._ingest_ledger order by file_name",
    ) == [
        ("incident.csv", "loaded", "fsm_ticket_events", 152, 0),
        ("report1719900000000.csv", "loaded", "crm_opportunities_current", 42, 0),
        (TWICE_MATCHED_NAME, "rejected", None, 0, 0),
        ("应收单列表_20240701.csv", "loaded", "erp_ar_invoice_ledger", 64, 1),
        (AMBIGUOUS_NAME, "rejected", "erp_ar_invoice_ledger", 0, 0),
    ]
    messages = dict(
        rows(
            examples_home,
            "select file_name, message from raw._ingest_ledger where message is not null",
        )
    )
    assert messages[TWICE_MATCHED_NAME].startswith(
        "matches several source contracts: crm_opportunities_current "
        "(crm_opportunities_current.yml), crm_opportunities_eu (crm_opportunities_eu.yml)"
    )
    assert messages[AMBIGUOUS_NAME].startswith(
        "ambiguous dates: column invoiced_on has dates that read both day-first and "
        "month-first (data row 1: '03/05/2024')"
    )
    for table, count in [
        ("crm_opportunities_current", 42),
        ("erp_ar_invoice_ledger", 64),
        ("fsm_ticket_events", 152),
        ("crm_opportunities_eu", 0),
    ]:
        assert rows(examples_home, f"select count(*) from raw.{table}") == [(count,)], table


# --- Salesforce-style opportunity report -----------------------------------------------------


def _us_date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%m/%d/%Y").date()


def _money(text: str) -> float:
    return float(text.replace(",", "")) if text else 0.0


def test_salesforce_win_rate_won_by_month_and_median_cycle(examples_home):
    deals = list(csv.DictReader(SALESFORCE.open(encoding="utf-8", newline="")))
    won = [d for d in deals if d["Stage"] == "Closed Won"]
    won_by_month: dict[dt.date, float] = {}
    for deal in won:
        month = _us_date(deal["Close Date"]).replace(day=1)
        won_by_month[month] = won_by_month.get(month, 0.0) + _money(deal["Amount"])
    cycle = statistics.median(
        (_us_date(d["Close Date"]) - _us_date(d["Created Date"])).days for d in won
    )
    # win rate as the cockpit shows it: won / deals that entered the funnel (all of them)
    assert rows(
        examples_home,
        "select count(*), count(*) filter (where is_won) from marts.fct_funnel_stage_reached "
        "where stage_order = 1",
    ) == [(len(deals), len(won))]
    assert rows(
        examples_home,
        "select sum(opportunities_reached), sum(opportunities_won) "
        "from marts.rpt_sales_funnel_monthly where stage_order = 1",
    ) == [(len(deals), len(won))]
    assert dict(
        rows(
            examples_home,
            "select closed_month, coalesce(sum(amount), 0) from marts.rpt_sales_cycle group by 1",
        )
    ) == pytest.approx(won_by_month)
    assert rows(examples_home, "select median(sales_cycle_days) from marts.rpt_sales_cycle") == [
        (cycle,)
    ]


# --- Kingdee-style receivables ledger --------------------------------------------------------


def _ledger() -> list[dict]:
    text = KINGDEE.read_bytes().decode("gb18030").splitlines()[2:]  # two title rows
    records = [r for r in csv.DictReader(io.StringIO("\n".join(text))) if r["单据编号"] != "合计"]

    def day(value: str) -> dt.date | None:
        return dt.datetime.strptime(value, "%Y/%m/%d").date() if value else None

    return [
        {
            "customer": r["客户编码"],
            "issued": day(r["开票日期"]),
            "due": day(r["到期日"]),
            "amount": _money(r["价税合计"]),
            "settled": day(r["核销日期"]),
        }
        for r in records
    ]


def _bucket(days_past_due: int) -> str:
    with (REPO / "seeds" / "aging_buckets.csv").open(encoding="utf-8", newline="") as seed:
        for bucket in csv.DictReader(seed):
            low = int(bucket["min_days"]) if bucket["min_days"] else None
            high = int(bucket["max_days"]) if bucket["max_days"] else None
            if (low is None or days_past_due >= low) and (high is None or days_past_due <= high):
                return bucket["bucket_code"]
    raise AssertionError(days_past_due)


# three month-ends before the export (1 July): a part settled without a date does not count yet
AS_OF_DATES = [dt.date(2024, 4, 30), dt.date(2024, 5, 31), dt.date(2024, 6, 30)]


def test_kingdee_aging_buckets_as_of_three_dates(examples_home):
    for as_of in AS_OF_DATES:
        expected: dict[str, float] = {}
        for invoice in _ledger():
            if invoice["issued"] > as_of or (invoice["settled"] and invoice["settled"] <= as_of):
                continue
            bucket = _bucket((as_of - invoice["due"]).days)
            expected[bucket] = round(expected.get(bucket, 0.0) + invoice["amount"], 2)
        got = rows(
            examples_home,
            "select due_bucket_code, sum(open_amount) from marts.fct_ar_aging_snapshot "
            "where as_of_date = ? and open_amount > 0 group by 1",
            [as_of],
        )
        assert dict(got) == expected, as_of
    assert len(expected) >= 3  # the last date spreads over several buckets


def test_kingdee_average_days_late(examples_home):
    settled: dict[tuple[str, dt.date], list[int]] = {}
    for invoice in _ledger():
        if invoice["settled"]:
            key = (invoice["customer"], invoice["due"].replace(day=1))
            settled.setdefault(key, []).append(max((invoice["settled"] - invoice["due"]).days, 0))
    expected = {key: sum(days) / len(days) for key, days in settled.items()}
    got = rows(
        examples_home,
        "select account_id, due_month, avg_days_late from marts.rpt_ar_payment_behaviour_monthly "
        "where avg_days_late is not null",
    )
    assert {(a, m): v for a, m, v in got} == pytest.approx(expected)
    assert any(v > 0 for v in expected.values())


# --- ServiceNow-style incident event log -----------------------------------------------------


def test_servicenow_median_resolution_hours_by_priority(examples_home):
    def at(text: str) -> dt.datetime:
        return dt.datetime.strptime(text, "%d/%m/%Y %H:%M")

    updates: dict[str, list[dict]] = {}
    for update in csv.DictReader(SERVICENOW.open(encoding="utf-8", newline="")):
        updates.setdefault(update["number"], []).append(update)
    hours: dict[str, list[float]] = {}
    for ticket in updates.values():
        ticket.sort(key=lambda u: int(u["sys_mod_count"]))
        resolved = [at(u["resolved_at"]) for u in ticket if u["resolved_at"] != "?"]
        if resolved:
            opened = dt.datetime.strptime(ticket[0]["opened_at"], "%d-%m-%Y %H:%M")
            priority = ticket[-1]["priority"]  # as it stands at the last update
            hours.setdefault(priority, []).append((resolved[0] - opened).total_seconds() / 3600)
    codes = {"1 - Critical": "p1_critical", "2 - High": "p2_high", "3 - Moderate": "p3_medium"}
    codes["4 - Low"] = "p4_low"
    expected = {codes[p]: statistics.median(h) for p, h in hours.items()}
    got = rows(
        examples_home,
        "select current_priority, median(resolve_calendar_hours) from marts.fct_service_tickets "
        "where resolve_calendar_hours is not null group by 1",
    )
    assert dict(got) == pytest.approx(expected)
    assert rows(examples_home, "select count(*) from marts.fct_service_tickets") == [
        (len(updates),)
    ]
