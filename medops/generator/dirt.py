"""Controlled dirt: which cells of a file get damaged, how, and the record of it.

The share of damaged rows per file is `dirty_rate`; every damaged row has exactly one dirty
cell (or is an exact duplicate appended at the end of the file). Choices come from a random
stream per file and chunk, so the same seed damages the same cells.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from medops.generator.names import to_full_width
from medops.generator.schema import (
    DATE,
    ENUM,
    ID,
    NAME,
    REF,
    TEXT,
    TIMESTAMP,
    Column,
    FileSpec,
)

KINDS = [
    "missing",
    "date_format",
    "full_width",
    "stray_space",
    "duplicate_row",
    "unknown_code",
]
KIND_WEIGHTS = np.array([0.25, 0.2, 0.12, 0.18, 0.1, 0.15])

# Codes that are guaranteed not to exist: id ranges the generator never uses.
UNKNOWN_REF_PATTERNS = {
    "account_id": "9{:06d}",
    "parent_account_id": "9{:06d}",
    "owner_id": "E9{:05d}",
    "employee_id": "E9{:05d}",
    "manager_id": "E9{:05d}",
    "changed_by": "E9{:05d}",
    "engineer_id": "E9{:05d}",
    "sku": "09{:06d}",
    "contract_id": "HT1999{:06d}",
    "campaign_id": "HD9{:04d}",
    "opportunity_id": "SJ9{:07d}",
    "lead_id": "XS9{:07d}",
    "statement_id": "DZ199901{:07d}",
    "serial_no": "MK99{:08d}",
    "ticket_id": "GD9{:08d}",
    "unit_id": "ORG9{:03d}",
    "parent_unit_id": "ORG9{:03d}",
    "office_id": "OF9{:02d}",
}
UNKNOWN_ENUM_VALUES = {
    "stage": ["待定", "已签约", "搁置"],
    "current_stage": ["待定", "已签约", "搁置"],
    "product_line": ["超声设备", "其他", "POCT"],
    "lead_source": ["朋友圈", "地推"],
    "lead_status": ["已关闭", "待分配"],
    "channel": ["微信小程序", "电商"],
    "priority": ["特急", "一般"],
    "activity_type": ["宴请", "培训"],
    "currency": ["HKD", "JPY"],
    "payment_method": ["现金", "支付宝"],
    "account_type": ["诊所", "药店"],
    "hospital_grade": ["三丙", "未定级"],
    "job_role": ["实习生", "区域经理"],
    "unit_level": ["事业部", "小组"],
    "campaign_type": ["路演", "沙龙"],
    "product_category": ["试剂", "配件"],
    "resolution_mode": ["寄修"],
    "ticket_status": ["已取消", "挂起"],
    "lost_reason": ["其他原因"],
}
OTHER_DATE_FORMATS = ["%Y/%-m/%-d", "%Y年%-m月%-d日", "%Y-%m-%d %H:%M", "%Y.%m.%d", "%Y%m%d"]
OTHER_TS_FORMATS = [
    "%Y/%-m/%-d %H:%M",
    "%Y年%-m月%-d日 %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
]


@dataclass
class DirtyCell:
    row: int  # 0-based index inside the chunk (or of the appended duplicate)
    column: str  # Chinese header; "*" for a duplicate row
    kind: str
    clean_value: str
    written_value: object  # None = blank cell


def as_text(value: object) -> str:
    """How the clean value reads, for the dirty-cell record."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _is_textual(col: Column) -> bool:
    return col.role in (ID, REF, ENUM, NAME, TEXT)


def _alt_date(value: object, col: Column, clean_text: str, rng: np.random.Generator) -> str | None:
    """The same date written in another format than the file's own."""
    if isinstance(value, (date, datetime)):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("/", "-"))
        except ValueError:
            return None
    formats = OTHER_TS_FORMATS if col.role == TIMESTAMP else OTHER_DATE_FORMATS
    for k in rng.permutation(len(formats)):
        text = _strftime(moment, formats[k])
        if text != clean_text:
            return text
    return None


def _strftime(moment: date, fmt: str) -> str:
    # Python's strftime has no portable "no padding" flag: expand %-m / %-d by hand.
    fmt = fmt.replace("%-m", str(moment.month)).replace("%-d", str(moment.day))
    return moment.strftime(fmt)


def choose_dirt(
    spec: FileSpec,
    n: int,
    rows_of: Callable[[list[int]], tuple[list[dict], list[dict]]],
    rate: float,
    rng: np.random.Generator,
) -> tuple[list[DirtyCell], list[int]]:
    """Pick the dirty cells of one chunk of `n` rows.

    `rows_of(indices)` returns, for those rows, the typed clean values and the clean values as
    the file shows them (strings for CSV), each as one dict per row keyed by column name.
    Returns the cell changes and the row indices to repeat as exact duplicates.
    """
    if rate <= 0 or n == 0:
        return [], []
    n_dirty = int(rng.binomial(n, min(rate, 1.0)))
    rows = np.sort(rng.choice(n, size=min(n_dirty, n), replace=False)).tolist()
    kinds = np.array(KINDS)[rng.choice(len(KINDS), len(rows), p=KIND_WEIGHTS / KIND_WEIGHTS.sum())]
    clean_rows, display_rows = rows_of(rows)
    cells: list[DirtyCell] = []
    duplicates: list[int] = []
    cols = list(spec.columns)
    for r, kind, clean, display in zip(rows, kinds.tolist(), clean_rows, display_rows, strict=True):
        if kind == "duplicate_row":
            duplicates.append(r)
            continue
        cell = _dirty_cell(kind, r, cols, clean, display, rng)
        if cell is None:  # the kind does not fit this row: fall back to a stray space
            cell = _dirty_cell("stray_space", r, cols, clean, display, rng)
        if cell is None:
            cell = _dirty_cell("missing", r, cols, clean, display, rng)
        if cell is not None:
            cells.append(cell)
    return cells, duplicates


def _dirty_cell(
    kind: str,
    r: int,
    cols: list[Column],
    clean: dict[str, object],
    display: dict[str, object],
    rng: np.random.Generator,
) -> DirtyCell | None:
    filled = [c for c in cols if clean[c.name] is not None and display[c.name] != ""]
    if kind == "missing":
        cand = filled
    elif kind == "date_format":
        cand = [c for c in filled if c.role in (DATE, TIMESTAMP)]
    elif kind == "full_width":
        cand = [
            c
            for c in filled
            if c.role in (ID, REF, NAME, TEXT)
            and to_full_width(str(display[c.name])) != str(display[c.name])
        ]
    elif kind == "stray_space":
        cand = [c for c in filled if _is_textual(c)]
    else:  # unknown_code
        cand = [
            c
            for c in filled
            if (c.role == REF and c.name in UNKNOWN_REF_PATTERNS)
            or (c.role == ENUM and c.name in UNKNOWN_ENUM_VALUES)
        ]
    if not cand:
        return None
    col = cand[int(rng.integers(0, len(cand)))]
    shown = display[col.name]
    clean_text = as_text(shown)
    if kind == "missing":
        return DirtyCell(
            r,
            col.header,
            "missing_required" if col.required else "missing_optional",
            clean_text,
            None,
        )
    if kind == "date_format":
        alt = _alt_date(clean[col.name], col, clean_text, rng)
        return None if alt is None else DirtyCell(r, col.header, kind, clean_text, alt)
    if kind == "full_width":
        return DirtyCell(r, col.header, kind, clean_text, to_full_width(clean_text))
    if kind == "stray_space":
        pad = [" ", "  ", "\u3000"][int(rng.integers(0, 3))]
        side = int(rng.integers(0, 3))
        text = {0: pad + clean_text, 1: clean_text + pad, 2: pad + clean_text + pad}[side]
        return DirtyCell(r, col.header, kind, clean_text, text)
    if col.role == REF:
        value = UNKNOWN_REF_PATTERNS[col.name].format(int(rng.integers(0, 10_000)))
    else:
        options = UNKNOWN_ENUM_VALUES[col.name]
        value = options[int(rng.integers(0, len(options)))]
    return DirtyCell(r, col.header, "unknown_code", clean_text, value)
