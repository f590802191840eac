"""Field service: installed devices, service tickets with their lifecycle, spare parts used."""

from __future__ import annotations

import numpy as np
import polars as pl

from medops.generator import timeline as tl
from medops.generator.org import pick_active
from medops.generator.world import World, frame

CHANNELS = ["400电话", "企业微信", "邮件", "扫码报修"]
CHANNEL_P = [0.35, 0.35, 0.1, 0.2]
PRIORITIES = ["紧急", "高", "中", "低"]
PRIORITY_P = [0.08, 0.22, 0.45, 0.25]
# SLA targets in calendar hours from creation (the answer key's basis; the warehouse reads its
# own targets from seeds).
ACCEPT_TARGET_H = {"紧急": 0.5, "高": 1.0, "中": 2.0, "低": 4.0}
RESOLVE_TARGET_H = {"紧急": 8.0, "高": 24.0, "中": 48.0, "低": 72.0}
ACCEPT_BREACH_P = 0.04
RESOLVE_BREACH_P = 0.06
REMOTE_P = 0.4
TICKETS_PER_DEVICE_YEAR = {"影像设备": 1.3, "检验设备": 1.6}
FAULTS = {
    "影像设备": ["图像伪影", "球管故障", "探测器故障", "高压发生器故障", "软件报错", "通讯故障"],
    "检验设备": ["试剂针堵塞", "样本架卡滞", "温控异常", "光源老化", "软件报错", "通讯故障"],
}
N_PARTS = 200


def build_devices(world: World, equipment_lines: pl.DataFrame) -> None:
    """Installed base: devices delivered by equipment orders plus the base before history."""
    rng = world.rng("devices")
    acc = world.tables["accounts"]
    products = world.tables["products"]
    equip = products.filter(pl.col("product_category") == "设备")
    # New installations from equipment order lines (one device per unit).
    rep = equipment_lines.select(
        "sku", "account_id", "ordered_on", pl.int_ranges(pl.col("quantity")).alias("_unit")
    ).explode("_unit")
    installed_new = rep["ordered_on"].to_numpy().astype("datetime64[D]") + rng.integers(
        7, 46, rep.height
    ).astype("timedelta64[D]")
    # Installed base from before the history window, at hospitals and exam centres.
    n_legacy = world.count(12000, 60)
    buyers = np.flatnonzero(np.isin(acc["account_type"].to_numpy(), ["医院", "体检集团"]))
    legacy_acc = buyers[rng.integers(0, len(buyers), n_legacy)]
    legacy_sku = equip["sku"].to_numpy()[rng.integers(0, equip.height, n_legacy)]
    installed_old = np.datetime64("2015-01-01") + rng.integers(0, 3225, n_legacy).astype(
        "timedelta64[D]"
    )
    sku = np.concatenate([legacy_sku, rep["sku"].to_numpy()])
    account = np.concatenate(
        [acc["account_id"].to_numpy()[legacy_acc], rep["account_id"].to_numpy()]
    )
    installed = np.concatenate([installed_old, installed_new])
    keep = installed <= tl.END
    sku, account, installed = sku[keep], account[keep], installed[keep]
    order = np.argsort(installed, kind="stable")
    sku, account, installed = sku[order], account[order], installed[order]
    n = len(sku)
    warranty = installed + (rng.choice([1, 2, 3], n, p=[0.4, 0.4, 0.2]) * 365).astype(
        "timedelta64[D]"
    )
    has_sc = rng.random(n) < 0.45
    sc_end = warranty + (rng.choice([1, 2, 3], n) * 365).astype("timedelta64[D]")
    scan_r = rng.random(n)
    # Census scans happen during site visits, in office hours.
    recent = tl.at_office_time(rng, tl.END - rng.integers(0, 365, n).astype("timedelta64[D]"))
    old = tl.at_office_time(rng, tl.END - rng.integers(365, 1095, n).astype("timedelta64[D]"))
    scan = np.where(scan_r < 0.75, recent, np.where(scan_r < 0.85, old, np.datetime64("NaT")))
    scan = np.where(scan < installed.astype("datetime64[s]"), np.datetime64("NaT"), scan)
    years = (installed.astype("datetime64[Y]").astype(int) + 1970) % 100
    serial = np.array([f"MK{y:02d}{i + 1:08d}" for i, y in enumerate(years)], dtype=object)
    line_of = dict(zip(products["sku"].to_list(), products["product_line"].to_list(), strict=True))
    world.tables["devices"] = frame(
        {
            "serial_no": serial,
            "sku": sku.astype(object),
            "account_id": account.astype(object),
            "installed_on": installed,
            "warranty_ends_on": warranty,
            "service_contract_ends_on": np.where(has_sc, sc_end, np.datetime64("NaT")),
            "last_census_scan_at": scan.astype("datetime64[s]"),
            "_line": np.array([line_of[s] for s in sku], dtype=object),
        }
    )


def build_tickets(world: World) -> None:
    rng = world.rng("tickets")
    dev = world.tables["devices"]
    acc = world.tables["accounts"]
    engineers = world.tables["employees"].filter(pl.col("job_role") == "服务工程师")
    first = np.maximum(dev["installed_on"].to_numpy().astype("datetime64[D]"), tl.START)
    years = np.maximum((tl.END - first).astype(int), 0) / 365.0
    lam = np.array([TICKETS_PER_DEVICE_YEAR[x] for x in dev["_line"].to_list()]) * years
    per = rng.poisson(lam)
    di = np.repeat(np.arange(dev.height), per)
    n = len(di)
    span = (tl.END - first[di]).astype(int) + 1
    day = first[di] + (rng.random(n) * span).astype(int).astype("timedelta64[D]")
    # Faults are reported around the clock, most in working hours.
    tod = np.where(
        rng.random(n) < 0.85,
        rng.integers(8 * 3600, 18 * 3600, n),
        rng.integers(0, 24 * 3600, n),
    )
    created = day.astype("datetime64[s]") + tod.astype("timedelta64[s]")
    created = np.minimum(created, tl.END_TS - np.timedelta64(60, "s"))
    order = np.argsort(created, kind="stable")
    di, created = di[order], created[order]
    priority = np.array(PRIORITIES, dtype=object)[rng.choice(4, n, p=PRIORITY_P)]
    acc_t = np.array([ACCEPT_TARGET_H[p] for p in priority])
    res_t = np.array([RESOLVE_TARGET_H[p] for p in priority])
    acc_breach = rng.random(n) < ACCEPT_BREACH_P
    res_breach = rng.random(n) < RESOLVE_BREACH_P
    accept_h = np.where(
        acc_breach, acc_t * rng.uniform(1.3, 6, n), acc_t * rng.uniform(0.05, 0.9, n)
    )
    resolve_h = np.where(
        res_breach, res_t * rng.uniform(1.2, 4, n), res_t * rng.uniform(0.2, 0.95, n)
    )
    # Acceptance must precede resolution; a very late acceptance pushes resolution out.
    resolve_h = np.maximum(resolve_h, accept_h + rng.uniform(0.3, 2, n))
    remote = rng.random(n) < REMOTE_P
    dispatch_h = accept_h + (resolve_h - accept_h) * rng.uniform(0.05, 0.25, n)
    arrive_h = dispatch_h + (resolve_h - dispatch_h) * rng.uniform(0.2, 0.7, n)
    close_h = resolve_h + rng.uniform(1, 72, n)

    def at(hours: np.ndarray) -> np.ndarray:
        t = created + (hours * 3600).astype("int64").astype("timedelta64[s]")
        return np.where(t <= tl.END_TS, t, np.datetime64("NaT"))

    accepted = at(accept_h)
    dispatched = np.where(np.isnat(accepted), np.datetime64("NaT"), at(dispatch_h))
    arrived = np.where(remote | np.isnat(dispatched), np.datetime64("NaT"), at(arrive_h))
    resolved = np.where(np.isnat(dispatched), np.datetime64("NaT"), at(resolve_h))
    closed = np.where(np.isnat(resolved), np.datetime64("NaT"), at(close_h))
    status = np.where(
        np.isnat(accepted),
        "待受理",
        np.where(np.isnat(resolved), "处理中", np.where(np.isnat(closed), "已解决", "已关闭")),
    ).astype(object)

    acc_idx_by_id = {a: i for i, a in enumerate(acc["account_id"].to_list())}
    account = dev["account_id"].to_numpy()[di]
    prov = acc["_province"].to_numpy()[np.array([acc_idx_by_id[a] for a in account], dtype=int)]
    eng = pick_active(rng, engineers, prov, created.astype("datetime64[D]"))
    eng = np.where(np.isnat(dispatched), None, eng)
    line = dev["_line"].to_numpy()[di]
    fault = np.empty(n, dtype=object)
    for ln, faults in FAULTS.items():
        sel = np.flatnonzero(line == ln)
        fault[sel] = np.array(faults, dtype=object)[rng.integers(0, len(faults), len(sel))]
    breached = (accept_h > acc_t) | (resolve_h > res_t)
    score = np.where(
        breached,
        rng.choice([1, 2, 3, 4, 5], n, p=[0.15, 0.25, 0.3, 0.2, 0.1]),
        rng.choice([1, 2, 3, 4, 5], n, p=[0.02, 0.03, 0.1, 0.25, 0.6]),
    )
    rated = (status == "已关闭") & (rng.random(n) < 0.65)
    serial = dev["serial_no"].to_numpy()[di]
    serial = np.where(rng.random(n) < 0.03, None, serial)  # reported by phone without a serial
    ticket_ids = np.array([f"GD{i + 1:09d}" for i in range(n)], dtype=object)
    tickets = frame(
        {
            "ticket_id": ticket_ids,
            "serial_no": serial,
            "account_id": account,
            "channel": np.array(CHANNELS, dtype=object)[rng.choice(4, n, p=CHANNEL_P)],
            "priority": priority,
            "fault_type": fault,
            "created_at": created,
            "accepted_at": accepted,
            "dispatched_at": dispatched,
            "arrived_at": arrived,
            "resolved_at": resolved,
            "closed_at": closed,
            "engineer_id": eng,
            "resolution_mode": np.where(remote, "远程", "现场").astype(object),
            "ticket_status": status,
            "satisfaction": pl.Series(np.where(rated, score, 0)).replace(0, None).cast(pl.Int64),
        },
        {"serial_no": pl.Utf8, "engineer_id": pl.Utf8},
    )
    world.tables["tickets"] = tickets
    _sla_answer(world, tickets)
    _parts_used(world, rng, tickets)


def _sla_answer(world: World, tickets: pl.DataFrame) -> None:
    t = tickets.with_columns(
        pl.col("priority").replace_strict(ACCEPT_TARGET_H).alias("accept_target_h"),
        pl.col("priority").replace_strict(RESOLVE_TARGET_H).alias("resolve_target_h"),
    )
    hours = 3600.0
    per_target: dict[str, pl.DataFrame] = {}
    for target, reached_at in (("accept", "accepted_at"), ("resolve", "resolved_at")):
        actual_h = (pl.col(reached_at) - pl.col("created_at")).dt.total_seconds() / hours
        per_target[target] = t.filter(actual_h > pl.col(f"{target}_target_h")).select(
            "ticket_id",
            "priority",
            pl.lit(target).alias("target"),
            pl.col(f"{target}_target_h").alias("target_hours"),
            actual_h.round(2).alias("actual_hours"),
        )
    breaches = pl.concat(per_target.values()).sort("ticket_id", "target")
    world.answer_frames["sla_breaches"] = breaches
    world.planted["sla_breaches_accept"] = per_target["accept"].height
    world.planted["sla_breaches_resolve"] = per_target["resolve"].height
    world.planted["sla_basis"] = "calendar hours from created_at; targets per priority"
    world.planted["sla_accept_target_hours"] = ACCEPT_TARGET_H
    world.planted["sla_resolve_target_hours"] = RESOLVE_TARGET_H


def _parts_used(world: World, rng: np.random.Generator, tickets: pl.DataFrame) -> None:
    part_cost = np.round(np.exp(rng.uniform(np.log(50), np.log(80_000), N_PARTS)), 2)
    part_ids = np.array([f"BJ{i:06d}" for i in rng.choice(999_999, N_PARTS, replace=False)])
    onsite = tickets.filter(
        (pl.col("resolution_mode") == "现场") & pl.col("resolved_at").is_not_null()
    )["ticket_id"].to_numpy()
    uses = onsite[rng.random(len(onsite)) < 0.45]
    k = rng.integers(1, 4, len(uses))
    ti = np.repeat(np.arange(len(uses)), k)
    pos = np.arange(len(ti)) - np.repeat(np.cumsum(k) - k, k)
    # Distinct parts per ticket: an offset walk through the catalogue.
    base = rng.integers(0, N_PARTS, len(uses))
    step = rng.integers(1, 17, len(uses))
    pi = (base[ti] + pos * step[ti]) % N_PARTS
    world.tables["parts_used"] = frame(
        {
            "ticket_id": uses[ti].astype(object),
            "part_id": part_ids[pi].astype(object),
            "quantity": rng.choice([1, 1, 1, 2, 4], len(ti)),
            "unit_cost": part_cost[pi],
        }
    )
