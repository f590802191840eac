"""The month-end pack for finance: one Excel workbook per month (``medops report monthly``).

Sheets: a cover (month, as-of date, where the figures come from and their data version), the
aging by bucket and org unit, the DSO trend, the overdue list with late fees, the compliance
exceptions of the month and the deal-to-cash summary. Amounts in CNY (¥#,##0.00) with the
headline figures also in 万元; every table has a frozen header row and filters.

Reproducible: for a closed month the aging, the overdue list and the DSO trend come from the
frozen tables of the month-end close (``closed.ar_aging``, ``closed.ar_kpis``), so a pack made
today and one made next year show the same figures. The compliance exceptions and the deal-to-
cash chain have no frozen copy; they come from the marts as built, and the cover says so with
the build's time. A month not yet closed can be packed from the marts with ``from_marts``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

CNY = "¥#,##0.00"
# 123456 shows as 12.3万: the comma scales by a thousand, the literal point by ten more
WAN = '0!.0,"万"'
PERCENT = "0.0%"
DAYS = "0.0"
TREND_MONTHS = 12


class ReportError(Exception):
    """The pack cannot be made (no warehouse, a month without data); the message says why."""


@dataclass(frozen=True)
class Source:
    """Where the month's receivables rows come from: the frozen close or the live marts."""

    closed: bool
    closed_at: dt.datetime | None
    aging_sql: str
    kpis_sql: str


def _source(con: duckdb.DuckDBPyConnection, month: dt.date, from_marts: bool) -> Source:
    has_closed = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'closed' and table_name = 'ar_aging'"
    ).fetchone()[0]
    closed_at = None
    if has_closed:
        closed_at = con.execute(
            "select max(closed_at) from closed.ar_aging where closed_month = $month",
            {"month": month},
        ).fetchone()[0]
    if closed_at is not None:
        return Source(
            True,
            closed_at,
            "select * from closed.ar_aging where closed_month = $month",
            "select * from closed.ar_kpis where month_start <= $month",
        )
    if not from_marts:
        closed = []
        if has_closed:
            closed = [
                m.strftime("%Y-%m")
                for (m,) in con.execute(
                    "select distinct closed_month from closed.ar_aging order by 1"
                ).fetchall()
            ]
        raise ReportError(
            f"{month:%Y-%m} is not closed (closed months: {', '.join(closed) or 'none'}); "
            "close it (Dagster job month_end_close) or pack it from the current marts with "
            "--from-marts"
        )
    return Source(
        False,
        None,
        "select * from marts.fct_ar_aging_snapshot "
        "where is_month_end and as_of_date = last_day($month)",
        "select * from marts.rpt_ar_kpis_monthly where month_start <= $month",
    )


def _frames(con: duckdb.DuckDBPyConnection, month: dt.date, source: Source) -> dict:
    params = {"month": month}
    buckets = con.execute(
        "select bucket_code, bucket_name_zh from marts.dim_ar_aging_buckets order by bucket_order"
    ).df()
    aging_rows = con.execute(source.aging_sql, params).df()
    if aging_rows.empty:
        raise ReportError(f"no receivables at the end of {month:%Y-%m}")
    org = ["region_name", "province_unit_name", "team_name"]
    aging = (
        aging_rows.assign(**{c: aging_rows[c].fillna("（未分配）") for c in org})
        .pivot_table(
            index=org,
            columns="due_bucket_code",
            values="open_amount",
            aggfunc="sum",
            fill_value=0,
        )
        .reindex(columns=list(buckets["bucket_code"]), fill_value=0)
        .astype(float)
        .reset_index()
    )
    aging["total"] = aging[list(buckets["bucket_code"])].sum(axis=1)
    kpis = con.execute(
        f"select * from ({source.kpis_sql}) order by month_start desc limit {TREND_MONTHS}",
        params,
    ).df()
    overdue = (
        aging_rows[aging_rows["is_overdue"]]
        .sort_values(["days_past_due", "open_amount"], ascending=[False, False])
        .loc[
            :,
            [
                "account_name",
                "statement_id",
                "installment_no",
                "due_on",
                "days_past_due",
                "due_bucket_code",
                "open_amount",
                "late_fee_accrued",
                "owner_name",
                "team_name",
                "region_name",
            ],
        ]
    )
    compliance = con.execute(
        "select exception_type, detected_on, contract_id, order_id, line_no, statement_id, "
        "account_name, owner_name, team_name, region_name, expected_value, actual_value, "
        "amount_at_stake from marts.rpt_contract_compliance_exceptions "
        "where date_trunc('month', detected_on) = $month "
        "order by exception_type, amount_at_stake desc",
        params,
    ).df()
    deal_to_cash = con.execute(
        "select cast(grain_key as date) as won_month, deals_won, won_amount, contract_amount, "
        "ordered_amount, billed_amount, credited_amount, collected_amount, outstanding_amount "
        "from marts.rpt_deal_to_cash_rollup where grain = 'month' "
        "and cast(grain_key as date) between $month - interval 11 month and $month "
        "order by won_month",
        params,
    ).df()
    fingerprint = hashlib.sha256(
        aging_rows.sort_values(["statement_id", "installment_no"])
        .to_csv(index=False)
        .encode("utf-8")
    ).hexdigest()[:12]
    return {
        "buckets": buckets,
        "aging": aging,
        "kpis": kpis.sort_values("month_start"),
        "overdue": overdue,
        "compliance": compliance,
        "deal_to_cash": deal_to_cash,
        "fingerprint": fingerprint,
    }


def write_monthly_pack(
    warehouse: Path, month: dt.date, out: Path, from_marts: bool = False
) -> Path:
    """Write the pack of ``month`` (its first day) to ``out`` and return it."""
    if not warehouse.exists():
        raise ReportError(f"no warehouse at {warehouse}: run `medops run` first")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        source = _source(con, month, from_marts)
        frames = _frames(con, month, source)
    finally:
        con.close()
    built_at = dt.datetime.fromtimestamp(warehouse.stat().st_mtime).replace(microsecond=0)
    _write(out, month, source, frames, built_at)
    return out


def _write(out: Path, month: dt.date, source: Source, frames: dict, built_at) -> None:
    import xlsxwriter

    month_end = (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()
    out.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(out))
    fmt = {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "label": book.add_format({"bold": True}),
        "header": book.add_format(
            {"bold": True, "bg_color": "#dde6f0", "border": 1, "text_wrap": True}
        ),
        "cny": book.add_format({"num_format": CNY}),
        "wan": book.add_format({"num_format": WAN}),
        "pct": book.add_format({"num_format": PERCENT}),
        "days": book.add_format({"num_format": DAYS}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "total": book.add_format({"bold": True, "top": 2, "num_format": CNY}),
        "total_label": book.add_format({"bold": True, "top": 2}),
    }

    cover = book.add_worksheet("封面 Cover")
    cover.set_column(0, 0, 26)
    cover.set_column(1, 1, 60)
    cover.write(0, 0, f"月结报告 Month-end pack {month:%Y-%m}", fmt["title"])
    origin = (
        f"月结冻结数据 closed.* (frozen at {source.closed_at:%Y-%m-%d %H:%M})"
        if source.closed
        else "当前数据集市 marts (month not closed: figures can still change)"
    )
    kpis = frames["kpis"]
    latest = kpis.iloc[-1] if not kpis.empty else None
    rows = [
        ("截止日 As-of date", month_end.isoformat()),
        ("应收/账龄来源 Receivables from", origin),
        ("数据版本 Data version", f"{frames['fingerprint']} (SHA-256 of the month-end rows)"),
        ("集市构建 Marts built", f"{built_at:%Y-%m-%d %H:%M} (compliance, deal to cash)"),
        ("生成时间 Generated", f"{dt.datetime.now().replace(microsecond=0):%Y-%m-%d %H:%M}"),
        ("币种 Currency", "CNY; 万 columns = 万元 (10,000 CNY)"),
    ]
    for row, (label, value) in enumerate(rows, start=2):
        cover.write(row, 0, label, fmt["label"])
        cover.write(row, 1, value)
    if latest is not None:
        headline = [
            ("应收余额 Outstanding", latest["outstanding_amount"], "wan"),
            ("逾期金额 Overdue", latest["overdue_amount"], "wan"),
            ("逾期占比 Share overdue", latest["share_overdue"], "pct"),
            ("DSO (天 days)", latest["dso_days"], "days"),
        ]
        for offset, (label, value, kind) in enumerate(headline, start=len(rows) + 3):
            cover.write(offset, 0, label, fmt["label"])
            if value is not None and not pd.isna(value):
                cover.write_number(offset, 1, float(value), fmt[kind])

    buckets = frames["buckets"]
    amount_columns = {code: name for code, name in zip(*buckets.values.T, strict=True)}
    amount_columns["total"] = "合计 Total"
    _table(
        book,
        fmt,
        "账龄 Aging",
        f"账龄（按到期日）{month_end} Aging by days past due, by org unit",
        frames["aging"],
        {"region_name": ("大区 Region", None), "province_unit_name": ("省区 Province unit", None),
         "team_name": ("团队 Team", None),
         **{c: (t, "cny") for c, t in amount_columns.items()}},
        totals=list(amount_columns),
    )  # fmt: skip
    _table(
        book,
        fmt,
        "DSO趋势 DSO trend",
        f"应收指标（近{TREND_MONTHS}个月末）Receivables KPIs, last {TREND_MONTHS} month-ends",
        frames["kpis"],
        {
            "month_end": ("月末 Month-end", "date"),
            "outstanding_amount": ("应收余额 Outstanding", "cny"),
            "overdue_amount": ("逾期 Overdue", "cny"),
            "share_overdue": ("逾期占比 Share overdue", "pct"),
            "billed_90_days_amount": ("近90天开票 Billed 90 days", "cny"),
            "dso_days": ("DSO", "days"),
            "collection_effectiveness": ("CEI", "pct"),
            "reconciliation_rate": ("核销率 Reconciliation", "pct"),
            "payments_amount": ("回款 Collections", "cny"),
        },
    )
    _table(
        book,
        fmt,
        "逾期清单 Overdue",
        f"逾期清单及滞纳金 {month_end} Overdue instalments and late fees",
        frames["overdue"],
        {
            "account_name": ("客户 Customer", None),
            "statement_id": ("对账单 Statement", None),
            "installment_no": ("期次 Instalment", None),
            "due_on": ("到期日 Due", "date"),
            "days_past_due": ("逾期天数 Days past due", None),
            "due_bucket_code": ("账龄段 Bucket", None),
            "open_amount": ("未收金额 Open", "cny"),
            "late_fee_accrued": ("滞纳金 Late fee", "cny"),
            "owner_name": ("销售 Rep", None),
            "team_name": ("团队 Team", None),
            "region_name": ("大区 Region", None),
        },
        totals=["open_amount", "late_fee_accrued"],
    )
    _table(
        book,
        fmt,
        "合规例外 Compliance",
        f"合同合规例外（{month:%Y-%m} 发现）Contract compliance exceptions detected in the month",
        frames["compliance"],
        {
            "exception_type": ("类型 Type", None),
            "detected_on": ("发现日 Detected", "date"),
            "contract_id": ("合同 Contract", None),
            "order_id": ("订单 Order", None),
            "line_no": ("行 Line", None),
            "statement_id": ("对账单 Statement", None),
            "account_name": ("客户 Customer", None),
            "owner_name": ("销售 Rep", None),
            "team_name": ("团队 Team", None),
            "region_name": ("大区 Region", None),
            "expected_value": ("应为 Expected", None),
            "actual_value": ("实际 Actual", None),
            "amount_at_stake": ("涉及金额 At stake", "cny"),
        },
        totals=["amount_at_stake"],
    )
    money = ("won_amount", "contract_amount", "ordered_amount", "billed_amount")
    money += ("credited_amount", "collected_amount", "outstanding_amount")
    titles = ("赢单 Won", "合同 Contracted", "订单 Ordered", "开票 Billed", "红冲 Credited")
    titles += ("回款 Collected", "未收 Outstanding")
    _table(
        book,
        fmt,
        "销售到回款 Deal to cash",
        "销售到回款（按赢单月，近12个月；截至最新导出）Deal to cash by month won",
        frames["deal_to_cash"],
        {
            "won_month": ("赢单月 Month won", "date"),
            "deals_won": ("赢单数 Deals", None),
            **{c: (t, "wan") for c, t in zip(money, titles, strict=True)},
        },
        totals=["deals_won", *money],
    )
    book.close()


def _table(book, fmt, sheet_name, title, frame, columns, totals=()) -> None:
    """A titled table: header row frozen, filters on, formats per column, a totals row."""
    sheet = book.add_worksheet(sheet_name[:31])
    sheet.write(0, 0, title, fmt["title"])
    for index, (header, kind) in enumerate(columns.values()):
        sheet.write(1, index, header, fmt["header"])
        width = 16 if kind else max(12, min(30, len(header) + 4))
        sheet.set_column(index, index, width, fmt[kind] if kind else None)
    for row, record in enumerate(frame[list(columns)].itertuples(index=False), start=2):
        for index, value in enumerate(record):
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                continue
            if isinstance(value, dt.date | pd.Timestamp):
                sheet.write_datetime(row, index, pd.Timestamp(value).to_pydatetime(), fmt["date"])
            elif isinstance(value, str):
                sheet.write_string(row, index, value)
            else:
                sheet.write_number(row, index, float(value))
    last = len(frame) + 1
    sheet.freeze_panes(2, 0)
    sheet.autofilter(1, 0, max(last, 1), len(columns) - 1)
    if totals:
        sheet.write(last + 1, 0, "合计 Total", fmt["total_label"])
        for index, column in enumerate(columns):
            if column in totals:
                sheet.write_number(last + 1, index, float(frame[column].sum()), fmt["total"])
