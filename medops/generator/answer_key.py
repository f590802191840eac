"""The answer key: what was planted, where the dirt is, and clean typed copies of the data."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from medops.generator.schema import EXPORT_DATE, HISTORY_END, HISTORY_START

ANSWER_DIR = "_answer_key"


def write_csv(path: Path, df: pl.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.write_csv(path)


def late_payers(
    payer_class: pl.DataFrame, statements: pl.DataFrame, payments: pl.DataFrame
) -> pl.DataFrame:
    """Customers planted as slow or non-payers, with what the data shows about them."""
    planted = payer_class.filter(pl.col("payer_class").is_in(["slow", "never"]))
    paid = payments.group_by("_true_statement_id").agg(
        pl.col("payment_amount").sum().alias("paid"), pl.col("paid_on").min().alias("first_paid_on")
    )
    per_stmt = statements.join(
        paid, left_on="statement_id", right_on="_true_statement_id", how="left"
    ).with_columns(
        pl.col("paid").fill_null(0.0),
        (pl.col("first_paid_on") - pl.col("due_on")).dt.total_days().alias("days_late"),
    )
    per_acc = per_stmt.group_by("account_id").agg(
        pl.len().alias("statements"),
        pl.col("statement_amount").sum().round(2).alias("billed"),
        pl.col("paid").sum().round(2).alias("paid"),
        pl.col("days_late").mean().round(1).alias("avg_days_late_first_payment"),
    )
    return (
        planted.join(per_acc, on="account_id", how="inner")
        .with_columns((pl.col("billed") - pl.col("paid")).round(2).alias("unpaid_amount"))
        .rename({"payer_class": "behaviour"})
        .sort("account_id")
    )


def write_manifest(
    answer_dir: Path,
    *,
    scale: float,
    seed: int,
    dirty_rate: float,
    files: dict[str, int],
    planted: dict[str, object],
    dirty_counts: dict[str, int],
    parameters: dict[str, object],
) -> None:
    manifest = {
        "scale": scale,
        "seed": seed,
        "dirty_rate": dirty_rate,
        "export_date": EXPORT_DATE.isoformat(),
        "history_start": HISTORY_START.isoformat(),
        "history_end": HISTORY_END.isoformat(),
        "files": dict(sorted(files.items())),
        "planted": planted,
        "dirty_cells_by_kind": dict(sorted(dirty_counts.items())),
        "parameters": parameters,
        "notes": {
            "dirty_cells.row_number": "1-based data row in the file as written (header excluded)",
            "duplicate_row": "exact copies are appended at the end of the file; column is '*' and "
            "written_value names the original row",
            "xlsx_plain_serial_columns": "crm_accounts 创建日期 and crm_opportunities "
            "预计成交日期 are bare Excel serial numbers without a date format",
            "erp_date_styles": "contracts, contract changes, orders, payments, expense claims "
            "write 2024/3/5; statements, instalments, invoices and credit notes write 2024-03-05",
            "backdated_payments": "payments posted (记账日期) 35-70 days after they were paid; "
            "an as-of report counts a payment from the later of the two dates",
            "unallocated_payments": "payments with a blank 对账单号; unallocated_payments.csv "
            "gives the statement each one actually settles",
        },
    }
    answer_dir.mkdir(parents=True, exist_ok=True)
    (answer_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
