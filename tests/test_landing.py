"""The landing sensor on a real drop folder: new, duplicate, changed, half-written, marker-less,
unmatched and ambiguous files; each tick is the sensor itself, evaluated with its cursor."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.defs.landing import landing_sensor, scan_drop
from ingest.contracts import load_contracts
from ingest.load import export_files, ingest_path

STATEMENTS = (
    "对账单号,客户编码,结算期间,对账日期,到期日,对账金额,销售员工号\n"
    "S1,A1,2026-11,2026-11-30,2026-12-30,1200.00,E1\n"
)
VISITS_NAME = "crm_visits_20261206.csv"


@pytest.fixture
def drop(tmp_path, monkeypatch) -> Path:
    drop = tmp_path / "drop"
    for system in ("crm", "erp", "service"):
        (drop / system).mkdir(parents=True)
    monkeypatch.setenv("MEDOPS_DROP_DIR", str(drop))
    monkeypatch.setenv("MEDOPS_LANDING_SETTLE_SECONDS", "0")
    monkeypatch.setenv("MEDOPS_LANDING_MARKERS", "service=done")
    return drop


def statement_file(drop: Path, name: str = "erp_statements_20261206.csv", extra: str = "") -> Path:
    path = drop / "erp" / name
    path.write_text(STATEMENTS + extra, encoding="utf-8-sig")
    return path


class Ticks:
    """Evaluates the sensor as the daemon does: each tick gets the previous tick's cursor."""

    def __init__(self, instance):
        self.instance = instance
        self.cursor = None

    def __call__(self) -> list[dg.RunRequest]:
        context = dg.build_sensor_context(instance=self.instance, cursor=self.cursor)
        result = landing_sensor(context)
        self.cursor = result.cursor
        return list(result.run_requests or [])


@pytest.fixture
def tick():
    with dg.instance_for_test() as instance:
        yield Ticks(instance)


def test_a_new_file_is_launched_once_then_archived(drop, tick):
    statement_file(drop)
    assert tick() == []  # first sight: not yet known to be stable
    [request] = tick()
    batch = Path(request.run_config["ops"]["raw_exports"]["config"]["exports_dir"])
    assert (
        (batch / "erp" / "erp_statements_20261206.csv")
        .read_text("utf-8-sig")
        .startswith("对账单号")
    )
    assert batch.parent.parent.name == "archive"
    assert export_files(batch) == [batch / "erp" / "erp_statements_20261206.csv"]
    assert request.run_key.startswith("landing:")
    assert list((drop / "erp").iterdir()) == []  # the drop shows only what is still to come
    assert tick() == []


def test_a_duplicate_is_not_ingested_again_and_a_changed_file_is(drop, tick):
    statement_file(drop)
    tick()
    [first] = tick()
    # the same content delivered again under another name
    statement_file(drop, "erp_statements_20261206_resend.csv")
    tick()
    assert tick() == []
    [duplicate] = (drop / "archive").glob("*/duplicates/erp/erp_statements_20261206_resend.csv")
    assert duplicate.exists()
    # the same name with a corrected content: a new run with another key
    statement_file(drop, extra="S2,A2,2026-11,2026-11-30,2026-12-30,300.00,E1\n")
    tick()
    [second] = tick()
    assert second.run_key != first.run_key


def test_a_rejected_version_of_a_file_keeps_the_one_loaded_before(drop, tick, tmp_path):
    """Each batch the sensor launches is ingested as the nightly job's raw_exports does."""
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))

    def deliver(text: str) -> list:
        (drop / "erp" / "erp_statements_20261206.csv").write_text(text, encoding="utf-8-sig")
        tick()
        requests = tick()
        if not requests:
            return []
        [request] = requests
        batch = Path(request.run_config["ops"]["raw_exports"]["config"]["exports_dir"])
        return ingest_path(con, batch, load_contracts())

    def statements() -> list[tuple]:
        return con.execute(
            "select statement_id, statement_amount from raw.erp_statements order by 1"
        ).fetchall()

    try:
        assert [r.status for r in deliver(STATEMENTS)] == ["loaded"]
        # the ERP re-sends the file with the amount in 万元: rejected whole
        [rejected] = deliver(STATEMENTS.replace("对账金额", "对账金额（万元）"))
        assert rejected.status == "rejected"
        assert rejected.message.startswith("required columns missing: statement_amount")
        assert "stays in force until a corrected version of this file loads" in rejected.message
        assert statements() == [("S1", 1200.0)]
        # the same rejected file sent again is not launched again
        assert deliver(STATEMENTS.replace("对账金额", "对账金额（万元）")) == []
        [corrected] = deliver(STATEMENTS + "S2,A2,2026-11,2026-11-30,2026-12-30,300.00,E1\n")
        assert corrected.status == "loaded"
        assert statements() == [("S1", 1200.0), ("S2", 300.0)]
    finally:
        con.close()


def test_half_written_files_wait(drop, tick):
    partial = drop / "crm" / (VISITS_NAME + ".part")
    partial.write_text("拜访编号,客户编码\n", encoding="utf-8")
    growing = statement_file(drop)
    assert tick() == []
    with growing.open("a", encoding="utf-8") as out:  # still being written
        out.write("S2,A2,2026-11,2026-11-30,2026-12-30,300.00,E1\n")
    assert tick() == []
    assert partial.exists() and growing.exists()
    [request] = tick()  # unchanged since the last tick: complete
    assert partial.exists(), "a .part file is never picked up"
    assert request.tags["medops/landing_batch"]


def test_a_file_waits_for_its_done_marker(drop, tick):
    ticket = drop / "service" / "svc_tickets_20261206.xlsx"
    ticket.write_bytes(b"PK\x03\x04 workbook bytes")
    tick()
    assert tick() == [] and ticket.exists()
    ticket.with_name(ticket.name + ".done").write_text("", encoding="utf-8")
    [request] = tick()
    batch = Path(request.run_config["ops"]["raw_exports"]["config"]["exports_dir"])
    assert (batch / "_markers" / "service" / "svc_tickets_20261206.xlsx.done").exists()
    # ingest reads the batch: only the export itself is an export file there
    assert export_files(batch) == [batch / "service" / "svc_tickets_20261206.xlsx"]
    assert not ticket.exists()


def test_unmatched_and_ambiguous_files_are_rejected_with_a_reason(drop, tick):
    (drop / "crm" / "notes_20261206.txt").write_text("hello", encoding="utf-8")
    tick()
    assert tick() == []
    [reason] = (drop / "rejected").glob("*/notes_20261206.txt.reason.txt")
    assert "matches no source contract" in reason.read_text("utf-8")
    assert reason.with_name("notes_20261206.txt").exists()

    # two contracts claiming the same file name: rejected as ambiguous, nothing launched
    contracts = load_contracts()
    [statements] = [c for c in contracts if c.source == "erp_statements"]
    twin = statements.__class__(**{**statements.__dict__, "source": "erp_statements_copy"})
    path = statement_file(drop)
    stat = path.stat()
    scan = scan_drop(
        drop,
        {"erp/erp_statements_20261206.csv": [stat.st_size, stat.st_mtime_ns]},
        [*contracts, twin],
        now=time.time(),
        settle=0,
        markers={},
    )
    assert scan.ready == []
    assert scan.rejected["erp/erp_statements_20261206.csv"].startswith("ambiguous")
    assert "erp_statements_copy" in scan.rejected["erp/erp_statements_20261206.csv"]


def test_the_settle_time_holds_a_just_written_file(drop, tick, monkeypatch):
    monkeypatch.setenv("MEDOPS_LANDING_SETTLE_SECONDS", "3600")
    path = statement_file(drop)
    tick()
    assert tick() == [] and path.exists()
    hour_ago = time.time() - 3700
    os.utime(path, (hour_ago, hour_ago))
    tick()
    assert len(tick()) == 1
    assert json.loads(tick.cursor) == {}


def test_names_in_gbk_bytes_are_taken_or_rejected_legibly(drop, tick):
    # a zip packed on Chinese Windows and unpacked on Linux: the names' bytes are GBK
    def gbk_file(name: str, text: str) -> None:
        with open(os.fsencode(drop / "crm") + b"/" + name.encode("gbk"), "wb") as file:
            file.write(text.encode("gb18030"))

    gbk_file("客户备注_20261206.txt", "备注")
    gbk_file("crm_org_units_华东_20261206.csv", "组织编码,组织名称\nR1,华东大区\n")
    tick()
    [request] = tick()
    [reason] = (drop / "rejected").glob("*/*.reason.txt")
    assert reason.read_text("utf-8").startswith("crm/客户备注_20261206.txt: matches no source")
    batch = Path(request.run_config["ops"]["raw_exports"]["config"]["exports_dir"])
    [taken] = [path for path in export_files(batch) if "crm_org_units" in path.name]
    assert os.fsencode(taken.name) == "crm_org_units_华东_20261206.csv".encode("gbk")
