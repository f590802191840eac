"""The worked examples (examples/): each export ingested with its contract through the
command line, every row compared with the file parsed independently here (csv module,
datetime.strptime, zoneinfo), and a dry run that writes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from click.testing import CliRunner

from medops.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def run_ingest(home: Path, example: str, *options: str):
    folder = EXAMPLES / example
    return CliRunner().invoke(
        main,
        ["ingest", *options, "--contracts", str(folder), str(folder / "export")],
        env={"MEDOPS_HOME": str(home)},
    )


def raw_rows(home: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def amount(text: str) -> float | None:
    return float(text.replace(",", "")) if text else None


def test_check_writes_nothing_and_says_what_would_happen(tmp_path):
    result = run_ingest(tmp_path, "kingdee_receivables", "--check")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "would load   应收单列表_20240701.csv -> erp_ar_invoice_ledger: read 65, loaded 64, "
        "quarantined 1, exported 2024-07-01 (from the file name)  summary row (合计), not data x1"
    ]
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_salesforce_style_opportunity_report(tmp_path):
    result = run_ingest(tmp_path, "salesforce_opportunities")
    assert result.exit_code == 0, result.output
    [path] = (EXAMPLES / "salesforce_opportunities" / "export").glob("*.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    stages = {
        "Prospecting": "qualification",
        "Qualification": "qualification",
        "Needs Analysis": "needs_analysis",
        "Value Proposition": "needs_analysis",
        "Id. Decision Makers": "needs_analysis",
        "Perception Analysis": "needs_analysis",
        "Proposal/Price Quote": "proposal",
        "Negotiation/Review": "negotiation",
        "Closed Won": "won",
        "Closed Lost": "lost",
    }
    expected = sorted(
        (
            r["Opportunity ID"],
            r["Opportunity Owner"],
            r["Account Name"],
            stages[r["Stage"]],
            amount(r["Amount"]),
            float(r["Probability (%)"].rstrip("%")),
            dt.datetime.strptime(r["Close Date"], "%m/%d/%Y").date(),
            dt.datetime.strptime(r["Created Date"], "%m/%d/%Y").date(),
            # report1719900000000.csv: 1,719,900,000 s after the epoch, as a Shanghai date
            dt.datetime.fromtimestamp(1_719_900_000, SHANGHAI).date(),
        )
        for r in rows
    )
    got = raw_rows(
        tmp_path,
        "select opportunity_id, owner_name, account_name, current_stage, amount, "
        "probability_pct, close_on, created_on, _export_date "
        "from raw.crm_opportunities_current order by opportunity_id",
    )
    assert len(got) == 42
    assert got == expected


def test_kingdee_style_receivables_ledger(tmp_path):
    result = run_ingest(tmp_path, "kingdee_receivables")
    assert result.exit_code == 0, result.output
    [path] = (EXAMPLES / "kingdee_receivables" / "export").glob("*.csv")
    lines = path.read_bytes().decode("gb18030").splitlines()[2:]  # two title rows
    records = list(csv.DictReader(io.StringIO("\n".join(lines))))
    invoices, [totals] = records[:-1], records[-1:]

    def day(text: str) -> dt.date | None:
        return dt.datetime.strptime(text, "%Y/%m/%d").date() if text else None

    expected = sorted(
        (
            r["发票号码"],
            r["客户编码"],
            day(r["开票日期"]),
            day(r["到期日"]),
            amount(r["价税合计"]),
            day(r["核销日期"]),
            r["是否争议"] == "是",
            dt.date(2024, 7, 1),
        )
        for r in invoices
    )
    got = raw_rows(
        tmp_path,
        "select invoice_id, customer_id, invoiced_on, due_on, invoice_amount, settled_on, "
        "disputed, _export_date from raw.erp_ar_invoice_ledger order by invoice_id",
    )
    assert len(got) == 64
    assert got == expected
    assert all(invoice_id.startswith("0") for invoice_id, *_ in got)  # leading zeros kept
    # the ledger's own 合计 row agrees with the loaded invoices, and was not loaded
    assert totals["单据编号"] == "合计"
    [(loaded_total,)] = raw_rows(
        tmp_path, "select round(sum(invoice_amount), 2) from raw.erp_ar_invoice_ledger"
    )
    assert loaded_total == amount(totals["价税合计"])
    assert raw_rows(tmp_path, "select row_number, reason from raw._ingest_quarantine") == [
        (65, "summary row (合计), not data")
    ]


def test_servicenow_style_incident_event_log(tmp_path):
    result = run_ingest(tmp_path, "servicenow_incidents")
    assert result.exit_code == 0, result.output
    path = EXAMPLES / "servicenow_incidents" / "export" / "incident.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))

    def shanghai(text: str, fmt: str) -> dt.datetime | None:
        if text == "?":
            return None
        utc = dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC)
        return utc.astimezone(SHANGHAI).replace(tzinfo=None)

    priorities = {"1 - Critical": "p1_critical", "2 - High": "p2_high", "3 - Moderate": "p3_medium"}
    priorities["4 - Low"] = "p4_low"
    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, SHANGHAI).date()
    expected = sorted(
        (
            r["number"],
            int(r["sys_mod_count"]),
            priorities[r["priority"]],
            r["active"] == "true",
            shanghai(r["opened_at"], "%d-%m-%Y %H:%M"),
            shanghai(r["sys_updated_at"], "%d/%m/%Y %H:%M"),
            shanghai(r["resolved_at"], "%d/%m/%Y %H:%M"),
            None if r["assigned_to"] == "?" else r["assigned_to"],
            modified,
        )
        for r in rows
    )
    got = raw_rows(
        tmp_path,
        "select ticket_id, update_no, priority, active, opened_at, event_at, resolved_at, "
        "assigned_to, _export_date from raw.fsm_ticket_events order by ticket_id, update_no",
    )
    assert len(got) == 152
    assert got == expected
    assert raw_rows(tmp_path, "select export_date_from from raw._ingest_ledger") == [
        ("modification time",)
    ]


@pytest.mark.parametrize(
    "example", ["salesforce_opportunities", "kingdee_receivables", "servicenow_incidents"]
)
def test_each_example_names_its_contract_and_export(example):
    folder = EXAMPLES / example
    assert len(list(folder.glob("*.yml"))) == 1
    assert len(list((folder / "export").iterdir())) == 1
    assert f"`{example}/" in (EXAMPLES / "README.md").read_text(encoding="utf-8")


def test_a_second_night_adds_nothing(tmp_path):
    assert run_ingest(tmp_path, "servicenow_incidents").exit_code == 0
    again = run_ingest(tmp_path, "servicenow_incidents")
    assert again.exit_code == 0
    assert again.output == (
        "skipped      incident.csv  (same content already loaded as incident.csv)\n"
    )
    assert raw_rows(tmp_path, "select count(*) from raw.fsm_ticket_events") == [(152,)]
    assert raw_rows(tmp_path, "select count(*) from raw._ingest_ledger") == [(1,)]
