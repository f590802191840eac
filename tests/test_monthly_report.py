"""The month-end pack (``medops report monthly``) on a copy of the shared build's warehouse with
one month closed: every sheet's totals equal the marts and the frozen close, the pack is the
same when made again after the marts change, and a month not closed is refused with the
closed months named."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import query

from dagster_project.defs.close import close_month
from medops.monthly_report import ReportError, write_monthly_pack

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def closed_home(clean_build, tmp_path_factory) -> tuple[Path, dt.date]:
    """A copy of the shared warehouse whose second-to-last statement month is closed."""
    home, _exports, result = clean_build
    assert result.success
    copy = tmp_path_factory.mktemp("pack_home")
    shutil.copyfile(home / "warehouse.duckdb", copy / "warehouse.duckdb")
    [(month,)] = query(
        copy / "warehouse.duckdb",
        "select month_start from marts.rpt_ar_kpis_monthly order by month_start desc "
        "limit 1 offset 1",
    )
    con = duckdb.connect(str(copy / "warehouse.duckdb"))
    try:
        close_month(con, month)
    finally:
        con.close()
    return copy, month


def sheet_rows(book, name: str) -> tuple[list[str], list[list], list]:
    """Header, data rows and the totals row (when there is one) of a table sheet."""
    rows = [list(r) for r in book[name].iter_rows(min_row=2, values_only=True)]
    header, body = rows[0], rows[1:]
    totals = body.pop() if body and body[-1][0] == "合计 Total" else None
    return header, body, totals


def test_pack_totals_equal_the_marts(closed_home, tmp_path):
    home, month = closed_home
    db = home / "warehouse.duckdb"
    out = write_monthly_pack(db, month, tmp_path / "pack.xlsx")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [
        "封面 Cover",
        "账龄 Aging",
        "DSO趋势 DSO trend",
        "逾期清单 Overdue",
        "合规例外 Compliance",
        "销售到回款 Deal to cash",
    ]
    month_end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(1)
    cover = {row[0]: row[1] for row in book["封面 Cover"].iter_rows(values_only=True) if row[0]}
    assert cover["截止日 As-of date"] == month_end.isoformat()
    assert "closed.*" in cover["应收/账龄来源 Receivables from"]

    [(outstanding, overdue, late_fees)] = query(
        db,
        "select outstanding_amount, overdue_amount, late_fee_accrued "
        f"from marts.rpt_ar_kpis_monthly where month_start = '{month}'",
    )
    header, body, totals = sheet_rows(book, "账龄 Aging")
    assert header[-1] == "合计 Total"
    assert totals[-1] == pytest.approx(float(outstanding), abs=0.01)
    assert sum(row[-1] for row in body) == pytest.approx(float(outstanding), abs=0.01)
    # each bucket column adds up to the aging's own bucket total
    buckets = dict(
        query(
            db,
            "select due_bucket_code, sum(open_amount) from marts.fct_ar_aging_snapshot "
            f"where is_month_end and as_of_date = '{month_end}' group by 1",
        )
    )
    assert sum(float(v) for v in buckets.values()) == pytest.approx(float(outstanding), abs=0.01)

    header, body, totals = sheet_rows(book, "逾期清单 Overdue")
    assert totals[header.index("未收金额 Open")] == pytest.approx(float(overdue), abs=0.01)
    assert totals[header.index("滞纳金 Late fee")] == pytest.approx(float(late_fees), abs=0.01)
    assert all(row[header.index("逾期天数 Days past due")] > 0 for row in body)

    header, body, _ = sheet_rows(book, "DSO趋势 DSO trend")
    last = body[-1]
    [(dso,)] = query(
        db, f"select dso_days from marts.rpt_ar_kpis_monthly where month_start = '{month}'"
    )
    assert last[header.index("DSO")] == pytest.approx(dso)
    assert len(body) == min(12, len(query(db, "select 1 from closed.ar_kpis")))

    [(exceptions, at_stake)] = query(
        db,
        "select count(*), coalesce(sum(amount_at_stake), 0) "
        "from marts.rpt_contract_compliance_exceptions "
        f"where date_trunc('month', detected_on) = '{month}'",
    )
    _, body, totals = sheet_rows(book, "合规例外 Compliance")
    assert len(body) == exceptions
    assert totals[-1] == pytest.approx(float(at_stake), abs=0.01)

    [(deals, won, collected)] = query(
        db,
        "select sum(deals_won), sum(won_amount), sum(collected_amount) "
        "from marts.rpt_deal_to_cash_rollup where grain = 'month' and cast(grain_key as date) "
        f"between date '{month}' - interval 11 month and date '{month}'",
    )
    header, body, totals = sheet_rows(book, "销售到回款 Deal to cash")
    assert deals > 0
    assert totals[header.index("赢单数 Deals")] == deals
    assert totals[header.index("赢单 Won")] == pytest.approx(float(won), abs=0.01)
    assert totals[header.index("回款 Collected")] == pytest.approx(float(collected), abs=0.01)

    # formatted for finance: frozen header rows, filters, CNY and 万 formats
    aging = book["账龄 Aging"]
    assert aging.freeze_panes == "A3"
    assert aging.auto_filter.ref.startswith("A2:")
    assert book["逾期清单 Overdue"].cell(3, 7).number_format == "¥#,##0.00"  # open amount
    assert book["销售到回款 Deal to cash"].cell(3, 3).number_format == '0!.0,"万"'


def test_pack_of_a_closed_month_does_not_change_with_the_marts(closed_home, tmp_path):
    home, month = closed_home
    db = home / "warehouse.duckdb"
    before = write_monthly_pack(db, month, tmp_path / "before.xlsx")
    # a late correction: the marts change, the closed month does not
    con = duckdb.connect(str(db))
    try:
        con.execute(
            "update marts.fct_ar_aging_snapshot set open_amount = open_amount + 1000 "
            "where is_month_end and as_of_date = last_day($m)",
            {"m": month},
        )
    finally:
        con.close()
    after = write_monthly_pack(db, month, tmp_path / "after.xlsx")
    first, second = openpyxl.load_workbook(before), openpyxl.load_workbook(after)
    for name in ("账龄 Aging", "逾期清单 Overdue", "DSO趋势 DSO trend"):
        assert list(first[name].values) == list(second[name].values), name
    version = "数据版本 Data version"
    covers = [
        {r[0]: r[1] for r in book["封面 Cover"].iter_rows(values_only=True) if r[0]}
        for book in (first, second)
    ]
    assert covers[0][version] == covers[1][version]


def test_month_not_closed_is_refused_with_the_closed_months(closed_home, tmp_path):
    home, month = closed_home
    later = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    with pytest.raises(ReportError, match=f"{later:%Y-%m} is not closed .*{month:%Y-%m}"):
        write_monthly_pack(home / "warehouse.duckdb", later, tmp_path / "x.xlsx")
    command = [str(Path(sys.executable).parent / "medops"), "report", "monthly"]
    result = subprocess.run(
        [*command, "--month", f"{later:%Y-%m}", "--out", str(tmp_path / "y.xlsx")],
        env={"MEDOPS_HOME": str(home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "--from-marts" in result.stderr
    written = write_monthly_pack(home / "warehouse.duckdb", later, tmp_path / "z.xlsx", True)
    cover = openpyxl.load_workbook(written)["封面 Cover"]
    assert "marts" in cover["B4"].value
