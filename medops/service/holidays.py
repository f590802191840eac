"""Write seeds/holidays_cn.csv: China's statutory holidays and make-up workdays (调休).

    python -m medops.service.holidays            # rewrite the seed from chinese_calendar

The seed lists only the days whose working status differs from the Monday-to-Friday rule:
weekday holidays (`holiday`) and weekend make-up workdays (`makeup_workday`). The years come
from the `chinesecalendar` package, which knows the State Council's schedules up to 2026 and
refuses later years; years after that are kept by analysts in seeds/holidays_extra.csv with
the same columns. Rerun this script after upgrading the package (tests/test_service_calendar.py
fails while the committed seed and the package disagree).
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path

import chinese_calendar

FIRST_YEAR = 2015  # the oldest installed devices in the demo data
SEED_PATH = Path(__file__).resolve().parents[2] / "seeds" / "holidays_cn.csv"
COLUMNS = ["holiday_date", "day_kind", "holiday_name", "source"]
# chinese_calendar's English holiday names -> the names analysts use in holidays_extra.csv.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def last_known_year() -> int:
    """The last year chinese_calendar knows (it raises NotImplementedError beyond it)."""
    year = dt.date.today().year + 5
    while True:
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
            return year
        except NotImplementedError:
            year -= 1


def holiday_rows(first_year: int = FIRST_YEAR, last_year: int | None = None) -> list[dict]:
    """One row per day whose working status differs from the weekday rule, in date order."""
    last_year = last_year or last_known_year()
    rows = []
    day = dt.date(first_year, 1, 1)
    while day.year <= last_year:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        weekend = day.weekday() >= 5
        works = chinese_calendar.is_workday(day)
        if works == weekend:  # differs from the weekday rule
            kind = "makeup_workday" if works else "holiday"
            label = HOLIDAY_NAMES.get(str(name), str(name)) if name else ""
            rows.append(
                {
                    "holiday_date": day.isoformat(),
                    "day_kind": kind,
                    "holiday_name": label,
                    "source": "chinese_calendar",
                }
            )
        day += dt.timedelta(days=1)
    return rows


def write_seed(path: Path = SEED_PATH) -> int:
    rows = holiday_rows()
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


if __name__ == "__main__":
    sys.stdout.write(f"{write_seed()} rows written to {SEED_PATH}\n")
