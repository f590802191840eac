"""Money: contracts, order lines, monthly statements, partial invoices and partial payments.

Contracts are built for the whole company at once (they are few); orders and everything that
follows from them are generated per chunk of accounts to keep memory bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from medops.generator import timeline as tl
from medops.generator.world import World, frame

FX_TO_CNY = {"CNY": 1.0, "USD": 7.1, "EUR": 7.8}  # fixed demo rates for imported equipment
DISCOUNT_DEVIATION_P = 0.02
ORDER_WITHOUT_CONTRACT_P = 0.03
UNALLOCATED_PAYMENT_P = 0.03
OVERPAYMENT_P = 0.01
DEFAULT_PAYMENT_DAYS = 60
# Receivables cases (issue 6); drawn from their own random stream so the older data stays put.
CREDIT_NOTE_P = 0.03  # statements partly reversed by a red-letter invoice (红字发票)
CREDIT_REASONS = ("退货", "折让", "开票错误")
INSTALLMENT_MIN_AMOUNT = 200_000.0  # statements this large may be paid in instalments
INSTALLMENT_P = 0.4
INSTALLMENT_SHARES = (0.3, 0.4, 0.3)  # down payment, acceptance, warranty retention
INSTALLMENT_GAP_DAYS = 90
BACKDATED_PAYMENT_P = 0.005  # payments posted in the ERP a month or more after they arrived
RECORDING_LAG_DAYS = (0, 0, 0, 1, 1, 2, 3)  # usual bank-to-ledger posting delay
OUTSIDE_VALIDITY_P = 0.02  # one-off orders placed before their contract took effect
DRAFT_CHANGE_P = 0.10  # contracts edited while still in approval (normal)
CHANGED_AFTER_APPROVAL_P = 0.01  # contracts whose discount was loosened after approval
# Deal-to-cash leaks (issue 14), each from its own random stream so the older data stays put.
CONTRACT_WITHOUT_ORDER_P = 0.03  # one-off contracts signed but never ordered
CONTRACT_WITHOUT_ORDER_MIN_AGE_DAYS = 90  # old enough that the missing order is a leak
# Contracts the ERP holds without the CRM deal key (合同未关联商机); the chain links them by
# account within the link window (seed deal_to_cash_settings, which must say the same).
CONTRACT_WITHOUT_DEAL_KEY_P = 0.08
CONTRACT_LINK_WINDOW_DAYS = 60
WRITE_OFF_P = 0.4  # unpaid statements of non-payers written off (坏账核销)
WRITE_OFF_AFTER_DAYS = 365  # a statement is written off a year after its due date
WRITE_OFF_REASON = "坏账核销"
# Payment behaviour per real customer: share, and days paid after the due date (low, high).
PAYER_CLASSES = {
    "on_time": (0.62, -20, 10),
    "late": (0.25, 10, 60),
    "slow": (0.10, 90, 400),
    "never": (0.03, 0, 0),
}
ACCOUNT_CHUNK = 4000
EQUIPMENT_LINES = ("影像设备", "检验设备")
RECURRING_LINES = ("检验试剂", "医用耗材")


@dataclass
class FinanceChunk:
    orders: pl.DataFrame
    statements: pl.DataFrame
    invoices: pl.DataFrame
    payments: pl.DataFrame
    deviations: pl.DataFrame
    without_contract: pl.DataFrame
    installments: pl.DataFrame
    credit_notes: pl.DataFrame
    backdated: pl.DataFrame
    outside_validity: pl.DataFrame
    changed_contract_value: pl.DataFrame


def _days(x: np.ndarray) -> np.ndarray:
    return np.asarray(x).astype("int64").astype("timedelta64[D]")


def _skus_by_line(products: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {
        line: products.filter(pl.col("product_line") == line)
        for line in products["product_line"].unique(maintain_order=True).to_list()
    }


def build_contracts(world: World) -> None:
    """Contracts of won deals, plus framework contracts signed before CRM history started."""
    rng = world.rng("contracts")
    opps = world.tables["opportunities"]
    acc = world.tables["accounts"]
    products = world.tables["products"]
    won = opps.filter(pl.col("current_stage") == "赢单")
    signed = won["_won_at"].to_numpy().astype("datetime64[D]") + _days(
        rng.integers(0, 15, won.height)
    )
    keep = (signed <= tl.END) & (rng.random(won.height) > 0.02)
    won = won.filter(pl.Series(keep))
    signed = signed[keep]

    n_legacy = world.count(2600, 25)
    legacy_acc = rng.integers(0, acc.height, n_legacy)
    legacy_line = np.where(rng.random(n_legacy) < 0.5, "检验试剂", "医用耗材").astype(object)
    legacy_signed = np.datetime64("2021-11-01") + _days(rng.integers(0, 730, n_legacy))

    acc_idx = np.concatenate([won["_account_idx"].to_numpy(), legacy_acc])
    line = np.concatenate([won["product_line"].to_numpy(), legacy_line])
    signed_all = np.concatenate([signed, legacy_signed])
    n = len(acc_idx)
    owner = np.concatenate([won["owner_id"].to_numpy(), acc["owner_id"].to_numpy()[legacy_acc]])
    opp_id = np.concatenate(
        [won["opportunity_id"].to_numpy(), np.full(n_legacy, None, dtype=object)]
    )
    planned = np.concatenate(
        [won["amount"].to_numpy(), np.round(np.exp(rng.normal(np.log(250_000), 0.7, n_legacy)), -3)]
    )
    is_equipment = np.isin(line, EQUIPMENT_LINES)
    is_recurring = np.isin(line, RECURRING_LINES)
    disc = np.where(
        is_equipment,
        rng.uniform(0.62, 0.88, n),
        np.where(is_recurring, rng.uniform(0.75, 0.95, n), rng.uniform(0.85, 1.0, n)),
    ).round(2)
    acc_type = acc["account_type"].to_numpy()[acc_idx]
    pay_days = np.where(
        acc_type == "医院",
        rng.choice([90, 120, 180], n),
        np.where(acc_type == "经销商", rng.choice([30, 60], n), rng.choice([60, 90], n)),
    )
    valid_from = signed_all + _days(rng.integers(0, 11, n))
    years = np.where(is_recurring, rng.choice([1, 2], n, p=[0.75, 0.25]), rng.choice([1, 2, 3], n))
    # Framework contracts from before the CRM run two to three years.
    years[-n_legacy:] = rng.choice([2, 3], n_legacy)
    valid_to = valid_from + _days(years * 365 - 1)

    # Equipment lines are fixed at signing: pick the SKUs now, the amount is their sum.
    by_line = _skus_by_line(products)
    main_sku = np.empty(n, dtype=object)
    main_price = np.zeros(n)
    imported = np.zeros(n, dtype=bool)
    for ln, p in by_line.items():
        sel = np.flatnonzero(line == ln)
        # The SKU whose discounted price best matches the deal size (or a neighbour of it).
        by_price = p.sort("list_price")
        prices = by_price["list_price"].to_numpy()
        want = planned[sel] / np.maximum(disc[sel], 0.1)
        near = np.searchsorted(prices, want) + rng.integers(-1, 1, len(sel))
        pick = np.clip(near, 0, p.height - 1)
        p = by_price
        main_sku[sel] = p["sku"].to_numpy()[pick]
        main_price[sel] = p["list_price"].to_numpy()[pick]
        imported[sel] = p["_imported"].to_numpy()[pick]
    qty = np.where(is_equipment & (rng.random(n) < 0.15), 2, 1)
    one_off_cny = qty * np.round(main_price * disc, 2)
    currency = np.where(
        imported & (rng.random(n) < 0.5), np.where(rng.random(n) < 0.6, "USD", "EUR"), "CNY"
    ).astype(object)
    amount_cny = np.where(is_recurring, planned, one_off_cny)
    fx = np.array([FX_TO_CNY[c] for c in currency])
    amount = np.round(amount_cny / fx, 2)

    order = np.argsort(signed_all, kind="stable")
    years_str = signed_all.astype("datetime64[Y]").astype(int) + 1970
    ids = np.empty(n, dtype=object)
    ids[order] = [f"HT{years_str[k]}{i + 1:06d}" for i, k in enumerate(order)]
    contracts = frame(
        {
            "contract_id": ids,
            "account_id": acc["account_id"].to_numpy()[acc_idx],
            "owner_id": owner,
            "opportunity_id": opp_id,
            "signed_on": signed_all,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "contract_amount": amount,
            "currency": currency,
            "approved_discount": disc,
            "payment_days": pay_days,
            "_account_idx": acc_idx,
            "_line": line,
            "_main_sku": main_sku,
            "_qty": qty,
            "_planned_cny": amount_cny,
        },
        {"opportunity_id": pl.Utf8},
    ).sort("signed_on", "contract_id")
    world.tables["contracts"] = _drop_deal_keys(world, _mark_without_orders(world, contracts))
    world.planted["foreign_currency_contracts"] = int((currency != "CNY").sum())
    world.planted["contracts_before_history"] = n_legacy
    _approvals_and_changes(world)


def _mark_without_orders(world: World, contracts: pl.DataFrame) -> pl.DataFrame:
    """Flag the planted one-off contracts that are signed but never get an order line."""
    rng = world.rng("contracts_without_orders")
    old_enough = contracts["signed_on"].to_numpy().astype("datetime64[D]") <= tl.END - _days(
        np.array(CONTRACT_WITHOUT_ORDER_MIN_AGE_DAYS)
    )
    one_off = ~np.isin(contracts["_line"].to_numpy(), RECURRING_LINES)
    chosen = one_off & old_enough & (rng.random(contracts.height) < CONTRACT_WITHOUT_ORDER_P)
    return contracts.with_columns(pl.Series("_without_orders", chosen))


def _drop_deal_keys(world: World, contracts: pl.DataFrame) -> pl.DataFrame:
    """Blank the deal key of some won deals' contracts; `_opportunity_id` keeps the true deal.

    Planted only where the deal has one right contract for the rule: no other contract of the
    account is signed within the link window after the win, and no other deal of the account
    was won within the window before the contract, so the answer key is exact. Where a real ERP
    is ambiguous the rule takes the nearest contract (DECISIONLOG, "Deal to cash")."""
    rng = world.rng("contracts_without_deal_key")
    won = world.tables["opportunities"].filter(pl.col("current_stage") == "赢单")
    window = pl.duration(days=CONTRACT_LINK_WINDOW_DAYS)
    keyed = contracts.filter(pl.col("opportunity_id").is_not_null()).join(
        won.select("opportunity_id", "closed_on"), on="opportunity_id"
    )
    crowded_contract = (
        keyed.join(contracts.select("account_id", "contract_id", "signed_on"), on="account_id")
        .filter(
            (pl.col("contract_id_right") != pl.col("contract_id"))
            & pl.col("signed_on_right").is_between(
                pl.col("closed_on"), pl.col("closed_on") + window
            )
        )
        .select("contract_id")
    )
    crowded_deal = (
        keyed.join(won.select("account_id", "opportunity_id", "closed_on"), on="account_id")
        .filter(
            (pl.col("opportunity_id_right") != pl.col("opportunity_id"))
            & pl.col("closed_on_right").is_between(
                pl.col("signed_on") - window, pl.col("signed_on")
            )
        )
        .select("contract_id")
    )
    candidates = (
        keyed.join(crowded_contract, on="contract_id", how="anti")
        .join(crowded_deal, on="contract_id", how="anti")
        .filter(pl.col("signed_on") >= pl.col("closed_on"))["contract_id"]
        .sort()
    )
    chosen = candidates.filter(
        pl.Series(rng.random(candidates.len()) < CONTRACT_WITHOUT_DEAL_KEY_P)
    )
    unkeyed = pl.col("contract_id").is_in(chosen.implode())
    return contracts.with_columns(
        pl.col("opportunity_id").alias("_opportunity_id"),
        pl.when(unkeyed).then(None).otherwise(pl.col("opportunity_id")).alias("opportunity_id"),
    )


def contracts_without_deal_key(contracts: pl.DataFrame) -> pl.DataFrame:
    """Answer key: contracts exported without their deal key, with the deal they belong to."""
    return (
        contracts.filter(
            pl.col("opportunity_id").is_null() & pl.col("_opportunity_id").is_not_null()
        )
        .select(
            "contract_id",
            pl.col("_opportunity_id").alias("opportunity_id"),
            "account_id",
            "signed_on",
        )
        .sort("contract_id")
    )


def contracts_without_orders(contracts: pl.DataFrame) -> pl.DataFrame:
    """Answer key: the contracts planted without any order line."""
    return contracts.filter(pl.col("_without_orders")).select(
        "contract_id",
        pl.col("_opportunity_id").alias("opportunity_id"),
        "account_id",
        "signed_on",
        "contract_amount",
        "currency",
        pl.col("_planned_cny").round(2).alias("contract_amount_cny"),
    )


def _approvals_and_changes(world: World) -> None:
    """Approval date per contract and the contract change log (变更记录).

    Edits while the contract is still in approval are normal; a discount loosened after
    approval without a new approval is a planted compliance case. The contract export shows
    the values in force now; the log keeps the approved value as `old_value`.
    """
    rng = world.rng("contract_changes")
    contracts = world.tables["contracts"]
    n = contracts.height
    signed = contracts["signed_on"].to_numpy().astype("datetime64[D]")
    approved_on = signed - _days(rng.integers(1, 11, n))
    discount = contracts["approved_discount"].to_numpy()
    pay_days = contracts["payment_days"].to_numpy()
    owner = contracts["owner_id"].to_numpy()

    draft = rng.random(n) < DRAFT_CHANGE_P
    draft_on = approved_on - _days(rng.integers(1, 6, n))
    draft_is_discount = rng.random(n) < 0.5
    draft_old = np.where(
        draft_is_discount,
        np.clip(discount + rng.choice([-0.05, -0.03, 0.03, 0.05], n), 0.3, 1.0).round(2),
        rng.choice([30, 60, 90, 120, 180], n),
    )
    draft_new = np.where(draft_is_discount, discount, pay_days)
    draft &= draft_old != draft_new

    late_on = approved_on + _days(rng.integers(5, 61, n))
    late_old = np.clip(discount + rng.uniform(0.03, 0.10, n), 0.3, 1.0).round(2)
    late = (rng.random(n) < CHANGED_AFTER_APPROVAL_P) & (late_on <= tl.END) & (late_old > discount)
    if late.sum() < 3:  # keep the case present in the smallest demo
        cand = np.flatnonzero((late_on <= tl.END) & (late_old > discount) & ~late)
        late[cand[:3]] = True

    ids = contracts["contract_id"].to_numpy()
    changes = pl.concat(
        [
            frame(
                {
                    "contract_id": ids[draft],
                    "changed_on": draft_on[draft],
                    "changed_field": np.where(
                        draft_is_discount[draft], "审批折扣率", "账期天数"
                    ).astype(object),
                    "old_value": draft_old[draft].astype(float),
                    "new_value": draft_new[draft].astype(float),
                    "changed_by": owner[draft],
                }
            ),
            frame(
                {
                    "contract_id": ids[late],
                    "changed_on": late_on[late],
                    "changed_field": np.full(int(late.sum()), "审批折扣率", dtype=object),
                    "old_value": late_old[late],
                    "new_value": discount[late].astype(float),
                    "changed_by": owner[late],
                }
            ),
        ]
    ).sort("changed_on", "contract_id")
    changes = changes.with_columns(
        pl.format("BG{}", (pl.int_range(pl.len()) + 1).cast(pl.Utf8).str.zfill(7)).alias(
            "change_id"
        )
    ).select("change_id", pl.exclude("change_id"))
    world.tables["contracts"] = contracts.with_columns(pl.Series("approved_on", approved_on))
    world.tables["contract_changes"] = changes
    world.tables["_changed_after_approval"] = frame(
        {
            "contract_id": ids[late],
            "approved_on": approved_on[late],
            "changed_on": late_on[late],
            "approved_discount": late_old[late],
            "current_discount": discount[late].astype(float),
        }
    )


def changed_after_approval(planted: pl.DataFrame, value: pl.DataFrame) -> pl.DataFrame:
    """The planted post-approval changes with what they gave away on the contract's order lines
    ((approved − current discount) × list price × quantity, summed)."""
    per_contract = value.group_by("contract_id").agg(
        pl.col("amount_at_stake").sum().round(2), pl.col("order_lines").sum()
    )
    return (
        planted.join(per_contract, on="contract_id", how="left")
        .with_columns(pl.col("amount_at_stake").fill_null(0.0), pl.col("order_lines").fill_null(0))
        .sort("contract_id")
    )


def payer_classes(world: World) -> np.ndarray:
    """Behaviour class per account record; duplicates of one customer behave alike."""
    rng = world.rng("payers")
    acc = world.tables["accounts"]
    golden = acc["_golden_id"].to_numpy()
    uniq, inverse = np.unique(golden, return_inverse=True)
    names = list(PAYER_CLASSES)
    p = [PAYER_CLASSES[k][0] for k in names]
    per_golden = np.array(names, dtype=object)[rng.choice(len(names), len(uniq), p=p)]
    return per_golden[inverse]


def finance_chunks(world: World) -> Iterator[FinanceChunk]:
    rng = world.rng("finance")
    acc = world.tables["accounts"]
    contracts = world.tables["contracts"]
    products = world.tables["products"]
    by_line = _skus_by_line(products)
    list_price = dict(zip(products["sku"].to_list(), products["list_price"].to_list(), strict=True))
    payer = payer_classes(world)
    receivables_rng = world.rng("receivables")
    write_off_rng = world.rng("write_offs")
    changed = world.tables["_changed_after_approval"].select(
        "contract_id", "approved_discount", "current_discount"
    )
    world.tables["_payer_class"] = pl.DataFrame(
        {"account_id": acc["account_id"], "payer_class": payer.tolist()}
    )
    acc_ids = acc["account_id"].to_numpy()
    acc_owner = acc["owner_id"].to_numpy()
    buyers = np.unique(contracts["_account_idx"].to_numpy())
    order_seq, stmt_seq, inv_seq, pay_seq = 0, 0, 10_000 + int(rng.integers(0, 5000)), 0
    credit_seq = 0
    for c0 in range(0, len(buyers), ACCOUNT_CHUNK):
        chunk_acc = buyers[c0 : c0 + ACCOUNT_CHUNK]
        ctr = contracts.filter(pl.col("_account_idx").is_in(chunk_acc.tolist()))
        lines, order_seq = _order_lines(
            rng, receivables_rng, ctr, by_line, list_price, chunk_acc, acc_ids, order_seq
        )
        orders = lines.drop("_approved", "_list_price", "_deviates", "_outside_validity")
        outside = (
            lines.filter(pl.col("_outside_validity"))
            .join(ctr.select("contract_id", "valid_from", "valid_to"), on="contract_id")
            .select("order_id", "line_no", "contract_id", "ordered_on", "valid_from", "valid_to")
        )
        changed_value = (
            lines.join(changed, on="contract_id")
            .group_by("contract_id")
            .agg(
                (
                    (pl.col("approved_discount") - pl.col("current_discount"))
                    * pl.col("_list_price")
                    * pl.col("quantity")
                )
                .sum()
                .alias("amount_at_stake"),
                pl.len().alias("order_lines"),
            )
        )
        dev = lines.filter(pl.col("_deviates")).select(
            "order_id",
            "line_no",
            "contract_id",
            pl.col("_approved").alias("approved_discount"),
            pl.col("discount").alias("actual_discount"),
            (
                (pl.col("_approved") - pl.col("discount"))
                * pl.col("_list_price")
                * pl.col("quantity")
            )
            .round(2)
            .alias("amount_at_stake"),
        )
        without = (
            lines.filter(pl.col("contract_id").is_null())
            .group_by("order_id", maintain_order=True)
            .agg(
                pl.col("account_id").first(),
                pl.col("ordered_on").first(),
                (pl.col("quantity") * pl.col("unit_price")).sum().round(2).alias("order_amount"),
            )
        )
        stmts, stmt_seq = _statements(rng, lines, ctr, acc, acc_owner, stmt_seq)
        invoices, inv_seq = _invoices(rng, stmts, inv_seq)
        installments = _installments(receivables_rng, stmts)
        credit_notes, credit_seq = _credit_notes(receivables_rng, stmts, credit_seq)
        credited = (
            stmts.select("statement_id")
            .join(
                credit_notes.group_by("statement_id").agg(pl.col("credit_amount").sum()),
                on="statement_id",
                how="left",
            )["credit_amount"]
            .fill_null(0.0)
            .to_numpy()
        )
        payments, pay_seq = _payments(rng, stmts, credited, payer, acc, pay_seq)
        write_offs, credit_seq = _write_offs(
            write_off_rng, stmts, credit_notes, payments, payer, acc, credit_seq
        )
        payments, backdated = _recording_dates(receivables_rng, payments)
        credit_notes = pl.concat([credit_notes, write_offs])
        yield FinanceChunk(
            orders,
            stmts,
            invoices,
            payments,
            dev,
            without,
            installments,
            credit_notes,
            backdated,
            outside,
            changed_value,
        )


def _order_lines(
    rng: np.random.Generator,
    receivables_rng: np.random.Generator,
    ctr: pl.DataFrame,
    by_line: dict[str, pl.DataFrame],
    list_price: dict[str, float],
    chunk_acc: np.ndarray,
    acc_ids: np.ndarray,
    order_seq: int,
) -> tuple[pl.DataFrame, int]:
    """Order lines of one chunk of customers (vectorised: arrays per order, then per line)."""
    # One-off contracts (equipment, service): one order shortly after signing.
    one_off = ctr.filter(~pl.col("_line").is_in(RECURRING_LINES))
    od = one_off["signed_on"].to_numpy() + _days(rng.integers(3, 31, one_off.height))
    # Orders wait for the contract to take effect, except a planted few placed before it.
    valid_from = one_off["valid_from"].to_numpy().astype("datetime64[D]")
    early = receivables_rng.random(one_off.height) < OUTSIDE_VALIDITY_P
    od = np.where(
        early,
        valid_from - _days(receivables_rng.integers(1, 9, one_off.height)),
        np.maximum(od, valid_from),
    )
    keep = (od <= tl.END) & ~one_off["_without_orders"].to_numpy()
    one_off = one_off.filter(pl.Series(keep))
    o_ctr = [one_off["contract_id"].to_numpy()]
    o_acc = [one_off["_account_idx"].to_numpy()]
    o_day = [od[keep]]
    o_disc = [one_off["approved_discount"].to_numpy()]
    o_early = [early[keep]]
    l_order = [np.arange(one_off.height)]
    l_sku = [one_off["_main_sku"].to_numpy()]
    l_qty = [one_off["_qty"].to_numpy()]

    # Recurring contracts: one or two orders in most months of their validity.
    rec = ctr.filter(pl.col("_line").is_in(RECURRING_LINES))
    lo = np.maximum(rec["valid_from"].to_numpy().astype("datetime64[D]"), tl.START)
    hi = np.minimum(rec["valid_to"].to_numpy().astype("datetime64[D]"), tl.END)
    m_lo = lo.astype("datetime64[M]").astype(int)
    m_hi = hi.astype("datetime64[M]").astype(int)
    n_months = np.maximum(m_hi - m_lo + 1, 0)
    ci = np.repeat(np.arange(rec.height), n_months)
    month = m_lo[ci] + (np.arange(len(ci)) - np.repeat(np.cumsum(n_months) - n_months, n_months))
    m_start = month.astype("datetime64[M]").astype("datetime64[D]")
    m_end = (month + 1).astype("datetime64[M]").astype("datetime64[D]") - np.timedelta64(1, "D")
    d0 = np.maximum(m_start, lo[ci])
    d1 = np.minimum(m_end, hi[ci])
    # Spring Festival: fewer orders in February.
    p_order = np.where(month % 12 == 1, 0.55, 0.85)
    n_orders = np.where(rng.random(len(ci)) < p_order, 1, 0) * np.where(
        rng.random(len(ci)) < 0.3, 2, 1
    )
    n_orders = np.where(d1 >= d0, n_orders, 0)
    oc = np.repeat(ci, n_orders)
    om = np.repeat(np.arange(len(ci)), n_orders)
    span = (d1[om] - d0[om]).astype(int) + 1
    r_day = d0[om] + _days((rng.random(len(om)) * span).astype(int))
    n_rec = len(oc)
    # Each customer buys from a small, stable basket of SKUs of its contract's line.
    basket_size = 6
    basket = np.empty((rec.height, basket_size), dtype=object)
    rec_line = rec["_line"].to_numpy()
    for ln in RECURRING_LINES:
        sel = np.flatnonzero(rec_line == ln)
        if len(sel) == 0:
            continue
        skus = by_line[ln]["sku"].to_numpy()
        basket[sel] = skus[
            np.argsort(rng.random((len(sel), len(skus))), axis=1)[:, :basket_size] % len(skus)
        ]
    k_lines = rng.integers(1, 6, n_rec)
    line_order = np.repeat(np.arange(n_rec), k_lines)
    pos = np.arange(len(line_order)) - np.repeat(np.cumsum(k_lines) - k_lines, k_lines)
    start = rng.integers(0, basket_size, n_rec)
    r_sku = basket[oc[line_order], (start[line_order] + pos) % basket_size]
    disc_rec = rec["approved_discount"].to_numpy()
    unit = np.array([list_price[x] for x in r_sku]) * disc_rec[oc[line_order]]
    monthly = rec["_planned_cny"].to_numpy()[oc[line_order]] / 12
    per_line = monthly / n_orders[om][line_order] / k_lines[line_order]
    r_qty = np.maximum(1, np.round(per_line / unit * rng.uniform(0.6, 1.4, len(unit)))).astype(
        np.int64
    )
    o_ctr.append(rec["contract_id"].to_numpy()[oc])
    o_acc.append(rec["_account_idx"].to_numpy()[oc])
    o_day.append(r_day)
    o_disc.append(disc_rec[oc])
    o_early.append(np.zeros(len(oc), dtype=bool))
    l_order.append(line_order + one_off.height)
    l_sku.append(r_sku)
    l_qty.append(r_qty)

    # Orders without a contract: small urgent purchases by the same customers.
    n_base = one_off.height + n_rec
    n_free = int(round(n_base * ORDER_WITHOUT_CONTRACT_P))
    cons = pl.concat([by_line[ln] for ln in RECURRING_LINES if ln in by_line])
    k_free = rng.integers(1, 4, n_free)
    o_ctr.append(np.full(n_free, None, dtype=object))
    o_acc.append(chunk_acc[rng.integers(0, len(chunk_acc), n_free)])
    o_day.append(tl.sample_days(rng, n_free))
    o_disc.append(np.round(rng.uniform(0.8, 1.0, n_free), 2))
    o_early.append(np.zeros(n_free, dtype=bool))
    l_order.append(np.repeat(np.arange(n_free), k_free) + n_base)
    l_sku.append(cons["sku"].to_numpy()[rng.integers(0, cons.height, int(k_free.sum()))])
    l_qty.append(rng.integers(1, 20, int(k_free.sum())))

    o_ctr_a = np.concatenate(o_ctr).astype(object)
    o_acc_a = np.concatenate(o_acc).astype(np.int64)
    o_day_a = np.concatenate(o_day).astype("datetime64[D]")
    o_disc_a = np.concatenate(o_disc).astype(float)
    o_early_a = np.concatenate(o_early).astype(bool)
    # Order numbers follow the order date, like the ERP assigns them.
    rank = np.lexsort((o_acc_a, o_day_a))
    new_no = np.empty(len(rank), dtype=np.int64)
    new_no[rank] = np.arange(len(rank))
    lo_ = new_no[np.concatenate(l_order)]
    sku = np.concatenate(l_sku).astype(object)
    qty = np.concatenate(l_qty).astype(np.int64)
    by_line_order = np.lexsort((np.arange(len(lo_)), lo_))
    lo_, sku, qty = lo_[by_line_order], sku[by_line_order], qty[by_line_order]
    inv_rank = rank  # order number i -> original order index
    orig = inv_rank[lo_]
    line_no = np.arange(len(lo_)) - np.searchsorted(lo_, lo_, side="left") + 1
    order_ids = np.array([f"DD{order_seq + x + 1:09d}" for x in lo_], dtype=object)
    order_seq += len(rank)
    contract = o_ctr_a[orig]
    approved = o_disc_a[orig]
    n_lines = len(lo_)
    lp = np.array([list_price[x] for x in sku]) if n_lines else np.zeros(0)
    has_contract = np.array([c is not None for c in contract], dtype=bool)
    deviates = has_contract & (rng.random(n_lines) < DISCOUNT_DEVIATION_P)
    # Most deviations give away more than approved; a few charge more.
    delta = np.where(
        rng.random(n_lines) < 0.85,
        -rng.uniform(0.03, 0.15, n_lines),
        rng.uniform(0.02, 0.05, n_lines),
    )
    actual = np.where(deviates, np.clip(np.round(approved + delta, 4), 0.3, 1.0), approved)
    deviates &= actual != approved
    unit_price = np.round(lp * actual, 2)
    lines = frame(
        {
            "order_id": order_ids,
            "line_no": line_no.astype(np.int64),
            "contract_id": contract,
            "account_id": acc_ids[o_acc_a[orig]],
            "sku": sku,
            "quantity": qty,
            "unit_price": unit_price,
            "discount": actual,
            "ordered_on": o_day_a[orig],
            "_approved": approved,
            "_list_price": lp,
            "_deviates": deviates,
            "_outside_validity": o_early_a[orig],
        },
        {"contract_id": pl.Utf8},
    )
    return lines, order_seq


def _statements(
    rng: np.random.Generator,
    lines: pl.DataFrame,
    ctr: pl.DataFrame,
    acc: pl.DataFrame,
    acc_owner: np.ndarray,
    seq: int,
) -> tuple[pl.DataFrame, int]:
    """One statement per customer and month with deliveries, issued early the next month."""
    pay_days = ctr.select("contract_id", "payment_days")
    monthly = (
        lines.join(pay_days, on="contract_id", how="left")
        .with_columns(pl.col("ordered_on").dt.strftime("%Y-%m").alias("period"))
        .group_by("account_id", "period", maintain_order=True)
        .agg(
            (pl.col("quantity") * pl.col("unit_price")).sum().round(2).alias("statement_amount"),
            pl.col("payment_days").max().fill_null(DEFAULT_PAYMENT_DAYS).alias("payment_days"),
        )
        .sort("period", "account_id")
    )
    n = monthly.height
    period_start = (monthly["period"] + "-01").str.to_date().to_numpy().astype("datetime64[D]")
    next_month = (period_start.astype("datetime64[M]") + 1).astype("datetime64[D]")
    stmt_on = tl.next_workday(next_month + _days(rng.integers(2, 8, n)))
    due = stmt_on + _days(monthly["payment_days"].to_numpy())
    owner_by_acc = dict(zip(acc["account_id"].to_list(), acc_owner.tolist(), strict=True))
    ids = np.array(
        [
            f"DZ{p.replace('-', '')}{seq + i + 1:07d}"
            for i, p in enumerate(monthly["period"].to_list())
        ],
        dtype=object,
    )
    seq += n
    stmts = monthly.with_columns(
        pl.Series("statement_id", ids),
        pl.Series("statement_on", stmt_on),
        pl.Series("due_on", due),
        pl.col("account_id").replace_strict(owner_by_acc, default=None).alias("owner_id"),
    ).filter(pl.col("statement_on") <= tl.END)
    return (
        stmts.select(
            "statement_id",
            "account_id",
            "period",
            "statement_on",
            "due_on",
            "statement_amount",
            "owner_id",
        ),
        seq,
    )


def _split(
    rng: np.random.Generator, amounts: np.ndarray, parts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Split each amount into `parts` positive pieces (cents exact); returns (owner idx, pieces)."""
    idx = np.repeat(np.arange(len(amounts)), parts)
    w = rng.uniform(0.3, 1.0, len(idx))
    tot = np.bincount(idx, weights=w, minlength=len(amounts))
    cents = np.round(amounts * 100).astype(np.int64)
    piece = np.floor(w / tot[idx] * cents[idx]).astype(np.int64)
    # Put the rounding remainder on the last piece of each amount.
    last = np.r_[np.flatnonzero(np.diff(idx)), len(idx) - 1] if len(idx) else np.zeros(0, int)
    rem = cents - np.bincount(idx, weights=piece, minlength=len(amounts)).astype(np.int64)
    piece[last] += rem[idx[last]]
    return idx, piece / 100.0


def _invoices(rng: np.random.Generator, stmts: pl.DataFrame, seq: int) -> tuple[pl.DataFrame, int]:
    amt = stmts["statement_amount"].to_numpy()
    # VAT invoices have a face-value cap, so large statements need many invoices.
    parts = np.clip(np.ceil(amt / 1_000_000), 1, 8).astype(int) + rng.choice([0, 0, 1, 2], len(amt))
    idx, piece = _split(rng, amt, parts)
    stmt_on = stmts["statement_on"].to_numpy().astype("datetime64[D]")
    inv_on = stmt_on[idx] + _days(rng.integers(0, 25, len(idx)))
    gaps = rng.integers(1, 3, len(idx))
    numbers = seq + np.cumsum(gaps)
    seq = int(numbers[-1]) if len(numbers) else seq
    inv = frame(
        {
            "invoice_id": np.array([f"{x:08d}" for x in numbers], dtype=object),
            "statement_id": stmts["statement_id"].to_numpy()[idx],
            "invoiced_on": inv_on,
            "invoice_amount": piece,
        }
    ).filter(pl.col("invoiced_on") <= tl.END)
    return inv, seq


def _payments(
    rng: np.random.Generator,
    stmts: pl.DataFrame,
    credited: np.ndarray,
    payer: np.ndarray,
    acc: pl.DataFrame,
    seq: int,
) -> tuple[pl.DataFrame, int]:
    cls_by_acc = dict(zip(acc["account_id"].to_list(), payer.tolist(), strict=True))
    n = stmts.height
    cls = np.array([cls_by_acc[a] for a in stmts["account_id"].to_list()], dtype=object)
    # Customers pay what the statement asks less any credit note against it.
    amt = np.round(stmts["statement_amount"].to_numpy() - credited, 2)
    due = stmts["due_on"].to_numpy().astype("datetime64[D]")
    lo = np.array([PAYER_CLASSES[c][1] for c in cls])
    hi = np.array([PAYER_CLASSES[c][2] for c in cls])
    delay = rng.uniform(lo, hi + 1e-9).astype(int)
    # Non-payers never pay most statements; the rest arrive very late.
    unpaid = (cls == "never") & (rng.random(n) < 0.7)
    delay = np.where(cls == "never", rng.integers(150, 400, n), delay)
    over = (~unpaid) & (rng.random(n) < OVERPAYMENT_P)
    pay_amt = np.where(over, np.round(amt * rng.uniform(1.01, 1.2, n), 2), amt)
    parts = rng.choice([1, 2, 3], n, p=[0.6, 0.3, 0.1])
    parts = np.where(unpaid, 0, parts)
    idx, piece = _split(rng, pay_amt, parts)
    first = due + _days(delay)
    step = rng.integers(5, 60, len(idx))
    pos = np.arange(len(idx)) - np.searchsorted(idx, idx, side="left")  # 0, 1, 2 per statement
    paid_on = first[idx] + _days(pos * step)
    stmt_ids = stmts["statement_id"].to_numpy()[idx]
    unalloc = rng.random(len(idx)) < UNALLOCATED_PAYMENT_P
    method = np.where(
        (piece > 200_000) & (rng.random(len(idx)) < 0.5) | (rng.random(len(idx)) < 0.08),
        "承兑汇票",
        "银行转账",
    ).astype(object)
    ids = np.arange(seq + 1, seq + len(idx) + 1)
    seq += len(idx)
    pays = frame(
        {
            "payment_id": np.array([f"HK{i:09d}" for i in ids], dtype=object),
            "account_id": stmts["account_id"].to_numpy()[idx],
            "statement_id": np.where(unalloc, None, stmt_ids),
            "paid_on": paid_on,
            "payment_amount": piece,
            "payment_method": method,
            "_true_statement_id": stmt_ids,
        },
        {"statement_id": pl.Utf8},
    )
    return pays.sort("paid_on", "payment_id"), seq


def _recording_dates(
    rng: np.random.Generator, pays: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Posting date (记账日期) of each payment; a planted few are posted a month or more late.

    Only payments posted by the export date are in the export. The back-dated ones show up in
    an export after the month-end their value date falls in, which is what tests the as-of
    rule (a payment counts at a date only once it was both received and posted).
    """
    n = pays.height
    paid_on = pays["paid_on"].to_numpy().astype("datetime64[D]")
    lag = rng.choice(RECORDING_LAG_DAYS, n)
    backdated = rng.random(n) < BACKDATED_PAYMENT_P
    lag = np.where(backdated, rng.integers(35, 70, n), lag)
    recorded = paid_on + _days(lag)
    pays = pays.with_columns(
        pl.Series("recorded_on", recorded), pl.Series("_backdated", backdated)
    ).filter(pl.col("recorded_on") <= tl.END)
    planted = pays.filter(pl.col("_backdated")).select(
        "payment_id",
        "account_id",
        pl.col("_true_statement_id").alias("statement_id"),
        "paid_on",
        "recorded_on",
        "payment_amount",
    )
    return pays.drop("_backdated"), planted


def _installments(rng: np.random.Generator, stmts: pl.DataFrame) -> pl.DataFrame:
    """Payment plans that split a large statement into several due dates (分期).

    The statement's own due date is the first instalment's; statements without a plan are
    due in one piece and have no rows here.
    """
    n_parts = len(INSTALLMENT_SHARES)
    amt = stmts["statement_amount"].to_numpy()
    split = (amt >= INSTALLMENT_MIN_AMOUNT) & (rng.random(stmts.height) < INSTALLMENT_P)
    sel = np.flatnonzero(split)
    cents = np.round(amt[sel] * 100).astype(np.int64)
    pieces = np.floor(np.outer(cents, INSTALLMENT_SHARES)).astype(np.int64)
    pieces[:, -1] = cents - pieces[:, :-1].sum(axis=1)
    due = stmts["due_on"].to_numpy().astype("datetime64[D]")[sel]
    offsets = np.arange(n_parts) * INSTALLMENT_GAP_DAYS
    return frame(
        {
            "statement_id": np.repeat(stmts["statement_id"].to_numpy()[sel], n_parts),
            "installment_no": np.tile(np.arange(1, n_parts + 1), len(sel)).astype(np.int64),
            "due_on": (due[:, None] + _days(offsets)[None, :]).reshape(-1),
            "installment_amount": (pieces.reshape(-1) / 100.0),
        }
    )


def _credit_notes(
    rng: np.random.Generator, stmts: pl.DataFrame, seq: int
) -> tuple[pl.DataFrame, int]:
    """Red-letter invoices (红字发票) that reduce what a statement asks for."""
    stmt_on = stmts["statement_on"].to_numpy().astype("datetime64[D]")
    issued = stmt_on + _days(rng.integers(5, 41, stmts.height))
    share = rng.uniform(0.05, 0.3, stmts.height)
    reason = rng.integers(0, len(CREDIT_REASONS), stmts.height)
    chosen = (rng.random(stmts.height) < CREDIT_NOTE_P) & (issued <= tl.END)
    sel = np.flatnonzero(chosen)
    ids = np.array([f"HZ{seq + i + 1:08d}" for i in range(len(sel))], dtype=object)
    notes = frame(
        {
            "credit_note_id": ids,
            "statement_id": stmts["statement_id"].to_numpy()[sel],
            "account_id": stmts["account_id"].to_numpy()[sel],
            "issued_on": issued[sel],
            "credit_amount": np.round(stmts["statement_amount"].to_numpy()[sel] * share[sel], 2),
            "credit_reason": np.array(CREDIT_REASONS, dtype=object)[reason[sel]],
        }
    )
    return notes, seq + len(sel)


def _write_offs(
    rng: np.random.Generator,
    stmts: pl.DataFrame,
    credit_notes: pl.DataFrame,
    payments: pl.DataFrame,
    payer: np.ndarray,
    acc: pl.DataFrame,
    seq: int,
) -> tuple[pl.DataFrame, int]:
    """Bad-debt write-offs (坏账核销): a credit note for what a non-payer's statement still
    asks, a year after it fell due, on statements with no payment and no credit note yet."""
    never = set(acc["account_id"].filter(pl.Series(payer == "never")).to_list())
    touched = set(payments["_true_statement_id"].to_list()) | set(
        credit_notes["statement_id"].to_list()
    )
    due = stmts["due_on"].to_numpy().astype("datetime64[D]")
    issued = due + _days(np.full(stmts.height, WRITE_OFF_AFTER_DAYS))
    candidate = np.array(
        [
            a in never and s not in touched
            for a, s in zip(
                stmts["account_id"].to_list(), stmts["statement_id"].to_list(), strict=True
            )
        ],
        dtype=bool,
    )
    candidate &= issued <= tl.END
    chosen = candidate & (rng.random(stmts.height) < WRITE_OFF_P)
    if not chosen.any():  # keep the case present in the smallest demo
        chosen[np.flatnonzero(candidate)[:2]] = True
    sel = np.flatnonzero(chosen)
    notes = frame(
        {
            "credit_note_id": np.array(
                [f"HZ{seq + i + 1:08d}" for i in range(len(sel))], dtype=object
            ),
            "statement_id": stmts["statement_id"].to_numpy()[sel],
            "account_id": stmts["account_id"].to_numpy()[sel],
            "issued_on": issued[sel],
            "credit_amount": stmts["statement_amount"].to_numpy()[sel],
            "credit_reason": np.full(len(sel), WRITE_OFF_REASON, dtype=object),
        }
    )
    return notes.cast(credit_notes.schema), seq + len(sel)
