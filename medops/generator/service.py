"""Field service: installed devices, service tickets with their lifecycle, spare parts used."""

from __future__ import annotations

import numpy as np
import polars as pl

from medops.generator import service_time as st
from medops.generator import timeline as tl
from medops.generator.org import pick_active
from medops.generator.world import World, frame

CHANNELS = ["400电话", "企业微信", "邮件", "扫码报修"]
CHANNEL_P = [0.35, 0.35, 0.1, 0.2]
PRIORITIES = ["紧急", "高", "中", "低"]
PRIORITY_P = [0.08, 0.22, 0.45, 0.25]
# SLA targets and calendars are in medops.generator.service_time; these shares plan how often
# a step is late (the answer key then measures what the timestamps really show).
ACCEPT_BREACH_P = 0.04
ARRIVE_BREACH_P = 0.06
RESOLVE_BREACH_P = 0.06
REMOTE_P = 0.4
WAIT_PARTS_P = 0.2  # of on-site tickets
WAIT_CUSTOMER_P = 0.08
PRIORITY_CHANGE_P = 0.06
REOPEN_P = 0.04
ALL_HOURS_CONTRACT_P = 0.18  # service contracts with 7x24 coverage
# Paid repairs (devices out of warranty and contract): labour per engineer hour, parts resold
# at a markup; a few are waived as goodwill.
REPAIR_LABOUR_CNY_PER_HOUR = 800.0
REPAIR_PARTS_MARKUP = 1.3
REPAIR_CHARGED_P = 0.85
PM_INTERVAL_DAYS = 180
PM_HORIZON_DAYS = 90  # visits planned this far after the export are already in the plan
PM_DONE_P = 0.88
TICKETS_PER_DEVICE_YEAR = {"影像设备": 1.3, "检验设备": 1.6}
FAULTS = {
    "影像设备": ["图像伪影", "球管故障", "探测器故障", "高压发生器故障", "软件报错", "通讯故障"],
    "检验设备": ["试剂针堵塞", "样本架卡滞", "温控异常", "光源老化", "软件报错", "通讯故障"],
}
N_PARTS = 200
# Deal-to-cash leaks (issue 14): multi-unit equipment lines delivering one unit so far, and
# devices installed months after their order instead of within weeks.
PARTIAL_DELIVERY_P = 0.4
LATE_INSTALL_P = 0.08
LATE_INSTALL_DAYS = (120, 301)


def build_devices(world: World, equipment_lines: pl.DataFrame) -> None:
    """Installed base: devices delivered by equipment orders plus the base before history."""
    rng = world.rng("devices")
    acc = world.tables["accounts"]
    products = world.tables["products"]
    equip = products.filter(pl.col("product_category") == "设备")
    # New installations from equipment order lines (one device per unit).
    rep = equipment_lines.select(
        "sku",
        "account_id",
        "ordered_on",
        "order_id",
        "line_no",
        pl.int_ranges(pl.col("quantity")).alias("_unit"),
    ).explode("_unit")
    installed_new = rep["ordered_on"].to_numpy().astype("datetime64[D]") + rng.integers(
        7, 46, rep.height
    ).astype("timedelta64[D]")
    # Deal-to-cash leaks (issue 14) from their own stream: some multi-unit lines deliver only
    # their first unit so far (partial delivery), some devices wait months for installation.
    leak_rng = world.rng("deliveries")
    multi = set(equipment_lines.filter(pl.col("quantity") > 1)["order_id"].to_list())
    partial_orders = {o for o in sorted(multi) if leak_rng.random() < PARTIAL_DELIVERY_P}
    undelivered = rep["order_id"].is_in(list(partial_orders)).to_numpy() & (
        rep["_unit"].to_numpy() > 0
    )
    late = leak_rng.random(rep.height) < LATE_INSTALL_P
    installed_new = np.where(
        late,
        rep["ordered_on"].to_numpy().astype("datetime64[D]")
        + leak_rng.integers(*LATE_INSTALL_DAYS, rep.height).astype("timedelta64[D]"),
        installed_new,
    )
    rep = rep.with_columns(pl.Series("_late", late)).filter(pl.Series(~undelivered))
    installed_new = installed_new[~undelivered]
    # Installed base from before the history window, at hospitals and exam centres.
    n_legacy = world.count(12000, 60)
    buyers = np.flatnonzero(np.isin(acc["account_type"].to_numpy(), ["医院", "体检集团"]))
    legacy_acc = buyers[rng.integers(0, len(buyers), n_legacy)]
    legacy_sku = equip["sku"].to_numpy()[rng.integers(0, equip.height, n_legacy)]
    installed_old = np.datetime64("2015-01-01") + rng.integers(0, 3225, n_legacy).astype(
        "timedelta64[D]"
    )
    order_id = np.concatenate([np.full(n_legacy, None, dtype=object), rep["order_id"].to_numpy()])
    line_no = np.concatenate([np.zeros(n_legacy, dtype=np.int64), rep["line_no"].to_numpy()])
    late = np.concatenate([np.zeros(n_legacy, dtype=bool), rep["_late"].to_numpy()])
    sku = np.concatenate([legacy_sku, rep["sku"].to_numpy()])
    account = np.concatenate(
        [acc["account_id"].to_numpy()[legacy_acc], rep["account_id"].to_numpy()]
    )
    installed = np.concatenate([installed_old, installed_new])
    keep = installed <= tl.END
    keep = np.flatnonzero(keep)
    keep = keep[np.argsort(installed[keep], kind="stable")]
    sku, account, installed = sku[keep], account[keep], installed[keep]
    order_id, line_no, late = order_id[keep], line_no[keep], late[keep]
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
            "_order_id": order_id,
            "_line_no": line_no,
            "_late_install": late,
        },
        {"_order_id": pl.Utf8},
    )
    _service_contracts(world, rng, has_sc, warranty, sc_end)


def _service_contracts(
    world: World,
    rng: np.random.Generator,
    has_sc: np.ndarray,
    warranty_ends: np.ndarray,
    contract_ends: np.ndarray,
) -> None:
    """One service contract per device that has one: from the end of warranty to its end."""
    dev = world.tables["devices"]
    idx = np.flatnonzero(has_sc)
    line = dev["_line"].to_numpy()[idx]
    low, high = (
        np.where(line == "影像设备", 60_000, 15_000),
        np.where(line == "影像设备", 250_000, 60_000),
    )
    fee = np.round(np.exp(rng.uniform(np.log(low), np.log(high))) / 100) * 100
    all_hours = rng.random(len(idx)) < ALL_HOURS_CONTRACT_P
    world.tables["service_contracts"] = frame(
        {
            "contract_no": np.array([f"FW{i + 1:08d}" for i in range(len(idx))], dtype=object),
            "serial_no": dev["serial_no"].to_numpy()[idx],
            "account_id": dev["account_id"].to_numpy()[idx],
            "starts_on": warranty_ends[idx] + np.timedelta64(1, "D"),
            "ends_on": contract_ends[idx],
            "coverage": np.where(all_hours, "7x24", "5x8").astype(object),
            "annual_fee": fee,
        }
    )


def build_tickets(world: World) -> None:
    """Tickets planned in business time on their SLA calendars, their status and priority
    history, and the answer key's SLA outcomes (measured again from the written timestamps)."""
    rng = world.rng("tickets")
    dev = world.tables["devices"]
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

    ctx = _ticket_context(world, di, created)
    targets = _targets(ctx, priority)
    cal = np.where(targets["clock"] == "24x7", st.ALL_HOURS, ctx["calendar"]).astype(object)
    c0 = st.clock_at(cal, created)

    # Business seconds after creation (on the plan calendar) at which each step happens.
    acc_t, arr_t, res_t = (targets[k] * 60.0 for k in ("accept", "arrive", "resolve"))
    accept_s = np.where(
        rng.random(n) < ACCEPT_BREACH_P,
        acc_t * rng.uniform(1.3, 4, n),
        acc_t * rng.uniform(0.05, 0.9, n),
    )
    resolve_s = np.where(
        rng.random(n) < RESOLVE_BREACH_P,
        res_t * rng.uniform(1.1, 2.5, n),
        res_t * rng.uniform(0.2, 0.95, n),
    )
    # Acceptance must precede resolution; a very late acceptance pushes resolution out.
    resolve_s = np.maximum(resolve_s, accept_s + rng.uniform(0.3, 2, n) * 3600)
    dispatch_s = accept_s + (resolve_s - accept_s) * rng.uniform(0.05, 0.2, n)
    arrive_s = np.where(
        rng.random(n) < ARRIVE_BREACH_P,
        arr_t * rng.uniform(1.1, 2, n),
        arr_t * rng.uniform(0.2, 0.9, n),
    )
    arrive_s = np.clip(
        arrive_s,
        dispatch_s + (resolve_s - dispatch_s) * 0.2,
        dispatch_s + (resolve_s - dispatch_s) * 0.8,
    )
    remote = rng.random(n) < REMOTE_P
    # One wait at most: for a spare part (on site only) or for the customer.
    wait_r = rng.random(n)
    wait_kind = np.where(
        ~remote & (wait_r < WAIT_PARTS_P),
        "等待备件",
        np.where(wait_r > 1 - WAIT_CUSTOMER_P, "等待客户", ""),
    ).astype(object)
    wait_from = np.where(remote, dispatch_s, arrive_s)
    wait_start_s = wait_from + (resolve_s - wait_from) * rng.uniform(0.2, 0.6, n)
    wait_s = np.where(wait_kind == "", 0.0, rng.uniform(0.5, 4, n) * 8 * 3600).round()
    resolve_s = resolve_s + wait_s
    # A priority change (mostly an escalation) somewhere between acceptance and resolution.
    changes = rng.random(n) < PRIORITY_CHANGE_P
    step = np.where(rng.random(n) < 0.7, -1, 1)
    level = np.array([PRIORITIES.index(x) for x in priority])
    new_priority = np.array(PRIORITIES, dtype=object)[np.clip(level + step, 0, 3)]
    changes &= new_priority != priority
    change_s = accept_s + (resolve_s - accept_s) * rng.uniform(0.1, 0.7, n)

    def at(offset: np.ndarray) -> np.ndarray:
        t = st.moment_at(cal, np.round(c0 + offset))
        return np.where(t <= tl.END_TS, t, np.datetime64("NaT"))

    def later(t: np.ndarray, low_h: float, high_h: float) -> np.ndarray:
        t2 = t + (rng.uniform(low_h, high_h, n) * 3600).astype("int64").astype("timedelta64[s]")
        return np.where(t2 <= tl.END_TS, t2, np.datetime64("NaT"))

    accepted = at(accept_s)
    dispatched = np.where(np.isnat(accepted), np.datetime64("NaT"), at(dispatch_s))
    arrived = np.where(remote | np.isnat(dispatched), np.datetime64("NaT"), at(arrive_s))
    first_resolved = np.where(np.isnat(dispatched), np.datetime64("NaT"), at(resolve_s))
    first_closed = later(first_resolved, 1, 72)
    wait_start = np.where(
        (wait_kind == "") | np.isnat(dispatched), np.datetime64("NaT"), at(wait_start_s)
    )
    wait_end = np.where(np.isnat(wait_start), np.datetime64("NaT"), at(wait_start_s + wait_s))
    changed_at = np.where(changes & ~np.isnat(accepted), at(change_s), np.datetime64("NaT"))
    # Reopened after closing: the customer calls back within days; kept only when the second
    # round finishes inside the history window.
    reopen_at = later(first_closed, 24, 240)
    resolved_again = later(reopen_at, 2, 48)
    closed_again = later(resolved_again, 1, 24)
    reopened = (rng.random(n) < REOPEN_P) & ~np.isnat(closed_again)
    nat = np.datetime64("NaT")
    reopen_at = np.where(reopened, reopen_at, nat)
    resolved = np.where(reopened, resolved_again, first_resolved)
    closed = np.where(reopened, closed_again, first_closed)
    status = np.where(
        np.isnat(accepted),
        "待受理",
        np.where(np.isnat(resolved), "处理中", np.where(np.isnat(closed), "已解决", "已关闭")),
    ).astype(object)
    final_priority = np.where(~np.isnat(changed_at), new_priority, priority)

    eng = pick_active(rng, engineers, ctx["province_idx"], created.astype("datetime64[D]"))
    eng = np.where(np.isnat(dispatched), None, eng)
    line = dev["_line"].to_numpy()[di]
    fault = np.empty(n, dtype=object)
    for ln, faults in FAULTS.items():
        sel = np.flatnonzero(line == ln)
        fault[sel] = np.array(faults, dtype=object)[rng.integers(0, len(faults), len(sel))]
    late = (accept_s > acc_t) | (resolve_s > res_t)
    score = np.where(
        late,
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
            "account_id": ctx["account_id"],
            "channel": np.array(CHANNELS, dtype=object)[rng.choice(4, n, p=CHANNEL_P)],
            "priority": final_priority,
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
    history = _history(
        ticket_ids,
        [
            (created, "待受理", priority),
            (accepted, "已受理", None),
            (dispatched, "已派单", None),
            (arrived, "已到场", None),
            (wait_start, wait_kind, None),
            (wait_end, "处理中", None),
            (changed_at, None, new_priority),
            (first_resolved, "已解决", None),
            (first_closed, "已关闭", None),
            (reopen_at, "重新打开", None),
            (np.where(reopened, resolved_again, nat), "已解决", None),
            (np.where(reopened, closed_again, nat), "已关闭", None),
        ],
    )
    world.tables["ticket_history"] = history
    _sla_answer(world, tickets, history, ctx)
    _parts_used(world, rng, tickets)
    _worklogs_and_charges(world, rng, tickets, ctx)


def _ticket_context(world: World, di: np.ndarray, created: np.ndarray) -> dict[str, np.ndarray]:
    """Per ticket: the customer, its province and calendar, service tier, device class, the
    policy version in force at creation."""
    dev = world.tables["devices"]
    acc = world.tables["accounts"]
    acc_idx_by_id = {a: i for i, a in enumerate(acc["account_id"].to_list())}
    account = dev["account_id"].to_numpy()[di]
    ai = np.array([acc_idx_by_id[a] for a in account], dtype=int)
    province = acc["province"].to_numpy()[ai]
    grade = acc["hospital_grade"].to_numpy()[ai]
    region_cal = np.array(
        [st.PROVINCE_CALENDAR.get(p, st.DEFAULT_CALENDAR) for p in province], dtype=object
    )
    # A 7x24 service contract in force on the day of the call puts the ticket on the 24x7 clock.
    sc = world.tables["service_contracts"].filter(pl.col("coverage") == "7x24")
    covered = np.zeros(len(di), dtype=bool)
    serial = dev["serial_no"].to_numpy()[di]
    day = created.astype("datetime64[D]")
    spans = {
        s: (a, b)
        for s, a, b in zip(
            sc["serial_no"].to_list(),
            sc["starts_on"].to_numpy().astype("datetime64[D]"),
            sc["ends_on"].to_numpy().astype("datetime64[D]"),
            strict=True,
        )
    }
    for i in np.flatnonzero(np.isin(serial, list(spans))):
        a, b = spans[serial[i]]
        covered[i] = a <= day[i] <= b
    version = np.full(len(di), "", dtype=object)
    for name, valid_from, valid_to in st.POLICY_VERSIONS:
        sel = (day >= np.datetime64(valid_from)) & (day <= np.datetime64(valid_to))
        version[sel] = name
    return {
        "account_id": account,
        "province_idx": acc["_province"].to_numpy()[ai],
        "calendar": np.where(covered, st.ALL_HOURS, region_cal).astype(object),
        "tier": np.where(np.isin(grade, st.KEY_GRADES), "key", "standard").astype(object),
        "line": dev["_line"].to_numpy()[di],
        "version": version,
        "covered_by_contract": _covered(world, serial, day),
    }


def _covered(world: World, serial: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Device under warranty or a service contract on that day."""
    dev = world.tables["devices"]
    pos = {s: i for i, s in enumerate(dev["serial_no"].to_list())}
    idx = np.array([pos[s] for s in serial], dtype=int)
    warranty = dev["warranty_ends_on"].to_numpy().astype("datetime64[D]")[idx]
    contract = dev["service_contract_ends_on"].to_numpy().astype("datetime64[D]")[idx]
    return (day <= warranty) | (~np.isnat(contract) & (day <= contract))


def _targets(ctx: dict[str, np.ndarray], priority: np.ndarray) -> dict[str, np.ndarray]:
    """SLA targets (business minutes) and clock of the policy for each ticket at `priority`."""
    table = {
        (r["policy_version"], r["service_tier"], r["device_line"], r["priority"]): r
        for r in st.sla_policies()
    }
    rows = [
        table[key] for key in zip(ctx["version"], ctx["tier"], ctx["line"], priority, strict=True)
    ]
    return {
        "accept": np.array([r["accept_minutes"] for r in rows], dtype=float),
        "arrive": np.array([r["arrive_minutes"] for r in rows], dtype=float),
        "resolve": np.array([r["resolve_minutes"] for r in rows], dtype=float),
        "clock": np.array([r["clock"] for r in rows], dtype=object),
    }


def _history(
    ticket_ids: np.ndarray, events: list[tuple[np.ndarray, object, object]]
) -> pl.DataFrame:
    """One row per status or priority change: the status and priority in force from then on."""
    n = len(ticket_ids)
    parts = []
    for seq, (at, status, priority) in enumerate(events):
        status_col = status if isinstance(status, np.ndarray) else np.full(n, status, dtype=object)
        prio_col = (
            priority if isinstance(priority, np.ndarray) else np.full(n, priority, dtype=object)
        )
        keep = ~np.isnat(at)
        parts.append(
            pl.DataFrame(
                {
                    "ticket_id": ticket_ids[keep].tolist(),
                    "changed_at": at[keep].astype("datetime64[us]"),
                    "_seq": np.full(int(keep.sum()), seq),
                    "ticket_status": status_col[keep].tolist(),
                    "priority": prio_col[keep].tolist(),
                },
                schema_overrides={"ticket_status": pl.Utf8, "priority": pl.Utf8},
            )
        )
    return (
        pl.concat(parts)
        .sort("ticket_id", "changed_at", "_seq")
        .with_columns(
            pl.col("ticket_status").forward_fill().over("ticket_id"),
            pl.col("priority").forward_fill().over("ticket_id"),
            pl.int_range(1, pl.len() + 1).over("ticket_id").alias("change_no"),
        )
        .select("ticket_id", "change_no", "changed_at", "ticket_status", "priority")
    )


def _sla_answer(
    world: World, tickets: pl.DataFrame, history: pl.DataFrame, ctx: dict[str, np.ndarray]
) -> None:
    """SLA outcome of every target a ticket reached, measured from the written timestamps and
    history: business time on the target's calendar from creation to the event, less the
    pauses, against the target of the priority in force at the event."""
    first_resolved = (
        history.filter(pl.col("ticket_status") == "已解决")
        .group_by("ticket_id")
        .agg(pl.col("changed_at").min().alias("first_resolved_at"))
    )
    t = tickets.join(first_resolved, on="ticket_id", how="left")
    created = t["created_at"].to_numpy().astype("datetime64[s]")
    pauses = history.with_columns(
        pl.col("changed_at").shift(-1).over("ticket_id").alias("until")
    ).filter(pl.col("ticket_status").is_in(st.PAUSE_STATUSES) & pl.col("until").is_not_null())
    outcomes = []
    for target, event_col in (
        ("accept", "accepted_at"),
        ("arrive", "arrived_at"),
        ("resolve", "first_resolved_at"),
    ):
        event = t[event_col].to_numpy().astype("datetime64[s]")
        reached = np.flatnonzero(~np.isnat(event))
        # Priority in force at the event: the last change at or before it.
        events = pl.DataFrame(
            {
                "ticket_id": t["ticket_id"].to_numpy()[reached].tolist(),
                "event_at": event[reached].astype("datetime64[us]"),
            }
        ).with_row_index("_i")
        prio = (
            events.sort("event_at")
            .join_asof(
                history.select("ticket_id", "changed_at", "priority").sort("changed_at"),
                left_on="event_at",
                right_on="changed_at",
                by="ticket_id",
                strategy="backward",
                check_sortedness=False,  # sorted by event_at; the check cannot see by-groups
            )
            .sort("_i")["priority"]
            .to_numpy()
        )
        sub = {k: v[reached] for k, v in ctx.items()}
        tg = _targets(sub, prio)
        cal = np.where(tg["clock"] == "24x7", st.ALL_HOURS, sub["calendar"]).astype(object)
        elapsed = st.clock_at(cal, event[reached]) - st.clock_at(cal, created[reached])
        # Paused business time inside [created, event].
        p = pauses.join(
            events.with_columns(pl.Series("_cal", cal.tolist())), on="ticket_id", how="inner"
        ).filter(pl.col("changed_at") < pl.col("event_at"))
        if p.height:
            lo = p["changed_at"].to_numpy().astype("datetime64[s]")
            hi = np.minimum(
                p["until"].to_numpy().astype("datetime64[s]"),
                p["event_at"].to_numpy().astype("datetime64[s]"),
            )
            pcal = p["_cal"].to_numpy()
            paused = st.clock_at(pcal, hi) - st.clock_at(pcal, lo)
            np.add.at(elapsed, p["_i"].to_numpy(), -paused)
        outcomes.append(
            pl.DataFrame(
                {
                    "ticket_id": events["ticket_id"],
                    "target": target,
                    "policy_version": sub["version"].tolist(),
                    "priority": prio.tolist(),
                    "calendar_id": cal.tolist(),
                    "target_minutes": tg[target],
                    "business_minutes": np.round(elapsed / 60.0, 4),
                    "met": elapsed <= tg[target] * 60.0,
                }
            )
        )
    sla = pl.concat(outcomes).sort("ticket_id", "target")
    world.answer_frames["sla_outcomes"] = sla
    breaches = sla.filter(~pl.col("met")).select(
        "ticket_id",
        "priority",
        "target",
        pl.col("target_minutes"),
        pl.col("business_minutes").alias("actual_minutes"),
    )
    world.answer_frames["sla_breaches"] = breaches
    for target in ("accept", "arrive", "resolve"):
        of = sla.filter(pl.col("target") == target)
        world.planted[f"sla_breaches_{target}"] = int((~of["met"]).sum())
        world.planted[f"sla_attainment_{target}"] = round(float(of["met"].mean()), 6)
    world.planted["sla_basis"] = (
        "business minutes on the target's calendar from created_at to the event (resolve: the "
        "first resolution), less 等待客户 pauses; target of the priority in force at the event "
        "and the policy version in force at creation"
    )


def _parts_used(world: World, rng: np.random.Generator, tickets: pl.DataFrame) -> None:
    """Parts used on on-site repairs (always on tickets that waited for a part), and the stock
    per provincial warehouse on the export day."""
    part_cost = np.round(np.exp(rng.uniform(np.log(50), np.log(80_000), N_PARTS)), 2)
    part_ids = np.array([f"BJ{i:06d}" for i in rng.choice(999_999, N_PARTS, replace=False)])
    waited = world.tables["ticket_history"].filter(pl.col("ticket_status") == "等待备件")
    onsite = tickets.filter(
        (pl.col("resolution_mode") == "现场") & pl.col("resolved_at").is_not_null()
    )["ticket_id"].to_numpy()
    uses = onsite[
        (rng.random(len(onsite)) < 0.45) | np.isin(onsite, waited["ticket_id"].to_numpy())
    ]
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
    # Stock: each provincial warehouse carries part of the catalogue, some lines at zero.
    rows = []
    for prov in world.provinces:
        carried = np.flatnonzero(rng.random(N_PARTS) < 0.6)
        qty = np.where(rng.random(len(carried)) < 0.15, 0, rng.poisson(4, len(carried)) + 1)
        rows.append(
            pl.DataFrame(
                {
                    "warehouse_id": f"CK{prov.code}",
                    "warehouse_province": prov.name,
                    "part_id": part_ids[carried].tolist(),
                    "on_hand_qty": qty.astype(np.int64),
                    "unit_cost": part_cost[carried],
                    "snapshot_on": np.full(len(carried), tl.END),
                }
            )
        )
    world.tables["parts_stock"] = pl.concat(rows).with_columns(pl.col("snapshot_on").cast(pl.Date))


def _worklogs_and_charges(
    world: World, rng: np.random.Generator, tickets: pl.DataFrame, ctx: dict[str, np.ndarray]
) -> None:
    """Engineer hours and travel per ticket worked, and the bill for repairs on devices out of
    warranty and without a service contract on the day of the call (most of them are charged)."""
    worked = ~tickets["dispatched_at"].is_null().to_numpy()
    on_site = (tickets["resolution_mode"] == "现场").to_numpy()
    day = tickets["arrived_at"].fill_null(tickets["dispatched_at"]).dt.date().to_numpy()
    n = tickets.height
    hours = np.where(on_site, rng.uniform(1.5, 8, n), rng.uniform(0.3, 2.5, n)).round(1)
    km = np.where(on_site & ~tickets["arrived_at"].is_null().to_numpy(), rng.gamma(2, 45, n), 0.0)
    idx = np.flatnonzero(worked)
    world.tables["engineer_worklogs"] = frame(
        {
            "worklog_id": np.array([f"GS{i + 1:09d}" for i in range(len(idx))], dtype=object),
            "engineer_id": tickets["engineer_id"].to_numpy()[idx],
            "ticket_id": tickets["ticket_id"].to_numpy()[idx],
            "worked_on": day[idx].astype("datetime64[D]"),
            "work_hours": hours[idx],
            "travel_km": km[idx].round(1),
        }
    )
    parts = (
        world.tables["parts_used"]
        .group_by("ticket_id")
        .agg((pl.col("quantity") * pl.col("unit_cost")).sum().alias("parts"))
    )
    t = tickets.with_columns(
        pl.Series("_hours", hours), pl.Series("_covered", ctx["covered_by_contract"])
    ).join(parts, on="ticket_id", how="left")
    paid = t.filter(
        ~pl.col("_covered")
        & pl.col("resolved_at").is_not_null()
        & pl.col("dispatched_at").is_not_null()
    )
    paid = paid.filter(pl.Series(rng.random(paid.height) < REPAIR_CHARGED_P))
    world.tables["repair_charges"] = paid.select(
        "ticket_id",
        pl.col("resolved_at").dt.date().alias("charged_on"),
        (
            pl.col("_hours") * REPAIR_LABOUR_CNY_PER_HOUR
            + pl.col("parts").fill_null(0) * REPAIR_PARTS_MARKUP
        )
        .round(2)
        .alias("charge_amount"),
    )


def build_pm_visits(world: World) -> None:
    """Preventive maintenance: a visit planned every PM_INTERVAL_DAYS after installation while the
    device is under warranty or contract; most are done around the planned day."""
    rng = world.rng("pm_visits")
    dev = world.tables["devices"]
    acc = world.tables["accounts"]
    installed = dev["installed_on"].to_numpy().astype("datetime64[D]")
    warranty = dev["warranty_ends_on"].to_numpy().astype("datetime64[D]")
    contract = dev["service_contract_ends_on"].to_numpy().astype("datetime64[D]")
    covered_until = np.where(np.isnat(contract), warranty, np.maximum(warranty, contract))
    horizon = tl.END + np.timedelta64(PM_HORIZON_DAYS, "D")
    k_max = 40
    k = np.arange(1, k_max + 1)
    planned = installed[:, None] + (k[None, :] * PM_INTERVAL_DAYS).astype("timedelta64[D]")
    ok = (planned >= tl.START) & (planned <= np.minimum(covered_until, horizon)[:, None])
    di, ki = np.nonzero(ok)
    planned = planned[di, ki]
    n = len(di)
    done = planned + rng.integers(-15, 26, n).astype("timedelta64[D]")
    done_ok = (rng.random(n) < PM_DONE_P) & (done <= tl.END) & (planned <= tl.END)
    done = np.where(done_ok, done, np.datetime64("NaT"))
    acc_idx_by_id = {a: i for i, a in enumerate(acc["account_id"].to_list())}
    ai = np.array([acc_idx_by_id[a] for a in dev["account_id"].to_numpy()[di]], dtype=int)
    engineers = world.tables["employees"].filter(pl.col("job_role") == "服务工程师")
    eng = pick_active(
        rng, engineers, acc["_province"].to_numpy()[ai], np.where(done_ok, done, planned)
    )
    order = np.lexsort((planned, di))
    world.tables["pm_visits"] = frame(
        {
            "pm_id": np.array([f"PM{i + 1:09d}" for i in range(n)], dtype=object),
            "serial_no": dev["serial_no"].to_numpy()[di][order],
            "planned_on": planned[order],
            "done_on": done[order],
            "engineer_id": np.where(done_ok, eng, None)[order],
        },
        {"engineer_id": pl.Utf8},
    )
