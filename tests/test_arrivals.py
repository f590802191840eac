"""Per-source arrival times from the contracts: when a source is late, the late-source sensor's
one alert per source and day, and the data-quality page's notice."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest
from conftest import build_data_quality_published
from streamlit.testing.v1 import AppTest

from ingest.contracts import ArrivalSpec, ContractError, load_contract, load_contracts
from medops.arrival_clock import arrival_status, schedule_rows, write_schedule
from medops.settings import REPO_ROOT

SHANGHAI = ZoneInfo("Asia/Shanghai")
CONTRACTS = {c.source: c for c in load_contracts()}


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def _contract(source: str, by: str, grace: int, days: str):
    arrival = ArrivalSpec(dt.time.fromisoformat(by), grace, days)
    return dataclasses.replace(CONTRACTS[source], arrival=arrival)


def test_the_bundled_contracts_say_when_each_export_arrives():
    assert all(c.arrival is not None for c in CONTRACTS.values())
    assert CONTRACTS["crm_visits"].arrival == ArrivalSpec(dt.time(1, 0), 30, "daily")
    assert CONTRACTS["erp_payments"].arrival == ArrivalSpec(dt.time(1, 30), 30, "working")


@pytest.mark.parametrize(
    ("arrival", "message"),
    [
        ('{by: "25:00"}', "is not a time"),
        ("{grace_minutes: 30}", "arrival takes by"),
        ('{by: "01:30", days: weekly}', "arrival days"),
    ],
)
def test_a_wrong_arrival_is_a_clear_contract_error(tmp_path: Path, arrival, message):
    text = (REPO_ROOT / "ingest" / "sources" / "crm_visits.yml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("arrival:")]
    path = tmp_path / "crm_visits.yml"
    path.write_text("\n".join([*lines, f"arrival: {arrival}"]), encoding="utf-8")
    with pytest.raises(ContractError, match=message):
        load_contract(path)


def test_a_source_is_late_after_its_time_and_grace_until_a_file_arrives():
    visits = _contract("crm_visits", "01:00", 30, "daily")
    yesterday_file = _at("2026-11-20T00:50")

    def late(now: str, last: dt.datetime | None) -> bool:
        [status] = arrival_status([visits], {"crm_visits": last}, _at(now))
        return status.late

    # before 01:30 today the day expected is yesterday, whose file came
    assert not late("2026-11-21T01:29", yesterday_file)
    # from 01:30 (01:00 + 30 min grace) today's file is due
    assert late("2026-11-21T01:30", yesterday_file)
    [status] = arrival_status([visits], {"crm_visits": yesterday_file}, _at("2026-11-21T09:00"))
    assert (status.expected_day, status.expected_by) == (
        dt.date(2026, 11, 21),
        _at("2026-11-21T01:00"),
    )
    assert status.late_after == _at("2026-11-21T01:30")
    # a file that came after yesterday's deadline is today's, even before midnight
    assert not late("2026-11-21T09:00", _at("2026-11-20T23:10"))
    # a file late by minutes still counts once it is here
    assert not late("2026-11-21T09:00", _at("2026-11-21T02:15"))
    # files came but none loaded: late
    assert late("2026-11-21T09:00", None)
    # naive times are this machine's clock (the ledger's loaded_at)
    local = _at("2026-11-21T02:15").astimezone().replace(tzinfo=None)
    assert not late("2026-11-21T09:00", local)


def test_working_day_sources_are_not_expected_on_holidays_and_weekends():
    payments = _contract("erp_payments", "01:30", 0, "working")

    def late(now: str, last: str) -> bool:
        [status] = arrival_status([payments], {"erp_payments": _at(last)}, _at(now))
        return status.late

    # 2026-10-01..07 is 国庆; the Friday before's file covers the holiday week
    assert not late("2026-10-05T09:00", "2026-09-30T01:20")
    # 2026-10-10 (Saturday) is a 调休 working day: expected
    assert late("2026-10-10T09:00", "2026-10-09T01:20")
    assert not late("2026-10-10T09:00", "2026-10-10T01:20")


def test_a_source_that_never_delivered_is_not_judged():
    visits = _contract("crm_visits", "01:00", 30, "daily")
    assert arrival_status([visits], {}, _at("2026-11-21T09:00")) == []


def _alerts_config(home: Path) -> None:
    (home / "alerts.yml").write_text(
        "channels:\n  archive: {type: file, path: alerts.jsonl}\n"
        "routes:\n  source_late: [archive]\n",
        encoding="utf-8",
    )


def test_the_sensor_alerts_each_late_source_once(tmp_path: Path, monkeypatch):
    """The published copy of the data-quality fixture knows four sources, all loaded long ago
    (2026-11-21 and before); a complete file of crm_visits waits in the drop folder now."""
    from dagster_project.defs.arrivals import late_source_sensor

    home = tmp_path / "home"
    build_data_quality_published(home / "published.duckdb")
    _alerts_config(home)
    drop = tmp_path / "drop"
    (drop / "crm").mkdir(parents=True)
    (drop / "crm" / "crm_visits_20261205.csv").write_text("a\n1\n", encoding="utf-8")
    archived = drop / "archive" / "2000-01-01" / "0123456789abcdef" / "service"
    archived.mkdir(parents=True)
    (archived / "svc_tickets_19991231.xlsx").write_bytes(b"old")  # an old archive day: ignored
    old = time.time() - 400 * 86400
    os.utime(archived / "svc_tickets_19991231.xlsx", (old, old))
    monkeypatch.setenv("MEDOPS_HOME", str(home))
    monkeypatch.setenv("MEDOPS_DROP_DIR", str(drop))

    with dg.build_sensor_context() as context:
        first = late_source_sensor(context)
    with dg.build_sensor_context() as context:
        late_source_sensor(context)  # the next tick: nothing sent again
    assert "crm_visits" not in first.skip_message
    sent = [
        json.loads(line)
        for line in (home / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    sources = sorted(alert["key"].split(":")[1] for alert in sent)
    assert sources == ["crm_accounts", "erp_orders", "svc_tickets"]
    assert all(alert["kind"] == "source_late" for alert in sent)
    assert len({alert["key"] for alert in sent}) == len(sent)


def test_the_data_quality_page_shows_late_sources(tmp_path: Path, monkeypatch):
    home = tmp_path / "dq_home"
    published = build_data_quality_published(home / "published.duckdb")
    con = duckdb.connect(str(published))
    try:
        write_schedule(con, schedule_rows(CONTRACTS.values()))
    finally:
        con.close()
    monkeypatch.setenv("MEDOPS_HOME", str(home))
    at = AppTest.from_file(str(REPO_ROOT / "dashboards" / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/data_quality.py").run()
    assert not at.exception, [e.value for e in at.exception]
    [notice] = [w.value for w in at.warning if "未按时到达" in w.value]
    assert notice.startswith("4 个数据源未按时到达")
    for source in ("crm_accounts", "crm_visits", "erp_orders", "svc_tickets"):
        assert source in notice
    [table] = [f.value for f in at.dataframe if "约定到达" in f.value.columns]
    assert sorted(table["数据源"]) == ["crm_accounts", "crm_visits", "erp_orders", "svc_tickets"]
    assert set(table["到达状态"]) == {"迟到"}
