"""The answer key: what was planted, where the dirt is, and clean typed copies of the data."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from medops.generator.schema import EXPORT_DATE, HISTORY_END, HISTORY_START

ANSWER_DIR = "_answer_key"
CHAIN_ORDER_COLUMNS = (
    "order_id",
    "line_no",
    "contract_id",
    "account_id",
    "quantity",
    "unit_price",
    "ordered_on",
)
# Planted deal-to-cash leaks (issue 14): answer-key file names, counted in the manifest.
DEAL_TO_CASH_PLANTS = (
    "deals_won_without_contract",
    "contracts_without_orders",
    "partial_deliveries",
    "late_installs",
    "write_offs",
    "contracts_without_deal_key",
)


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


def deal_to_cash_frames(
    opportunities: pl.DataFrame,
    contracts: pl.DataFrame,
    orders: pl.DataFrame,
    statements: pl.DataFrame,
    devices: pl.DataFrame,
    write_offs: pl.DataFrame,
) -> dict[str, pl.DataFrame]:
    """The planted deal-to-cash leaks and the chain of every won deal as generated: contracts
    by the opportunity key, their order lines by the contract key, devices by the order line
    they were delivered for, billed = order lines on a statement that was issued."""
    won = opportunities.filter(pl.col("current_stage") == "赢单").select(
        "opportunity_id", "account_id", "owner_id", "product_line", "amount", "closed_on"
    )
    # by the true deal, also where the export lost the key (the chain must find it by rule)
    linked = contracts.drop("opportunity_id").rename({"_opportunity_id": "opportunity_id"})
    linked = linked.filter(pl.col("opportunity_id").is_not_null())
    lines = orders.with_columns(
        (pl.col("quantity") * pl.col("unit_price")).alias("line_amount"),
        pl.col("ordered_on").dt.strftime("%Y-%m").alias("period"),
    ).join(statements, on=["account_id", "period"], how="left")
    per_order_line = lines.join(
        devices.filter(pl.col("_order_id").is_not_null())
        .group_by(pl.col("_order_id").alias("order_id"), pl.col("_line_no").alias("line_no"))
        .agg(pl.len().alias("installed_units"), pl.col("installed_on").min()),
        on=["order_id", "line_no"],
        how="left",
    )
    per_contract = per_order_line.group_by("contract_id").agg(
        pl.len().alias("order_lines"),
        pl.col("line_amount").sum().alias("ordered_amount"),
        pl.col("line_amount")
        .filter(pl.col("statement_id").is_not_null())
        .sum()
        .alias("billed_amount"),
        pl.col("installed_units").sum().alias("devices_installed"),
        pl.col("ordered_on").min().alias("first_ordered_on"),
        pl.col("installed_on").min().alias("first_installed_on"),
    )
    per_deal = (
        linked.join(per_contract, on="contract_id", how="left")
        .group_by("opportunity_id")
        .agg(
            pl.len().alias("contracts"),
            pl.col("_planned_cny").sum().alias("contract_amount_cny"),
            # the warehouse converts at its own rates (seed fx_rates): compare these in kind
            (pl.col("currency") != "CNY").sum().alias("foreign_currency_contracts"),
            pl.col("signed_on").min().alias("first_signed_on"),
            pl.col("order_lines").sum(),
            pl.col("ordered_amount").sum(),
            pl.col("billed_amount").sum(),
            pl.col("devices_installed").sum(),
            pl.col("first_ordered_on").min(),
            pl.col("first_installed_on").min(),
        )
    )
    chain = (
        won.join(per_deal, on="opportunity_id", how="left")
        .with_columns(
            pl.col(
                "contracts", "foreign_currency_contracts", "order_lines", "devices_installed"
            ).fill_null(0),
            pl.col("contract_amount_cny", "ordered_amount", "billed_amount")
            .fill_null(0.0)
            .round(2),
        )
        .sort("opportunity_id")
    )
    equipment_lines = per_order_line.join(
        devices.select(pl.col("_order_id").alias("order_id")).unique(), on="order_id", how="semi"
    )
    partial = (
        per_order_line.filter(
            pl.col("installed_units").is_not_null()
            & (pl.col("installed_units") < pl.col("quantity"))
        )
        .join(equipment_lines.select("order_id", "line_no"), on=["order_id", "line_no"], how="semi")
        .select("order_id", "line_no", "contract_id", "account_id", "quantity", "installed_units")
        .sort("order_id", "line_no")
    )
    late = (
        devices.filter(pl.col("_late_install"))
        .join(
            orders.select("order_id", "line_no", "ordered_on"),
            left_on=["_order_id", "_line_no"],
            right_on=["order_id", "line_no"],
        )
        .select(
            "serial_no",
            pl.col("_order_id").alias("order_id"),
            pl.col("_line_no").alias("line_no"),
            "account_id",
            "ordered_on",
            "installed_on",
            (pl.col("installed_on") - pl.col("ordered_on"))
            .dt.total_days()
            .alias("days_to_install"),
        )
        .sort("serial_no")
    )
    from medops.generator.finance import contracts_without_deal_key, contracts_without_orders

    return {
        "deal_to_cash": chain,
        "deals_won_without_contract": chain.filter(pl.col("contracts") == 0).select(
            "opportunity_id", "account_id", "product_line", "amount", "closed_on"
        ),
        "contracts_without_orders": contracts_without_orders(contracts).sort("contract_id"),
        "partial_deliveries": partial,
        "late_installs": late,
        "write_offs": write_offs.sort("credit_note_id"),
        "contracts_without_deal_key": contracts_without_deal_key(contracts),
    }


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
