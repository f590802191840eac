"""Deterministic demo exports of a Chinese medical-device company (CRM, ERP, service).

    from medops.generator import generate_exports
    summary = generate_exports(Path("exports"), scale=0.01, seed=42, dirty_rate=0.005)

Writes `crm/`, `erp/` and `service/` exactly as docs/EXPORTS.md specifies, plus
`_answer_key/` (what was planted, where the dirt is, clean typed parquet copies). The same
(scale, seed, dirty_rate) always gives byte-identical files; nothing depends on the clock.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import polars as pl

from medops.generator import answer_key, customers, field, finance, org, sales, service
from medops.generator.schema import SPECS
from medops.generator.world import World
from medops.generator.writers import DirtLog, TruthWriter, open_writer

__all__ = ["generate_exports"]

# Tables whose clean copy goes to _answer_key/truth/ (canonical column names, typed).
TRUTH_TABLES = {
    "crm_org_units": "org_units",
    "crm_offices": "offices",
    "crm_employees": "employees",
    "crm_accounts": "accounts",
    "crm_contacts": "contacts",
    "crm_leads": "leads",
    "crm_opportunities": "opportunities",
    "crm_opportunity_stage_history": "opportunity_stage_history",
    "crm_visits": "visits",
    "crm_campaigns": "campaigns",
    "crm_quotas": "quotas",
    "erp_products": "products",
    "erp_contracts": "contracts",
    "erp_orders": "orders",
    "erp_statements": "statements",
    "erp_invoices": "invoices",
    "erp_payments": "payments",
    "erp_expense_claims": "expense_claims",
    "svc_devices": "devices",
    "svc_tickets": "tickets",
    "svc_parts_used": "parts_used",
    "erp_contract_changes": "contract_changes",
    "erp_statement_installments": "statement_installments",
    "erp_credit_notes": "credit_notes",
    "svc_ticket_history": "ticket_history",
    "svc_service_contracts": "service_contracts",
    "svc_repair_charges": "repair_charges",
    "svc_engineer_worklogs": "engineer_worklogs",
    "svc_parts_stock": "parts_stock",
    "svc_pm_visits": "pm_visits",
}


class _Drop:
    """Open writers (export file + truth parquet) for every entity of one drop."""

    def __init__(self, out_dir: Path, world: World, dirty_rate: float) -> None:
        self.out_dir = out_dir
        self.world = world
        self.rate = dirty_rate
        self.log = DirtLog()
        self.files: dict[str, int] = {}
        self.truth_dir = out_dir / answer_key.ANSWER_DIR / "truth"
        self.open: dict[str, tuple[object, TruthWriter]] = {}

    def write(self, entity: str, df: pl.DataFrame) -> None:
        if entity not in self.open:
            spec = SPECS[entity]
            writer = open_writer(self.out_dir, spec, self.rate, self.log, self.world.rng)
            truth = TruthWriter(self.truth_dir / f"{TRUTH_TABLES[entity]}.parquet")
            self.open[entity] = (writer, truth)
        writer, truth = self.open[entity]
        writer.write(df)
        truth.write(df.select(SPECS[entity].names))

    def close(self, entity: str) -> None:
        writer, truth = self.open.pop(entity)
        self.files[SPECS[entity].relative_path] = writer.close()
        truth.close()

    def write_all(self, entity: str, df: pl.DataFrame) -> None:
        self.write(entity, df)
        self.close(entity)


def generate_exports(
    out_dir: Path, scale: float = 0.01, seed: int = 42, dirty_rate: float = 0.005
) -> dict[str, object]:
    """Write one export drop (CRM, ERP, service files plus `_answer_key/`) into `out_dir`.

    Returns {"files": {relative path: data rows}, "seconds": float, "planted": {...},
    "dirty_cells": int}.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    if not 0 <= dirty_rate < 1:
        raise ValueError("dirty_rate must be in [0, 1)")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = World(scale=scale, seed=seed)

    org.build_org(world)
    customers.build_accounts(world)
    customers.build_contacts(world)
    sales.build_products(world)
    sales.build_campaigns(world)
    sales.build_leads(world)
    sales.build_opportunities(world)
    sales.build_quotas(world)
    finance.build_contracts(world)

    drop = _Drop(out_dir, world, dirty_rate)
    t = world.tables
    for entity, table in [
        ("crm_org_units", "org_units"),
        ("crm_offices", "offices"),
        ("crm_employees", "employees"),
        ("crm_accounts", "accounts"),
        ("crm_contacts", "contacts"),
        ("crm_leads", "leads"),
        ("crm_opportunities", "opportunities"),
        ("crm_opportunity_stage_history", "opportunity_stage_history"),
        ("crm_campaigns", "campaigns"),
        ("crm_quotas", "quotas"),
        ("erp_products", "products"),
        ("erp_contracts", "contracts"),
        ("erp_contract_changes", "contract_changes"),
    ]:
        drop.write_all(entity, t[table])

    # Field work, streamed per chunk of reps.
    inflated, suspicious = [], []
    for chunk in field.field_chunks(world):
        drop.write("crm_visits", chunk.visits)
        drop.write("erp_expense_claims", chunk.claims)
        inflated.append(chunk.inflated)
        suspicious.append(chunk.suspicious)
    drop.close("crm_visits")
    drop.close("erp_expense_claims")

    # Money, streamed per chunk of customers.
    deviations, without, equipment, unallocated, late = [], [], [], [], []
    backdated, outside_validity, changed_value = [], [], []
    chain_orders, chain_statements, write_offs = [], [], []
    equipment_skus = t["products"].filter(pl.col("product_category") == "设备")["sku"]
    for chunk in finance.finance_chunks(world):
        drop.write("erp_orders", chunk.orders)
        drop.write("erp_statements", chunk.statements)
        drop.write("erp_invoices", chunk.invoices)
        drop.write("erp_payments", chunk.payments)
        drop.write("erp_statement_installments", chunk.installments)
        drop.write("erp_credit_notes", chunk.credit_notes)
        backdated.append(chunk.backdated)
        outside_validity.append(chunk.outside_validity)
        changed_value.append(chunk.changed_contract_value)
        deviations.append(chunk.deviations)
        without.append(chunk.without_contract)
        equipment.append(
            chunk.orders.filter(pl.col("sku").is_in(equipment_skus.implode())).select(
                "sku", "account_id", "ordered_on", "quantity", "order_id", "line_no"
            )
        )
        chain_orders.append(chunk.orders.select(answer_key.CHAIN_ORDER_COLUMNS))
        chain_statements.append(chunk.statements.select("statement_id", "account_id", "period"))
        write_offs.append(
            chunk.credit_notes.filter(pl.col("credit_reason") == finance.WRITE_OFF_REASON)
        )
        unallocated.append(
            chunk.payments.filter(pl.col("statement_id").is_null()).select(
                "payment_id", "account_id", pl.col("_true_statement_id").alias("statement_id")
            )
        )
        late.append(answer_key.late_payers(t["_payer_class"], chunk.statements, chunk.payments))
    for entity in (
        "erp_orders",
        "erp_statements",
        "erp_invoices",
        "erp_payments",
        "erp_statement_installments",
        "erp_credit_notes",
    ):
        drop.close(entity)

    service.build_devices(world, pl.concat(equipment))
    service.build_tickets(world)
    drop.write_all("svc_devices", t["devices"])
    drop.write_all("svc_tickets", t["tickets"])
    drop.write_all("svc_parts_used", t["parts_used"])
    service.build_pm_visits(world)
    for entity, table in [
        ("svc_ticket_history", "ticket_history"),
        ("svc_service_contracts", "service_contracts"),
        ("svc_repair_charges", "repair_charges"),
        ("svc_engineer_worklogs", "engineer_worklogs"),
        ("svc_parts_stock", "parts_stock"),
        ("svc_pm_visits", "pm_visits"),
    ]:
        drop.write_all(entity, t[table])

    # Answer key.
    answers = out_dir / answer_key.ANSWER_DIR
    a = world.answer_frames
    late_df = pl.concat(late)
    frames = {
        "duplicate_customers": a["duplicate_customers"],
        "discount_deviations": pl.concat(deviations),
        "orders_without_contract": pl.concat(without),
        "sla_breaches": a["sla_breaches"],
        "sla_outcomes": a["sla_outcomes"],
        "inflated_claims": pl.concat(inflated),
        "suspicious_checkins": pl.concat(suspicious),
        "stale_opportunities": a["stale_opportunities"],
        "lazy_reps": a["lazy_reps"],
        "late_payers": late_df,
        "unallocated_payments": pl.concat(unallocated),
        "backdated_payments": pl.concat(backdated),
        "orders_outside_validity": pl.concat(outside_validity),
        "contracts_changed_after_approval": finance.changed_after_approval(
            t["_changed_after_approval"], pl.concat(changed_value)
        ),
        **answer_key.deal_to_cash_frames(
            t["opportunities"],
            t["contracts"],
            pl.concat(chain_orders),
            pl.concat(chain_statements),
            t["devices"],
            pl.concat(write_offs),
        ),
    }
    for name, df in frames.items():
        answer_key.write_csv(answers / f"{name}.csv", df)
    dirty = drop.log.frame()
    answer_key.write_csv(answers / "dirty_cells.csv", dirty)

    planted = dict(world.planted)
    planted.update(
        {
            "discount_deviations": frames["discount_deviations"].height,
            "orders_without_contract": frames["orders_without_contract"].height,
            "inflated_claims": frames["inflated_claims"].height,
            "suspicious_checkins": frames["suspicious_checkins"].height,
            "late_payers_slow": int((late_df["behaviour"] == "slow").sum()),
            "late_payers_never": int((late_df["behaviour"] == "never").sum()),
            "unallocated_payments": frames["unallocated_payments"].height,
            "overpaid_statements": _overpaid(out_dir),
            "backdated_payments": frames["backdated_payments"].height,
            "orders_outside_validity": frames["orders_outside_validity"].height,
            "contracts_changed_after_approval": frames["contracts_changed_after_approval"].height,
            **{name: frames[name].height for name in answer_key.DEAL_TO_CASH_PLANTS},
        }
    )
    answer_key.write_manifest(
        answers,
        scale=scale,
        seed=seed,
        dirty_rate=dirty_rate,
        files=drop.files,
        planted=planted,
        dirty_counts=dict(Counter(dirty["kind"].to_list())),
        parameters={
            "detour_factor": field.DETOUR_FACTOR,
            "km_rate_cny": field.KM_RATE_CNY,
            "daily_allowance_cny": field.DAILY_ALLOWANCE_CNY,
            "fx_to_cny": finance.FX_TO_CNY,
            "stale_after_days": sales.STALE_AFTER_DAYS,
            "repair_labour_cny_per_hour": service.REPAIR_LABOUR_CNY_PER_HOUR,
            "repair_parts_markup": service.REPAIR_PARTS_MARKUP,
            "pm_interval_days": service.PM_INTERVAL_DAYS,
            "customer_coordinates": "district centre from cpca adcodes + ~1.3 km jitter (GCJ-02)",
        },
    )
    return {
        "files": dict(sorted(drop.files.items())),
        "seconds": round(time.perf_counter() - started, 2),
        "planted": planted,
        "dirty_cells": dirty.height,
        "answer_key": str(answers),
    }


def _overpaid(out_dir: Path) -> int:
    """Statements whose payments (allocated or not) exceed the amount billed."""
    truth = out_dir / answer_key.ANSWER_DIR / "truth"
    stmts = pl.scan_parquet(truth / "statements.parquet")
    unalloc = pl.scan_csv(out_dir / answer_key.ANSWER_DIR / "unallocated_payments.csv").select(
        "payment_id", pl.col("statement_id").alias("_sid")
    )
    pays = (
        pl.scan_parquet(truth / "payments.parquet")
        .join(unalloc, on="payment_id", how="left")
        .with_columns(pl.coalesce("statement_id", "_sid").alias("sid"))
        .group_by("sid")
        .agg(pl.col("payment_amount").sum().alias("paid"))
    )
    joined = stmts.join(pays, left_on="statement_id", right_on="sid", how="inner")
    return int(
        joined.filter(pl.col("paid") > pl.col("statement_amount") + 0.005)
        .select(pl.len())
        .collect()
        .item()
    )
