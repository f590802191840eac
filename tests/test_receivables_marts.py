"""Receivables end to end: aging, KPIs, unapplied cash and contract compliance against figures
computed here from the generator's truth tables and planted-case lists.

The expected figures use only the answer key (statements, instalment plans, payments, credit
notes, orders, contracts) and the written-down rules: a payment counts at an as-of date once it
was both received (回款日期) and posted (记账日期); a credit note counts from its date; a
statement's instalments are settled oldest due first; cash without a statement, and cash beyond
what a statement asks, is unapplied. Nothing here reads the dbt models' logic.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import query, truth

from ingest.load import ingest_path

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
CENT = 0.011  # sums of decimals rounded to the cent


def seed(name: str) -> list[dict[str, str]]:
    with (REPO / "seeds" / f"{name}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def bucket_of(days: int, buckets: list[dict[str, str]]) -> str:
    """The bucket whose inclusive [min_days, max_days] holds ``days`` (blank = unbounded)."""
    hits = [
        b["bucket_code"]
        for b in buckets
        if (b["min_days"] == "" or days >= int(b["min_days"]))
        and (b["max_days"] == "" or days <= int(b["max_days"]))
    ]
    assert len(hits) == 1, (days, hits)
    return hits[0]


def open_items(exports: Path, as_of: date) -> pl.DataFrame:
    """Open instalments at ``as_of``: (statement_id, installment_no, account_id, due_on,
    statement_on, open_amount), computed from the truth tables."""
    stmts = truth(exports, "statements").filter(pl.col("statement_on") <= as_of)
    plans = truth(exports, "statement_installments")
    single = stmts.join(plans.select("statement_id").unique(), on="statement_id", how="anti")
    installments = pl.concat(
        [
            plans.join(stmts.select("statement_id"), on="statement_id"),
            single.select(
                "statement_id",
                pl.lit(1, pl.Int64).alias("installment_no"),
                "due_on",
                pl.col("statement_amount").alias("installment_amount"),
            ),
        ]
    )
    pays = truth(exports, "payments").filter(
        pl.col("statement_id").is_not_null()
        & (pl.col("paid_on") <= as_of)
        & (pl.col("recorded_on") <= as_of)
    )
    credits = truth(exports, "credit_notes").filter(pl.col("issued_on") <= as_of)
    applied = (
        pl.concat(
            [
                pays.select("statement_id", pl.col("payment_amount").alias("amount")),
                credits.select("statement_id", pl.col("credit_amount").alias("amount")),
            ]
        )
        .group_by("statement_id")
        .agg(pl.col("amount").sum().alias("applied"))
    )
    rows = []
    applied_by = dict(zip(applied["statement_id"], applied["applied"], strict=True))
    for (statement_id,), group in installments.sort("due_on", "installment_no").group_by(
        "statement_id", maintain_order=True
    ):
        left = applied_by.get(statement_id, 0.0)
        for inst in group.iter_rows(named=True):
            take = min(max(left, 0.0), inst["installment_amount"])
            left -= take
            remaining = round(inst["installment_amount"] - take, 2)
            if remaining > 0.004:
                rows.append((statement_id, inst["installment_no"], inst["due_on"], remaining))
    items = pl.DataFrame(
        rows,
        schema=["statement_id", "installment_no", "due_on", "open_amount"],
        orient="row",
    )
    return items.join(stmts.select("statement_id", "account_id", "statement_on"), on="statement_id")


def unapplied_total(exports: Path, as_of: date) -> float:
    """Unallocated payments known by ``as_of`` plus what statements were over-paid by then."""
    stmts = truth(exports, "statements")
    pays = truth(exports, "payments").filter(
        (pl.col("paid_on") <= as_of) & (pl.col("recorded_on") <= as_of)
    )
    credits = truth(exports, "credit_notes").filter(pl.col("issued_on") <= as_of)
    unallocated = pays.filter(pl.col("statement_id").is_null())["payment_amount"].sum()
    applied = (
        pl.concat(
            [
                pays.filter(pl.col("statement_id").is_not_null()).select(
                    "statement_id", pl.col("payment_amount").alias("amount")
                ),
                credits.select("statement_id", pl.col("credit_amount").alias("amount")),
            ]
        )
        .group_by("statement_id")
        .agg(pl.col("amount").sum())
        .join(stmts, on="statement_id")
    )
    over = (applied["amount"] - applied["statement_amount"]).clip(lower_bound=0).sum()
    return unallocated + over


def month_ends(first: date, last: date) -> list[date]:
    out, current = [], date(first.year, first.month, 1)
    while True:
        nxt = date(current.year + (current.month == 12), current.month % 12 + 1, 1)
        end = nxt - timedelta(days=1)
        if end > last:
            return out
        out.append(end)
        current = nxt


def test_aging_buckets_match_independent_computation(clean_build):
    home, exports, _ = clean_build
    buckets = seed("aging_buckets")
    db = home / "published.duckdb"
    dates = [d for (d,) in query(db, "select distinct as_of_date from fct_ar_aging_snapshot")]
    ends = month_ends(min(dates), max(dates))
    assert set(ends) <= set(dates)
    # a spread of month-ends (early, middle, late) and the latest data date
    checked = [ends[2], ends[len(ends) // 2], ends[-1], max(dates)]
    for as_of in checked:
        items = open_items(exports, as_of).with_columns(
            pl.col("due_on")
            .map_elements(lambda d, a=as_of: bucket_of((a - d).days, buckets), pl.Utf8)
            .alias("bucket")
        )
        expected = {
            b: round(v, 2)
            for b, v in items.group_by("bucket").agg(pl.col("open_amount").sum()).iter_rows()
        }
        got = {
            b: float(v)
            for b, v in query(
                db,
                "select due_bucket_code, sum(open_amount) from fct_ar_aging_snapshot "
                f"where as_of_date = '{as_of}' group by 1",
            )
        }
        assert set(got) == set(expected), as_of
        for bucket, amount in expected.items():
            assert got[bucket] == pytest.approx(amount, abs=CENT * len(items)), (as_of, bucket)
        # per customer, not only in total
        per_account = dict(
            items.group_by("account_id").agg(pl.col("open_amount").sum().round(2)).iter_rows()
        )
        got_accounts = dict(
            query(
                db,
                "select account_id, sum(open_amount)::double from fct_ar_aging_snapshot "
                f"where as_of_date = '{as_of}' group by 1",
            )
        )
        assert set(got_accounts) == set(per_account)
        for account, amount in per_account.items():
            assert got_accounts[account] == pytest.approx(amount, abs=0.05), account


def test_partial_instalment_credit_and_over_payments_all_occur(clean_build):
    """The cases the aging must handle are really in the data the tests above check."""
    _, exports, _ = clean_build
    latest = max(truth(exports, "payments")["recorded_on"])
    items = open_items(exports, latest)
    stmts = truth(exports, "statements").join(
        items.group_by("statement_id").agg(pl.col("open_amount").sum()), on="statement_id"
    )
    assert (stmts["open_amount"] < stmts["statement_amount"] - 0.01).sum() > 0  # partial
    assert truth(exports, "statement_installments").height > 0
    assert truth(exports, "credit_notes").height > 0
    assert truth(exports, "payments")["statement_id"].null_count() > 0  # unallocated cash
    assert (
        unapplied_total(exports, latest)
        > truth(exports, "payments")
        .filter(pl.col("statement_id").is_null())["payment_amount"]
        .sum()
    )  # over-payments add to it


def test_backdated_payments_count_only_once_posted(clean_build):
    home, exports, _ = clean_build
    backdated = pl.read_csv(
        exports / "_answer_key" / "backdated_payments.csv",
        try_parse_dates=True,
        schema_overrides={"account_id": pl.Utf8},
    )
    assert backdated.height > 0
    db = home / "published.duckdb"
    crossing = 0
    for row in backdated.iter_rows(named=True):
        ends = [d for d in month_ends(row["paid_on"], row["recorded_on"]) if d < row["recorded_on"]]
        if not ends or row["statement_id"] is None:
            continue
        crossing += 1
        as_of = ends[0]
        # at that month-end the money had arrived but was not posted: the statement is still
        # owed at least that payment, exactly as the independent computation says
        expected = (
            open_items(exports, as_of)
            .filter(pl.col("statement_id") == row["statement_id"])["open_amount"]
            .sum()
        )
        [(got,)] = query(
            db,
            "select coalesce(sum(open_amount), 0)::double from fct_ar_aging_snapshot "
            f"where as_of_date = '{as_of}' and statement_id = '{row['statement_id']}'",
        )
        assert got == pytest.approx(expected, abs=0.02), row
        assert got >= row["payment_amount"] - 0.02 or expected < row["payment_amount"], row
    assert crossing > 0


def test_kpis_match_independent_computation(clean_build):
    home, exports, _ = clean_build
    stmts = truth(exports, "statements")
    pays = truth(exports, "payments").with_columns(
        pl.max_horizontal("paid_on", "recorded_on").alias("counts_from")
    )
    rows = query(
        home / "published.duckdb",
        "select month_end, outstanding_amount::double, overdue_amount::double, dso_days, "
        "reconciliation_rate, collection_effectiveness, unapplied_cash_amount::double "
        "from rpt_ar_kpis_monthly order by month_end",
    )
    assert len(rows) > 24
    previous_outstanding = 0.0
    for month_end, outstanding, overdue, dso, reconciliation, cei, unapplied in rows:
        items = open_items(exports, month_end)
        month_start = month_end.replace(day=1)
        total = items["open_amount"].sum()
        past_due = items.filter(pl.col("due_on") < month_end)["open_amount"].sum()
        assert outstanding == pytest.approx(total, abs=1.0), month_end
        assert overdue == pytest.approx(past_due, abs=1.0), month_end
        billed_90 = stmts.filter(
            (pl.col("statement_on") > month_end - timedelta(days=90))
            & (pl.col("statement_on") <= month_end)
        )["statement_amount"].sum()
        if billed_90:
            assert dso == pytest.approx(total / billed_90 * 90, rel=1e-6), month_end
        in_month = pays.filter(pl.col("counts_from").is_between(month_start, month_end))
        if in_month.height:
            allocated = in_month.filter(pl.col("statement_id").is_not_null())
            assert reconciliation == pytest.approx(
                allocated["payment_amount"].sum() / in_month["payment_amount"].sum(), rel=1e-6
            ), month_end
        billed = stmts.filter(pl.col("statement_on").is_between(month_start, month_end))[
            "statement_amount"
        ].sum()
        current = total - past_due
        denominator = previous_outstanding + billed - current
        if denominator > 1:
            assert cei == pytest.approx(
                (previous_outstanding + billed - total) / denominator, rel=1e-6, abs=1e-6
            ), month_end
        assert unapplied == pytest.approx(unapplied_total(exports, month_end), abs=1.0)
        previous_outstanding = total


def _key(df: pl.DataFrame, *cols: str) -> set[tuple]:
    return set(df.select(cols).iter_rows())


def test_compliance_exceptions_equal_the_planted_ones(clean_build):
    home, exports, _ = clean_build
    key = exports / "_answer_key"
    found = pl.DataFrame(
        query(
            home / "published.duckdb",
            "select exception_type, contract_id, order_id, line_no, amount_at_stake::double "
            "from rpt_contract_compliance_exceptions",
        ),
        schema=["exception_type", "contract_id", "order_id", "line_no", "amount"],
        orient="row",
    )
    by_type = {t: found.filter(pl.col("exception_type") == t) for t in found["exception_type"]}
    assert set(by_type) <= {"discount", "no_contract", "validity", "changed_after_approval"}

    deviations = pl.read_csv(key / "discount_deviations.csv")
    assert _key(by_type["discount"], "order_id", "line_no") == _key(
        deviations, "order_id", "line_no"
    )
    joined = by_type["discount"].join(deviations, on=["order_id", "line_no"])
    assert (joined["amount"] - joined["amount_at_stake"]).abs().max() < 0.011

    without = pl.read_csv(key / "orders_without_contract.csv")
    assert set(by_type["no_contract"]["order_id"]) == set(without["order_id"])
    joined = by_type["no_contract"].join(without, on="order_id")
    assert (joined["amount"] - joined["order_amount"]).abs().max() < 0.011

    outside = pl.read_csv(key / "orders_outside_validity.csv")
    assert outside.height > 0
    assert _key(by_type["validity"], "order_id", "line_no") == _key(outside, "order_id", "line_no")

    changed = pl.read_csv(key / "contracts_changed_after_approval.csv")
    assert changed.height > 0
    assert set(by_type["changed_after_approval"]["contract_id"]) == set(changed["contract_id"])
    joined = by_type["changed_after_approval"].join(changed, on="contract_id")
    assert (joined["amount"] - joined["amount_at_stake"]).abs().max() < 0.011


def test_foreign_currency_contracts_keep_original_and_cny(clean_build):
    home, exports, _ = clean_build
    rates = {(r["rate_month"], r["currency"]): float(r["rate_to_cny"]) for r in seed("fx_rates")}
    contracts = truth(exports, "contracts")
    got = {
        cid: (currency, float(amount), float(cny))
        for cid, currency, amount, cny in query(
            home / "published.duckdb",
            "select contract_id, currency, contract_amount, contract_amount_cny from dim_contracts",
        )
    }
    foreign = contracts.filter(pl.col("currency") != "CNY")
    assert foreign.height > 0
    for row in contracts.iter_rows(named=True):
        rate = (
            1.0
            if row["currency"] == "CNY"
            else rates[(row["signed_on"].strftime("%Y-%m"), row["currency"])]
        )
        currency, amount, cny = got[row["contract_id"]]
        assert (currency, amount) == (row["currency"], pytest.approx(row["contract_amount"]))
        assert cny == pytest.approx(round(row["contract_amount"] * rate, 2), abs=0.011)


# --- a later export drop must not change a past month-end's report ---------------------------

LATER_EXPORT = "erp_payments_20261221.csv"
HEADERS = ["回款单号", "客户编码", "对账单号", "回款日期", "回款金额", "付款方式", "记账日期"]


def _aging(db: Path, as_of: date) -> list[tuple]:
    return query(
        db,
        "select statement_id, installment_no, open_amount, due_bucket_code, late_fee_accrued "
        f"from fct_ar_aging_snapshot where as_of_date = '{as_of}' "
        "order by statement_id, installment_no",
    )


def test_past_month_end_report_is_stable_when_later_payments_arrive(clean_build, tmp_path):
    home, exports, _ = clean_build
    from dagster_project.resources import DBT_EXECUTABLE, dbt_project

    later_home = tmp_path / "later"
    later_home.mkdir()
    shutil.copy(home / "warehouse.duckdb", later_home / "warehouse.duckdb")
    before = later_home / "warehouse.duckdb"
    past = date(2026, 10, 31)
    con = duckdb.connect(str(before), read_only=True)
    try:
        report_before = con.execute(
            "select statement_id, installment_no, open_amount, due_bucket_code, "
            "late_fee_accrued from marts.fct_ar_aging_snapshot "
            f"where as_of_date = '{past}' order by statement_id, installment_no"
        ).fetchall()
    finally:
        con.close()
    assert report_before
    # two statements overdue at that month-end and still open on the newest report; the new
    # payments settle what they owe then
    latest_before = query(before, "select max(as_of_date) from marts.fct_ar_aging_snapshot")[0][0]
    still_open = dict(
        query(
            before,
            "select statement_id, sum(open_amount)::double from marts.fct_ar_aging_snapshot "
            f"where as_of_date = '{latest_before}' group by 1",
        )
    )
    overdue_then = sorted(
        {r[0] for r in report_before if r[3] != "not_yet_due" and r[0] in still_open}
    )
    back_stmt, late_stmt = overdue_then[:2]
    back_open, late_open = still_open[back_stmt], still_open[late_stmt]
    account_of = dict(truth(exports, "statements").select("statement_id", "account_id").iter_rows())
    drop = tmp_path / "drop" / "erp"
    drop.mkdir(parents=True)
    rows = [
        # back-dated: arrived in October, posted in December
        ["HK900000001", account_of[back_stmt], back_stmt, "2026/10/15", f"{back_open:,.2f}",
         "银行转账", "2026/12/5"],
        # a December payment
        ["HK900000002", account_of[late_stmt], late_stmt, "2026/12/10", f"{late_open:,.2f}",
         "银行转账", "2026/12/10"],
        # December cash nobody has matched to a statement yet
        ["HK900000003", account_of[late_stmt], "", "2026/12/11", "5,000.00", "银行转账",
         "2026/12/11"],
    ]  # fmt: skip
    with (drop / LATER_EXPORT).open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADERS)
        writer.writerows(rows)
    con = duckdb.connect(str(before))
    try:
        reports = ingest_path(con, drop.parent)
    finally:
        con.close()
    assert [r.status for r in reports] == ["loaded"] and reports[0].rows_loaded == 3
    subprocess.run(
        [
            DBT_EXECUTABLE,
            "run",
            "--select",
            "+fct_ar_aging_snapshot",
            "--profiles-dir",
            str(dbt_project.project_dir),
            "--target-path",
            str(tmp_path / "dbt_target"),
            "--quiet",
        ],
        cwd=dbt_project.project_dir,
        env={**os.environ, "MEDOPS_HOME": str(later_home)},
        check=True,
    )
    con = duckdb.connect(str(before), read_only=True)
    try:
        report_after = con.execute(
            "select statement_id, installment_no, open_amount, due_bucket_code, "
            "late_fee_accrued from marts.fct_ar_aging_snapshot "
            f"where as_of_date = '{past}' order by statement_id, installment_no"
        ).fetchall()
        latest = con.execute("select max(as_of_date) from marts.fct_ar_aging_snapshot").fetchone()[
            0
        ]
        settled = con.execute(
            "select count(*) from marts.fct_ar_aging_snapshot "
            "where as_of_date = ? and statement_id in (?, ?)",
            [latest, back_stmt, late_stmt],
        ).fetchone()[0]
    finally:
        con.close()
    assert report_after == report_before
    assert latest == date(2026, 12, 11)
    assert settled == 0  # both statements are paid in full on the newest report
