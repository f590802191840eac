"""The notifier against real servers started here: an SMTP server (aiosmtpd) and an HTTP server
that answers as the WeCom and DingTalk group robots do and checks DingTalk's signature; each
alert is delivered once per channel, quiet hours hold it, a failed channel is retried."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
import urllib.parse
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
from aiosmtpd.controller import Controller

from medops.digests import build_digests
from medops.notify import EXAMPLE_CONFIG, Alert, Notifier, NotifyConfig, late_source_alerts
from medops.settings import Paths

DINGTALK_SECRET = "SEC0123456789abcdef-test-secret"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MIDDAY = dt.datetime(2026, 12, 7, 12, 0, tzinfo=SHANGHAI)
NIGHT = dt.datetime(2026, 12, 7, 23, 30, tzinfo=SHANGHAI)


class Inbox:
    """aiosmtpd handler: keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch):
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd connects to it to check it is up)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("MEDOPS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MEDOPS_SMTP_PORT", str(port))
    monkeypatch.setenv("MEDOPS_SMTP_TLS", "none")
    monkeypatch.setenv("MEDOPS_SMTP_FROM", "medops@example.com")
    yield inbox
    controller.stop()


class RobotHandler(BaseHTTPRequestHandler):
    """Answers as the robots do: HTTP 200 and {"errcode": 0} or an error code in the body."""

    def do_POST(self):  # noqa: N802 (http.server's name)
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
        answer = {"errcode": 0, "errmsg": "ok"}
        if url.path == "/robot/send":  # DingTalk: check the signature as DingTalk does
            expected = base64.b64encode(
                hmac.new(
                    DINGTALK_SECRET.encode(),
                    f"{query.get('timestamp')}\n{DINGTALK_SECRET}".encode(),
                    hashlib.sha256,
                ).digest()
            ).decode()
            if query.get("sign") != expected:
                answer = {"errcode": 310000, "errmsg": "sign not match"}
        if url.path == "/down":
            answer = {"errcode": 45009, "errmsg": "api freq out of limit"}
        self.server.received.append((url.path, query, body, answer["errcode"]))
        payload = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def robots(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), RobotHandler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("MEDOPS_WECOM_WEBHOOK", f"{base}/cgi-bin/webhook/send?key=wecom-key")
    monkeypatch.setenv("MEDOPS_DINGTALK_WEBHOOK", f"{base}/robot/send?access_token=ding-token")
    monkeypatch.setenv("MEDOPS_DINGTALK_SECRET", DINGTALK_SECRET)
    yield server
    server.shutdown()


CONFIG = """
quiet_hours: {start: "22:00", end: "07:30", timezone: Asia/Shanghai, urgent: [run_failed]}
channels:
  mail: {type: email, to: [data-team@example.com, lead@example.com]}
  wecom: {type: wecom, webhook_env: MEDOPS_WECOM_WEBHOOK}
  dingtalk:
    type: dingtalk
    webhook_env: MEDOPS_DINGTALK_WEBHOOK
    secret_env: MEDOPS_DINGTALK_SECRET
  archive: {type: file, path: alerts/alerts.jsonl}
routes:
  run_failed: [mail, wecom, dingtalk, archive]
  check_failed: [mail, archive]
"""

RUN_FAILED = Alert(
    "run_failed",
    "run_failed:r1",
    "MedOps 夜间构建失败 (run r1)",
    ["step warehouse_dbt_assets failed: Database Error in model rpt_ar_kpis_monthly"],
)


def notifier_for(tmp_path: Path) -> Notifier:
    config = tmp_path / "alerts.yml"
    config.write_text(CONFIG, encoding="utf-8")
    return Notifier(Paths(tmp_path / "home"), NotifyConfig.load(config))


def test_an_alert_reaches_every_channel_once(tmp_path, smtp, robots):
    notifier = notifier_for(tmp_path)

    outcome = notifier.send(RUN_FAILED, now=MIDDAY)

    assert outcome == {"mail": "sent", "wecom": "sent", "dingtalk": "sent", "archive": "sent"}
    [(recipients, mail)] = smtp.messages
    assert recipients == ["data-team@example.com", "lead@example.com"]
    assert str(make_header(decode_header(mail["Subject"]))) == RUN_FAILED.title
    assert "rpt_ar_kpis_monthly" in mail.get_payload(decode=True).decode("utf-8")
    by_path = {path: (query, body, code) for path, query, body, code in robots.received}
    query, body, code = by_path["/cgi-bin/webhook/send"]
    assert query == {"key": "wecom-key"} and code == 0
    assert body["msgtype"] == "markdown" and RUN_FAILED.title in body["markdown"]["content"]
    query, body, code = by_path["/robot/send"]
    assert code == 0, "DingTalk's signature check passed"
    assert query["access_token"] == "ding-token" and {"timestamp", "sign"} <= set(query)
    assert body["markdown"]["title"] == RUN_FAILED.title
    [line] = (tmp_path / "home" / "alerts" / "alerts.jsonl").read_text("utf-8").splitlines()
    assert json.loads(line)["key"] == "run_failed:r1"

    # a re-run asks again: nothing goes out twice
    again = notifier_for(tmp_path).send(RUN_FAILED, now=MIDDAY)
    assert set(again.values()) == {"already sent"}
    assert len(smtp.messages) == 1 and len(robots.received) == 2


def test_a_wrong_dingtalk_secret_is_refused_and_retried_later(tmp_path, smtp, robots, monkeypatch):
    monkeypatch.setenv("MEDOPS_DINGTALK_SECRET", "not-the-secret")
    notifier = notifier_for(tmp_path)
    outcome = notifier.send(RUN_FAILED, now=MIDDAY)
    assert outcome["dingtalk"] == "failed: webhook refused: 310000 sign not match"
    assert outcome["wecom"] == "sent" and outcome["mail"] == "sent"  # the others went out

    monkeypatch.setenv("MEDOPS_DINGTALK_SECRET", DINGTALK_SECRET)
    retried = notifier.flush_held(now=MIDDAY)
    assert retried == {
        "run_failed:r1": {
            "mail": "already sent",
            "wecom": "already sent",
            "dingtalk": "sent",
            "archive": "already sent",
        }
    }
    assert len(smtp.messages) == 1


def test_quiet_hours_hold_an_alert_until_morning_except_urgent_kinds(tmp_path, smtp, robots):
    notifier = notifier_for(tmp_path)
    checks = Alert("check_failed", "check_failed:r2", "2 blocking checks failed", ["check a"])

    assert notifier.send(checks, now=NIGHT) == {"mail": "held", "archive": "held"}
    assert smtp.messages == []
    # urgent kinds go out at night
    assert notifier.send(RUN_FAILED, now=NIGHT)["mail"] == "sent"
    assert notifier.flush_held(now=NIGHT + dt.timedelta(hours=1)) == {}  # still quiet

    morning = dt.datetime(2026, 12, 8, 7, 45, tzinfo=SHANGHAI)
    sent = notifier.flush_held(now=morning)
    assert sent == {"check_failed:r2": {"mail": "sent", "archive": "sent"}}
    assert [m["Subject"] for _, m in smtp.messages][-1] == "2 blocking checks failed"
    assert notifier.flush_held(now=morning) == {}


def test_a_route_to_an_unknown_channel_is_a_configuration_error(tmp_path):
    config = tmp_path / "alerts.yml"
    config.write_text("channels: {}\nroutes: {run_failed: [mail]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown channels"):
        NotifyConfig.load(config)


def test_late_sources_are_alerted_once_until_a_new_file_arrives(tmp_path, data_quality_home):
    # the hand-written freshness rows (tests/conftest.py): crm sources fresh, erp_orders never
    # loaded (its only file was rejected), svc_tickets 80 h old against a 48 h threshold
    alerts = late_source_alerts(data_quality_home / "published.duckdb")
    assert [a.key for a in alerts] == [
        "source_late:erp_orders:never",
        "source_late:svc_tickets:2026-11-18T02:00:00",
    ]
    assert "never loaded" in alerts[0].title and "80 h ago" in alerts[1].title
    config = tmp_path / "alerts.yml"
    config.write_text(
        "channels: {archive: {type: file, path: alerts.jsonl}}\nroutes: {source_late: [archive]}\n",
        encoding="utf-8",
    )
    notifier = Notifier(Paths(tmp_path / "home"), NotifyConfig.load(config))
    for _ in range(2):  # two nightly runs, no new file in between
        for alert in late_source_alerts(data_quality_home / "published.duckdb"):
            notifier.send(alert, now=MIDDAY)
    lines = (tmp_path / "home" / "alerts.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(line)["key"] for line in lines] == [a.key for a in alerts]


DIGEST_TABLES = {
    # hand-written; the sales alerts come from the sales_home fixture (tests/conftest.py):
    # E1 has O101 (no follow-up) and O102 (stuck), E2 lead L201, E3 O103, L202 has no owner
    "dim_employees": (
        "employee_id varchar, employee_name varchar, manager_id varchar",
        [
            ("E1", "王芳", "M1"),
            ("E3", "刘洋", "M1"),
            ("E2", "陈静", "M2"),
            ("G1", "孙工", "M2"),
            ("M1", "李强", None),
            ("M2", "赵敏", None),
        ],
    ),
    "rpt_ar_expected_overdue": (
        "statement_id varchar, installment_no integer, account_name varchar, owner_id varchar, "
        "open_amount decimal(18, 2), due_on date",
        [("S1", 1, "南京鼓楼医院", "E1", "5000.00", "2026-12-10")],
    ),
    "fct_ar_aging_snapshot": (
        "statement_id varchar, installment_no integer, account_name varchar, owner_id varchar, "
        "open_amount decimal(18, 2), days_past_due integer, is_latest boolean, "
        "is_overdue boolean",
        [
            ("S2", 2, "苏州市立医院", "E1", "800.00", 35, True, True),
            ("S2", 2, "苏州市立医院", "E1", "800.00", 5, False, True),  # an earlier as-of date
            ("S3", 1, "无锡人民医院", "E1", "900.00", -3, True, False),  # not yet due
        ],
    ),
    "rpt_service_open_tickets": (
        "ticket_id varchar, account_name varchar, engineer_id varchar, is_at_risk boolean, "
        "is_breached boolean",
        [("T1", "广州中山一院", "G1", True, False), ("T2", "广州中山一院", "G1", False, False)],
    ),
}


def test_morning_digests_reach_each_rep_and_manager_once(tmp_path, sales_home, smtp):
    published = sales_home / "published.duckdb"
    con = duckdb.connect(str(published))
    try:
        for table, (columns, rows) in DIGEST_TABLES.items():
            con.execute(f"create table {table} ({columns})")
            for row in rows:
                con.execute(f"insert into {table} values ({', '.join('?' * len(row))})", row)
    finally:
        con.close()
    directory = {e: f"{e.lower()}@example.com" for e in ("E1", "E2", "M1", "M2")}

    digests, missing = build_digests(published, directory, dt.date(2026, 12, 7))

    assert missing == ["E3", "G1"]
    by_key = {d.key: d for d in digests}
    assert sorted(by_key) == [
        "manager_digest:2026-12-07:M1",
        "manager_digest:2026-12-07:M2",
        "rep_digest:2026-12-07:E1",
        "rep_digest:2026-12-07:E2",
    ]
    own = by_key["rep_digest:2026-12-07:E1"]
    assert own.recipients == ("e1@example.com",) and "4 items" in own.title
    text = own.text()
    assert "O101" in text and "O102" in text and "S1/1" in text and "S2/2" in text
    assert "35 天" in text and "S3" not in text and "L201" not in text
    team = by_key["manager_digest:2026-12-07:M1"]
    assert team.lines[0] == "按人 / by person: 刘洋 1, 王芳 4"
    assert "O103" in team.text()
    assert "T1" in by_key["manager_digest:2026-12-07:M2"].text()

    config = tmp_path / "alerts.yml"
    config.write_text(
        "channels: {people_mail: {type: email, to: []}}\n"
        "routes: {rep_digest: [people_mail], manager_digest: [people_mail]}\n",
        encoding="utf-8",
    )
    notifier = Notifier(Paths(tmp_path / "home"), NotifyConfig.load(config))
    for _ in range(2):  # the schedule's run retried: nobody gets a digest twice
        for digest in digests:
            notifier.send(digest, now=MIDDAY)
    assert sorted(recipients[0] for recipients, _ in smtp.messages) == sorted(directory.values())


def test_the_shipped_alert_configuration_loads():
    config = NotifyConfig.load(EXAMPLE_CONFIG)
    assert config.people_directory == "people.csv"
    assert {"run_failed", "check_failed", "source_late", "rep_digest"} <= set(config.routes)
    assert config.is_quiet(NIGHT) and not config.is_quiet(MIDDAY)
