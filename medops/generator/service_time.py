"""The demo company's service calendars and SLA policies, and the generator's own business clock.

This is the world's truth the answer key is computed from. The warehouse reads the same rules
from seeds (service_calendar_hours, service_calendar_regions, service_sla_policies,
service_ticket_statuses) and keeps its holidays in holidays_cn / holidays_extra; nothing here is
shared with the warehouse: the clock below works on numpy arrays with the `chinese_calendar`
package directly, so a mistake in one is caught by the other instead of copied.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import numpy as np

# Working intervals per calendar, minutes after midnight Beijing time. Xinjiang keeps later
# office hours in Beijing time.
CALENDAR_HOURS = {
    "cn_standard": ((8 * 60 + 30, 12 * 60), (13 * 60, 17 * 60 + 30)),
    "cn_xinjiang": ((10 * 60, 14 * 60), (15 * 60 + 30, 19 * 60 + 30)),
    "cn_24x7": ((0, 24 * 60),),
}
ALL_HOURS = "cn_24x7"
DEFAULT_CALENDAR = "cn_standard"
PROVINCE_CALENDAR = {"新疆维吾尔自治区": "cn_xinjiang"}
# Statuses during which the SLA clock stops (waiting for parts does not: the parts are ours).
PAUSE_STATUSES = ("等待客户",)

KEY_GRADES = ("三甲", "三乙")  # tertiary hospitals: the key service tier
DEVICE_CLASS = {"影像设备": "imaging_equipment", "检验设备": "lab_equipment"}
PRIORITY_CODE = {"紧急": "p1_critical", "高": "p2_high", "中": "p3_medium", "低": "p4_low"}
# Policy versions: (version, valid from, valid to inclusive). v2 tightened critical and high
# acceptance and critical resolution at key customers from July 2025.
POLICY_VERSIONS = (
    ("v1", date(2015, 1, 1), date(2025, 6, 30)),
    ("v2", date(2025, 7, 1), date(2099, 12, 31)),
)
_ACCEPT_MIN = {"紧急": 60, "高": 120, "中": 240, "低": 480}
_ARRIVE_MIN = {"紧急": 480, "高": 960, "中": 1440, "低": 2880}
_RESOLVE_MIN = {"紧急": 960, "高": 1920, "中": 2880, "低": 4800}


def sla_policies() -> list[dict]:
    """Every policy row: version x tier x device class x priority -> targets (business minutes)
    and the clock they run on ('customer': the customer's calendar, '24x7': always)."""
    rows = []
    for version, valid_from, valid_to in POLICY_VERSIONS:
        for tier in ("key", "standard"):
            for line, device_class in DEVICE_CLASS.items():
                for priority in PRIORITY_CODE:
                    accept = _ACCEPT_MIN[priority]
                    arrive = _ARRIVE_MIN[priority]
                    resolve = _RESOLVE_MIN[priority]
                    if tier == "standard":
                        arrive, resolve = arrive * 3 // 2, resolve * 3 // 2
                    if line == "影像设备":
                        resolve = resolve * 3 // 2
                    if version == "v2" and priority in ("紧急", "高"):
                        accept //= 2
                    if version == "v2" and priority == "紧急" and tier == "key":
                        resolve = resolve * 3 // 4
                    clock = "24x7" if (priority == "紧急" and tier == "key") else "customer"
                    rows.append(
                        {
                            "policy_version": version,
                            "valid_from": valid_from,
                            "valid_to": valid_to,
                            "service_tier": tier,
                            "device_class": device_class,
                            "device_line": line,
                            "priority": priority,
                            "clock": clock,
                            "accept_minutes": accept,
                            "arrive_minutes": arrive,
                            "resolve_minutes": resolve,
                        }
                    )
    return rows


def _works(day: date, calendar_id: str) -> bool:
    if calendar_id == ALL_HOURS:
        return True
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # years the package does not know: weekday rule
        return day.weekday() < 5


class BusinessClock:
    """Working seconds of one calendar since its first day, and the inverse."""

    FIRST_DAY = date(2014, 12, 1)
    LAST_DAY = date(2027, 12, 31)

    def __init__(self, calendar_id: str) -> None:
        n = (self.LAST_DAY - self.FIRST_DAY).days + 1
        days = [self.FIRST_DAY + timedelta(days=i) for i in range(n)]
        working = np.array([np.datetime64(d, "s") for d in days if _works(d, calendar_id)])
        hours = CALENDAR_HOURS[calendar_id]
        starts = np.concatenate([working + np.timedelta64(a * 60, "s") for a, _ in hours]).astype(
            "int64"
        )
        lengths = np.concatenate([np.full(len(working), (b - a) * 60) for a, b in hours])
        order = np.argsort(starts, kind="stable")
        self.starts = starts[order]
        self.lengths = lengths[order].astype("int64")
        self.before = np.concatenate([[0], np.cumsum(self.lengths)[:-1]])

    def clock(self, t: np.ndarray) -> np.ndarray:
        """Working seconds up to each moment (datetime64[s]); NaN for NaT."""
        secs = t.astype("datetime64[s]").astype("int64")
        i = np.clip(np.searchsorted(self.starts, secs, side="right") - 1, 0, None)
        inside = np.clip(secs - self.starts[i], 0, self.lengths[i])
        out = (self.before[i] + inside).astype(float)
        return np.where(np.isnat(t), np.nan, out)

    def moment(self, clock: np.ndarray) -> np.ndarray:
        """The moment (datetime64[s]) the clock reaches each reading (start of the next working
        interval for a reading on a boundary)."""
        x = np.asarray(clock, dtype="int64")
        i = np.searchsorted(self.before, x, side="right") - 1
        return (self.starts[i] + (x - self.before[i])).astype("datetime64[s]")


_CLOCKS: dict[str, BusinessClock] = {}


def business_clock(calendar_id: str) -> BusinessClock:
    if calendar_id not in _CLOCKS:
        _CLOCKS[calendar_id] = BusinessClock(calendar_id)
    return _CLOCKS[calendar_id]


def clock_at(calendars: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Working seconds up to t[i] on calendar calendars[i] (NaN for NaT)."""
    out = np.full(len(t), np.nan)
    for cal in np.unique(calendars):
        sel = calendars == cal
        out[sel] = business_clock(str(cal)).clock(t[sel])
    return out


def moment_at(calendars: np.ndarray, clock: np.ndarray) -> np.ndarray:
    """The moment calendars[i]'s clock reaches clock[i]."""
    out = np.empty(len(clock), dtype="datetime64[s]")
    for cal in np.unique(calendars):
        sel = calendars == cal
        out[sel] = business_clock(str(cal)).moment(clock[sel])
    return out
