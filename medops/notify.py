"""Alerts that reach people: e-mail over SMTP, WeCom (企业微信) and DingTalk (钉钉) group robots,
and a file channel, routed by one configuration file.

Each alert has a key (``run_failed:<run id>``); an alert is sent to each of its channels once,
whatever re-runs or repeated sensor ticks ask for it again (``$MEDOPS_HOME/alerts_sent.sqlite``
records what went out). During quiet hours an alert is held, except kinds the configuration
marks urgent, and ``flush_held`` sends it when the quiet hours are over. A channel that fails is
recorded and tried again on the next send; it never stops the other channels.

Secrets (SMTP password, robot webhook tokens, DingTalk's signing secret) come only from
environment variables; the configuration names the variables, never the values.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import smtplib
import sqlite3
import ssl
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import yaml

from medops.settings import REPO_ROOT, Paths

EXAMPLE_CONFIG = REPO_ROOT / "deploy" / "alerts.yml"
HTTP_TIMEOUT_SECONDS = 10


class NotifyError(Exception):
    """A channel could not deliver (the reason is recorded; the alert is retried later)."""


@dataclass(frozen=True)
class Alert:
    kind: str  # run_failed, check_failed, ... : the route in the configuration
    key: str  # the same alert asked for twice has the same key
    title: str
    lines: list[str] = field(default_factory=list)
    # e-mail addresses of the people an alert is for (a digest); empty: the channel's own list
    recipients: tuple[str, ...] = ()

    def text(self) -> str:
        return "\n".join([self.title, *self.lines])


# --- channels -----------------------------------------------------------------------------------


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise NotifyError(f"environment variable {name} is not set")
    return value


def send_email(alert: Alert, options: dict[str, Any]) -> None:
    """SMTP: MEDOPS_SMTP_HOST, _PORT (default 587), _TLS (starttls, ssl or none; default
    starttls), _USER and _PASSWORD (optional: no login without them), _FROM."""
    host = _env("MEDOPS_SMTP_HOST")
    tls = os.environ.get("MEDOPS_SMTP_TLS", "starttls")
    port = int(os.environ.get("MEDOPS_SMTP_PORT", "465" if tls == "ssl" else "587"))
    message = EmailMessage()
    message["Subject"] = alert.title
    message["From"] = os.environ.get("MEDOPS_SMTP_FROM", "medops@localhost")
    message["To"] = ", ".join(alert.recipients or options["to"])
    message.set_content(alert.text())
    context = ssl.create_default_context(cafile=os.environ.get("MEDOPS_SMTP_CAFILE"))
    try:
        if tls == "ssl":
            server = smtplib.SMTP_SSL(host, port, context=context, timeout=HTTP_TIMEOUT_SECONDS)
        else:
            server = smtplib.SMTP(host, port, timeout=HTTP_TIMEOUT_SECONDS)
        with server:
            if tls == "starttls":
                server.starttls(context=context)
            if os.environ.get("MEDOPS_SMTP_USER"):
                server.login(_env("MEDOPS_SMTP_USER"), _env("MEDOPS_SMTP_PASSWORD"))
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise NotifyError(f"SMTP {host}:{port}: {error}") from error


def _post_json(url: str, payload: dict) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
            answer = json.loads(response.read().decode("utf-8") or "{}")
    except (OSError, ValueError) as error:
        raise NotifyError(f"webhook {urllib.parse.urlsplit(url).netloc}: {error}") from error
    # both robots answer HTTP 200 with an error code in the body
    if answer.get("errcode", 0) != 0:
        raise NotifyError(f"webhook refused: {answer.get('errcode')} {answer.get('errmsg')}")


def _markdown(alert: Alert) -> str:
    return "\n".join([f"**{alert.title}**", *(f"> {line}" for line in alert.lines)])


def send_wecom(alert: Alert, options: dict[str, Any]) -> None:
    """WeCom group robot: POST a markdown message to the robot's webhook URL (it carries the
    robot's key, so it comes from the environment variable ``webhook_env``)."""
    _post_json(
        _env(options["webhook_env"]),
        {"msgtype": "markdown", "markdown": {"content": _markdown(alert)}},
    )


def dingtalk_signature(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signed-robot signature: base64 of HMAC-SHA256 over "timestamp\\nsecret"."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def send_dingtalk(alert: Alert, options: dict[str, Any]) -> None:
    """DingTalk group robot: POST a markdown message; with a signing secret (``secret_env``) the
    URL carries the timestamp and signature the robot checks."""
    url = _env(options["webhook_env"])
    if options.get("secret_env"):
        timestamp = int(time.time() * 1000)
        signature = dingtalk_signature(_env(options["secret_env"]), timestamp)
        query = urllib.parse.urlencode({"timestamp": timestamp, "sign": signature})
        url += ("&" if "?" in url else "?") + query
    _post_json(
        url,
        {"msgtype": "markdown", "markdown": {"title": alert.title, "text": _markdown(alert)}},
    )


def send_file(alert: Alert, options: dict[str, Any], home: Paths) -> None:
    """One JSON line per alert (relative paths are under $MEDOPS_HOME)."""
    path = home.home / options["path"]
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "kind": alert.kind,
        "key": alert.key,
        "title": alert.title,
        "lines": alert.lines,
        "recipients": list(alert.recipients),
    }
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


# --- configuration and delivery ------------------------------------------------------------------


@dataclass(frozen=True)
class NotifyConfig:
    channels: dict[str, dict[str, Any]]
    routes: dict[str, list[str]]
    quiet_start: dt.time | None = None
    quiet_end: dt.time | None = None
    timezone: ZoneInfo = ZoneInfo("Asia/Shanghai")
    urgent: frozenset[str] = frozenset()
    # employee_id,email CSV for the morning digests (relative paths: under $MEDOPS_HOME)
    people_directory: str | None = None

    @classmethod
    def load(cls, path: Path) -> NotifyConfig:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        quiet = raw.get("quiet_hours") or {}
        channels = raw.get("channels") or {}
        routes = raw.get("routes") or {}
        for kind, names in routes.items():
            unknown = set(names) - set(channels)
            if unknown:
                raise ValueError(f"{path}: route {kind} names unknown channels {sorted(unknown)}")
        for name, options in channels.items():
            if options.get("type") not in CHANNEL_TYPES:
                raise ValueError(f"{path}: channel {name} has unknown type {options.get('type')}")
        return cls(
            channels=channels,
            routes=routes,
            quiet_start=dt.time.fromisoformat(quiet["start"]) if quiet else None,
            quiet_end=dt.time.fromisoformat(quiet["end"]) if quiet else None,
            timezone=ZoneInfo(quiet.get("timezone", "Asia/Shanghai")),
            urgent=frozenset(quiet.get("urgent", [])),
            people_directory=raw.get("people_directory"),
        )

    def is_quiet(self, now: dt.datetime) -> bool:
        if self.quiet_start is None or self.quiet_end is None:
            return False
        local = now.astimezone(self.timezone).time()
        if self.quiet_start <= self.quiet_end:
            return self.quiet_start <= local < self.quiet_end
        return local >= self.quiet_start or local < self.quiet_end  # over midnight


CHANNEL_TYPES = {"email", "wecom", "dingtalk", "file"}


def config_path(home: Paths) -> Path:
    """MEDOPS_ALERTS_CONFIG, else $MEDOPS_HOME/alerts.yml."""
    return Path(os.environ.get("MEDOPS_ALERTS_CONFIG", home.home / "alerts.yml"))


class Notifier:
    def __init__(self, home: Paths, config: NotifyConfig):
        self.home = home
        self.config = config
        home.home.mkdir(parents=True, exist_ok=True)
        self._ledger = home.home / "alerts_sent.sqlite"
        with self._connect() as con:
            con.execute(
                "create table if not exists deliveries (alert_key text, channel text, "
                "status text, detail text, payload text, updated_at text, "
                "primary key (alert_key, channel))"
            )

    @classmethod
    def from_home(cls, home: Paths) -> Notifier | None:
        """The notifier of the configuration file, None when there is none."""
        path = config_path(home)
        return cls(home, NotifyConfig.load(path)) if path.exists() else None

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self._ledger, timeout=30)

    def _deliver(self, alert: Alert, channel: str) -> str:
        options = self.config.channels[channel]
        kind = options["type"]
        try:
            if kind == "email":
                send_email(alert, options)
            elif kind == "wecom":
                send_wecom(alert, options)
            elif kind == "dingtalk":
                send_dingtalk(alert, options)
            else:
                send_file(alert, options, self.home)
        except NotifyError as error:
            return f"failed: {error}"
        return "sent"

    def send(self, alert: Alert, now: dt.datetime | None = None) -> dict[str, str]:
        """Send ``alert`` to each channel of its route that has not had it; return what happened
        per channel: sent, held (quiet hours), already sent, or failed with the reason."""
        now = now or dt.datetime.now(dt.UTC)
        quiet = self.config.is_quiet(now) and alert.kind not in self.config.urgent
        outcome = {}
        payload = json.dumps(
            {
                "kind": alert.kind,
                "title": alert.title,
                "lines": alert.lines,
                "recipients": list(alert.recipients),
            },
            ensure_ascii=False,
        )
        with self._connect() as con:
            for channel in self.config.routes.get(alert.kind, []):
                row = con.execute(
                    "select status from deliveries where alert_key = ? and channel = ?",
                    [alert.key, channel],
                ).fetchone()
                if row and row[0] == "sent":
                    outcome[channel] = "already sent"
                    continue
                status = "held" if quiet else self._deliver(alert, channel)
                con.execute(
                    "insert or replace into deliveries values (?, ?, ?, ?, ?, ?)",
                    [
                        alert.key,
                        channel,
                        "sent" if status == "sent" else status.split(":")[0],
                        status,
                        payload,
                        now.isoformat(),
                    ],
                )
                outcome[channel] = status
        return outcome

    def flush_held(self, now: dt.datetime | None = None) -> dict[str, dict[str, str]]:
        """Send what quiet hours (or a failed channel) held back, once they are over."""
        now = now or dt.datetime.now(dt.UTC)
        if self.config.is_quiet(now):
            return {}
        with self._connect() as con:
            pending = con.execute(
                "select alert_key, payload from deliveries where status != 'sent' "
                "group by alert_key, payload"
            ).fetchall()
        sent = {}
        for key, payload in pending:
            fields = json.loads(payload)
            alert = Alert(
                fields["kind"], key, fields["title"], fields["lines"], tuple(fields["recipients"])
            )
            sent[key] = self.send(alert, now)
        return sent


# --- what the published marts say --------------------------------------------------------------


# the data-quality mart the late-source alerts read
FRESHNESS_MART = "rpt_source_freshness"


def late_source_alerts(published: Path) -> list[Alert]:
    """One alert per source whose newest loaded file is older than its system's threshold
    (the data-quality mart rpt_source_freshness, seed source_freshness_thresholds). The key
    holds the newest load, so a source stays one alert until a new file arrives."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        rows = con.execute(
            "select source, last_loaded_at, age_hours, warn_after_hours, freshness_status, "
            f"last_file_name, last_file_status from {FRESHNESS_MART} "
            "where freshness_status in ('warn', 'error') order by source"
        ).fetchall()
    finally:
        con.close()
    alerts = []
    for source, loaded_at, age, warn_after, status, last_file, last_status in rows:
        since = f"last loaded {loaded_at:%Y-%m-%d %H:%M}" if loaded_at else "never loaded"
        age_text = f", {age:.0f} h ago" if age is not None else ""
        alerts.append(
            Alert(
                "source_late",
                f"source_late:{source}:{loaded_at.isoformat() if loaded_at else 'never'}",
                f"数据源迟到 / source late: {source} ({status}): {since}{age_text}",
                [
                    f"expected at least every {warn_after} h",
                    f"newest file: {last_file} ({last_status})",
                ],
            )
        )
    return alerts
