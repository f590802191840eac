"""The sales side: products, campaigns, leads, opportunities with stage history, quotas."""

from __future__ import annotations

import numpy as np
import polars as pl

from medops.generator import timeline as tl
from medops.generator.org import pick_active
from medops.generator.world import World, frame

STAGES = ["初步接洽", "需求确认", "方案报价", "商务谈判"]
WON, LOST = "赢单", "输单"
LOST_REASONS = ["价格因素", "竞品中标", "预算取消", "集采未中标", "需求变更", "关系不足"]
LOST_REASON_P = [0.3, 0.25, 0.12, 0.13, 0.1, 0.1]
# Open deals without a stage change for this many days count as stale (answer key only; the
# warehouse reads its own threshold from seeds).
STALE_AFTER_DAYS = 90

# product line -> (category, [(base name, price low, price high, model prefix, imported)])
CATALOG: dict[str, tuple[str, list[tuple[str, float, float, str, bool]]]] = {
    "影像设备": (
        "设备",
        [
            ("数字化X射线摄影系统", 450_000, 1_500_000, "DR", False),
            ("移动式数字化X射线摄影系统", 350_000, 900_000, "MDR", False),
            ("64排螺旋CT", 3_000_000, 6_000_000, "CT64", False),
            ("128排螺旋CT", 6_000_000, 9_000_000, "CT128", True),
            ("1.5T磁共振成像系统", 6_000_000, 11_000_000, "MR15", False),
            ("3.0T磁共振成像系统", 12_000_000, 25_000_000, "MR30", True),
            ("彩色多普勒超声诊断仪", 300_000, 2_000_000, "US", False),
            ("乳腺X射线摄影系统", 1_200_000, 3_000_000, "MG", False),
            ("数字减影血管造影系统", 8_000_000, 15_000_000, "DSA", True),
        ],
    ),
    "检验设备": (
        "设备",
        [
            ("全自动生化分析仪", 300_000, 1_800_000, "BC", False),
            ("化学发光免疫分析仪", 500_000, 2_500_000, "CL", False),
            ("全自动血细胞分析仪", 150_000, 900_000, "HA", False),
            ("尿液分析仪", 80_000, 400_000, "UA", False),
            ("全自动凝血分析仪", 200_000, 1_000_000, "CA", False),
            ("检验流水线系统", 3_000_000, 8_000_000, "LAS", True),
        ],
    ),
    "检验试剂": (
        "耗材",
        [
            ("肝功能检测试剂盒", 300, 2_500, "R", False),
            ("肾功能检测试剂盒", 300, 2_500, "R", False),
            ("血脂检测试剂盒", 300, 2_000, "R", False),
            ("甲状腺功能检测试剂盒", 1_500, 6_000, "R", False),
            ("肿瘤标志物检测试剂盒", 2_000, 8_000, "R", False),
            ("心肌标志物检测试剂盒", 1_500, 6_000, "R", False),
            ("凝血检测试剂盒", 500, 3_000, "R", False),
            ("质控品", 400, 2_000, "QC", False),
            ("校准品", 300, 1_500, "CAL", False),
        ],
    ),
    "医用耗材": (
        "耗材",
        [
            ("反应杯", 200, 900, "C", False),
            ("真空采血管", 60, 300, "C", False),
            ("高压注射器针筒", 80, 400, "C", False),
            ("吸样针", 800, 3_000, "C", False),
            ("医用干式胶片", 500, 2_000, "C", False),
            ("一次性使用造影导管", 150, 1_200, "C", False),
        ],
    ),
    "维修服务": (
        "服务",
        [
            ("CT年度全保服务", 300_000, 800_000, "SV", False),
            ("磁共振年度全保服务", 500_000, 1_200_000, "SV", False),
            ("DR年度保修服务", 30_000, 120_000, "SV", False),
            ("检验设备年度维保服务", 20_000, 150_000, "SV", False),
            ("球管更换服务", 400_000, 900_000, "SV", False),
            ("预防性维护服务", 5_000, 40_000, "SV", False),
        ],
    ),
}
PRODUCT_LINES = list(CATALOG)
LINE_SHARE = {"影像设备": 0.15, "检验设备": 0.1, "检验试剂": 0.4, "医用耗材": 0.3, "维修服务": 0.05}
# Which lines each kind of customer buys (probabilities per line, in PRODUCT_LINES order).
LINE_BY_ACCOUNT_TYPE = {
    "医院": [0.22, 0.18, 0.28, 0.22, 0.10],
    "经销商": [0.15, 0.15, 0.35, 0.35, 0.0],
    "体检集团": [0.30, 0.25, 0.25, 0.15, 0.05],
    "企业": [0.05, 0.10, 0.35, 0.50, 0.0],
}
# Sales cycle (median days, lognormal sigma): equipment takes months, consumables weeks.
CYCLE_DAYS = {
    "影像设备": (150, 0.45),
    "检验设备": (100, 0.45),
    "检验试剂": (40, 0.5),
    "医用耗材": (30, 0.5),
    "维修服务": (25, 0.5),
}
# Typical deal size (median CNY, sigma).
DEAL_SIZE = {
    "影像设备": (900_000, 0.9),
    "检验设备": (300_000, 0.8),
    "检验试剂": (300_000, 0.8),
    "医用耗材": (150_000, 0.8),
    "维修服务": (120_000, 0.8),
}
LEAD_SOURCES = ["展会", "官网", "学术会议", "转介绍", "400热线"]
LEAD_SOURCE_P = [0.2, 0.25, 0.2, 0.15, 0.2]


def build_products(world: World) -> None:
    rng = world.rng("products")
    n = max(60, min(1500, int(round(600 * world.scale))))
    rows = []
    counts = {line: max(6, int(round(n * share))) for line, share in LINE_SHARE.items()}
    for li, line in enumerate(PRODUCT_LINES):
        category, bases = CATALOG[line]
        for k in range(counts[line]):
            base, lo, hi, prefix, imported = bases[k % len(bases)]
            gen = k // len(bases)
            if category == "设备":
                model = f"MK-{prefix}{int(rng.integers(1, 9)) * 100 + gen * 10}"
                name = base
            elif line == "检验试剂":
                model = ["2×50mL", "4×60mL", "100测试/盒", "200测试/盒", "R1:2×40mL R2:1×20mL"][
                    int(rng.integers(0, 5))
                ]
                name = base
            elif line == "医用耗材":
                # The micro sign is outside GBK: ERP files must really be GB18030.
                model = ["2mL×1000个", "5µL×500支", "10mL×100支", "14×17英寸×100张", "4F×1支"][
                    int(rng.integers(0, 5))
                ]
                name = base
            else:
                model = f"SV-{prefix}{gen + 1:02d}"
                name = base
            price = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
            price = round(price, -3) if price > 50_000 else round(price, 2)
            rows.append(
                {
                    "sku": f"0{li + 1}{k + 1:06d}",
                    "product_name": name,
                    "product_line": line,
                    "product_category": category,
                    "model": model,
                    "list_price": price,
                    "_imported": imported,
                }
            )
    world.tables["products"] = pl.DataFrame(rows)


def build_campaigns(world: World) -> None:
    rng = world.rng("campaigns")
    n = world.count(150, 9)
    kinds = np.array(["展会", "学术会议", "线上研讨会"])[rng.choice(3, n, p=[0.25, 0.45, 0.3])]
    kinds[:3] = ["展会", "学术会议", "线上研讨会"]  # every type exists even at tiny scale
    starts = np.sort(tl.sample_days(rng, n, tl.day_weights(1.0, 0.3)))
    length = np.where(kinds == "展会", rng.integers(2, 4, n), np.where(kinds == "学术会议", 1, 0))
    capitals = [p.capital for p in world.provinces]
    shorts = [p.short for p in world.provinces]
    topics = ["检验医学", "医学影像", "放射学", "临床检验", "超声医学"]
    names, cities, budgets = [], [], []
    webinar_no = 0
    for i in range(n):
        year = str(starts[i])[:4]
        if kinds[i] == "展会":
            big = rng.random() < 0.4
            city = "上海市" if big else capitals[int(rng.integers(0, len(capitals)))]
            names.append(
                f"{year}中国国际医疗器械博览会(CMEF)"
                if big
                else f"{year}{city.removesuffix('市')}国际医疗器械展览会"
            )
            budgets.append(round(float(rng.uniform(300_000, 3_000_000)), -3))
        elif kinds[i] == "学术会议":
            k = int(rng.integers(0, len(capitals)))
            city = capitals[k]
            names.append(f"{year}年{shorts[k]}{topics[int(rng.integers(0, 5))]}学术年会")
            budgets.append(round(float(rng.uniform(20_000, 300_000)), -2))
        else:
            webinar_no += 1
            city = None
            names.append(f"{topics[int(rng.integers(0, 5))]}线上研讨会第{webinar_no}期")
            budgets.append(round(float(rng.uniform(5_000, 30_000)), -2))
        cities.append(city)
    world.tables["campaigns"] = frame(
        {
            "campaign_id": np.array([f"HD{i + 1:05d}" for i in range(n)], dtype=object),
            "campaign_name": names,
            "campaign_type": kinds.astype(object),
            "starts_on": starts,
            "ends_on": starts + length.astype("timedelta64[D]"),
            "city": cities,
            "budget": budgets,
        },
        {"city": pl.Utf8},
    )


def _line_for(rng: np.random.Generator, account_types: np.ndarray) -> np.ndarray:
    out = np.empty(len(account_types), dtype=object)
    for t, p in LINE_BY_ACCOUNT_TYPE.items():
        sel = np.flatnonzero(account_types == t)
        out[sel] = np.array(PRODUCT_LINES, dtype=object)[rng.choice(5, len(sel), p=p)]
    return out


def _hours(x: np.ndarray) -> np.ndarray:
    return (x * 3600).astype("int64").astype("timedelta64[s]")


def build_leads(world: World) -> None:
    rng = world.rng("leads")
    acc = world.tables["accounts"]
    reps = world.tables["employees"].filter(pl.col("job_role") == "销售代表")
    camp = world.tables["campaigns"]
    n = world.count(75000, 200)
    ai = rng.integers(0, acc.height, n)
    created = tl.at_office_time(rng, tl.sample_days(rng, n))
    created = np.sort(created)
    source = np.array(LEAD_SOURCES, dtype=object)[rng.choice(5, n, p=LEAD_SOURCE_P)]

    # Trade-show and academic leads come from the campaign that ended shortly before.
    campaign = np.full(n, None, dtype=object)
    for src, ctype in (("展会", "展会"), ("学术会议", "学术会议")):
        c = camp.filter(pl.col("campaign_type") == ctype).sort("starts_on")
        if c.height == 0:
            continue
        starts = c["starts_on"].to_numpy().astype("datetime64[D]")
        sel = np.flatnonzero(source == src)
        day = created[sel].astype("datetime64[D]")
        k = np.searchsorted(starts, day, side="right") - 1
        ok = (k >= 0) & (day - starts[np.maximum(k, 0)] <= np.timedelta64(21, "D"))
        campaign[sel[ok]] = c["campaign_id"].to_numpy()[k[ok]]

    province = acc["_province"].to_numpy()[ai]
    owner = pick_active(
        rng, reps, province, created.astype("datetime64[D]"), acc["owner_id"].to_numpy()[ai]
    )
    lazy = set(reps.filter(pl.col("_lazy"))["employee_id"].to_list())
    is_lazy = np.array([o in lazy for o in owner])
    pooled = rng.random(n) < 0.04  # still in the shared pool
    assigned = created + _hours(rng.exponential(5, n) + 0.1)
    r = rng.random(n)
    never_p = np.where(is_lazy, 0.45, 0.08)
    late_p = np.where(is_lazy, 0.3, 0.15)
    never = r < never_p
    late = (~never) & (r < never_p + late_p)
    first = np.where(
        late,
        assigned + _hours(rng.uniform(25, 240, n)),
        assigned + _hours(rng.uniform(0.2, 20, n)),
    )
    # Reps follow up in working hours: night-time contacts move to the next morning.
    first_day = first.astype("datetime64[D]")
    hour = (first - first_day.astype("datetime64[s]")).astype(int) // 3600
    morning = rng.integers(8 * 3600 + 1800, 10 * 3600, n).astype("timedelta64[s]")
    first = np.where(hour < 8, first_day.astype("datetime64[s]") + morning, first)
    first = np.where(
        hour >= 21, (first_day + np.timedelta64(1, "D")).astype("datetime64[s]") + morning, first
    )
    never |= pooled | (first > tl.END_TS)
    assigned_out = np.where(pooled | (assigned > tl.END_TS), np.datetime64("NaT"), assigned)
    first_out = np.where(never, np.datetime64("NaT"), first)
    rs = rng.random(n)
    status = np.where(
        never,
        "未跟进",
        np.where(rs < 0.40, "已转化", np.where(rs < 0.65, "无效", "跟进中")),
    ).astype(object)
    owner_out = np.where(np.isnat(assigned_out), None, owner)
    leads = frame(
        {
            "lead_id": np.array([f"XS{i + 1:08d}" for i in range(n)], dtype=object),
            "lead_source": source,
            "account_id": acc["account_id"].to_numpy()[ai],
            "product_line": _line_for(rng, acc["account_type"].to_numpy()[ai]),
            "created_at": created,
            "assigned_at": assigned_out,
            "owner_id": owner_out,
            "first_contact_at": first_out,
            "lead_status": status,
            "campaign_id": campaign,
            "_account_idx": ai,
        },
        {"owner_id": pl.Utf8, "campaign_id": pl.Utf8},
    )
    world.tables["leads"] = leads
    world.planted["leads_never_contacted"] = int(never.sum())
    world.planted["leads_contacted_after_24h"] = int(
        (~never & (first - assigned > np.timedelta64(24, "h"))).sum()
    )


def build_opportunities(world: World) -> None:
    rng = world.rng("opportunities")
    acc = world.tables["accounts"]
    emp = world.tables["employees"]
    reps = emp.filter(pl.col("job_role") == "销售代表")
    leads = world.tables["leads"].filter(pl.col("lead_status") == "已转化")
    n_direct = world.count(35000, 150)

    # From converted leads: created a few days after first contact, same account and line.
    lead_created = leads["first_contact_at"].to_numpy() + _hours(rng.uniform(2, 120, leads.height))
    d_days = tl.sample_days(rng, n_direct)
    n = leads.height + n_direct
    created = np.concatenate([lead_created, tl.at_office_time(rng, d_days)])
    ai = np.concatenate([leads["_account_idx"].to_numpy(), rng.integers(0, acc.height, n_direct)])
    lead_id = np.concatenate([leads["lead_id"].to_numpy(), np.full(n_direct, None, dtype=object)])
    line = np.concatenate(
        [
            leads["product_line"].to_numpy(),
            _line_for(rng, acc["account_type"].to_numpy()[ai[leads.height :]]),
        ]
    )
    keep = created <= tl.END_TS - np.timedelta64(3600, "s")
    created, ai, lead_id, line = created[keep], ai[keep], lead_id[keep], line[keep]
    order = np.argsort(created, kind="stable")
    created, ai, lead_id, line = created[order], ai[order], lead_id[order], line[order]
    n = len(created)

    province = acc["_province"].to_numpy()[ai]
    owner = pick_active(
        rng, reps, province, created.astype("datetime64[D]"), acc["owner_id"].to_numpy()[ai]
    )
    manager_of = dict(zip(emp["employee_id"].to_list(), emp["manager_id"].to_list(), strict=True))
    lazy = set(reps.filter(pl.col("_lazy"))["employee_id"].to_list())
    is_lazy = np.array([o in lazy for o in owner])
    acc_type = acc["account_type"].to_numpy()[ai]
    channel = np.where(acc_type == "经销商", "经销", np.where(rng.random(n) < 0.8, "直销", "经销"))

    median = np.array([CYCLE_DAYS[x][0] for x in line], dtype=float)
    sigma = np.array([CYCLE_DAYS[x][1] for x in line])
    cycle = median * np.exp(rng.normal(0, 1, n) * sigma)
    amt_med = np.array([DEAL_SIZE[x][0] for x in line], dtype=float)
    amt_sig = np.array([DEAL_SIZE[x][1] for x in line])
    amount = np.round(amt_med * np.exp(rng.normal(0, 1, n) * amt_sig), -3)

    r = rng.random(n)
    open_p = np.where(is_lazy, 0.55, 0.1)
    outcome = np.where(
        r < open_p, "open", np.where(r < open_p + (1 - open_p) * 0.42, "won", "lost")
    )
    u = rng.random((n, 16))
    gaps_all = rng.exponential(1.0, (n, 8)) + 0.15

    hist_opp, hist_stage, hist_time, hist_by = [], [], [], []
    current, closed_at = [], []
    # The loop works in plain integers (seconds since 1970) for speed.
    end_s = int(tl.END_TS.astype("int64"))
    start_day = int(tl.START.astype("int64"))
    next_wd = tl.NEXT_WORKDAY_INDEX.tolist()
    created_s = created.astype("datetime64[s]").astype("int64").tolist()
    u_l = u.tolist()
    gaps_l = gaps_all.tolist()
    for i in range(n):
        oc = outcome[i]
        ui = u_l[i]
        if oc == "won":
            reached = 3 if ui[0] < 0.9 else 2
        else:
            reached = int(ui[0] * 4)
        path = [0]
        for s in range(1, reached + 1):
            if s < reached and ui[s] < 0.12:  # skipped stage
                continue
            path.append(s)
            if s >= 2 and ui[4 + s] < 0.08:  # moved back one stage, then forward again
                path.extend([s - 1, s])
        if oc == "won":
            path.append(4)
        elif oc == "lost":
            path.append(5)
        k = len(path)
        # Open deals stall: their last change is long before the export when they are old.
        span = cycle[i] * (0.3 + ui[10]) if oc == "open" else cycle[i]
        gaps = gaps_l[i][: k - 1]
        total = sum(gaps)
        times = [created_s[i]]
        acc_off = 0.0
        for j in range(1, k):
            acc_off += gaps[j - 1] / total * span
            day = (created_s[i] + int(acc_off * 86400)) // 86400
            # Stage changes happen on working days, in office hours.
            di = day - start_day
            if 0 <= di < len(next_wd):
                day = start_day + next_wd[di]
            t = day * 86400 + 9 * 3600 + int(((ui[11 + j % 5] * 7919 * j) % 1.0) * 9 * 3600)
            times.append(max(t, times[-1] + 600))
        # Year-end push: many deals that would close in January/February are signed in December.
        if oc == "won" and k > 1:
            t_day = np.datetime64(times[-1] // 86400, "D")
            year_start = t_day.astype("datetime64[Y]").astype("datetime64[D]")
            if (t_day - year_start).astype(int) < 59 and ui[15] < 0.6:
                target = year_start - np.timedelta64(1 + int(ui[14] * 14), "D")
                cand = int(target.astype("int64")) * 86400 + 15 * 3600
                if cand > times[-2]:
                    times[-1] = cand
        while times and times[-1] > end_s:  # not happened yet at export
            times.pop()
            path.pop()
        k = len(path)
        hist_opp.extend([i] * k)
        hist_stage.extend(path)
        hist_time.extend(times)
        by = [owner[i]] * k
        if path[-1] >= 4 and ui[9] < 0.1 and manager_of.get(owner[i]):
            by[-1] = manager_of[owner[i]]  # the manager closes the deal in the system
        hist_by.extend(by)
        current.append(path[-1])
        closed_at.append(times[-1] if path[-1] >= 4 else -1)
    all_stages = np.array([*STAGES, WON, LOST], dtype=object)
    current = np.array(current)
    closed_s = np.array(closed_at, dtype="int64")
    closed = np.where(closed_s >= 0, closed_s.astype("datetime64[s]"), np.datetime64("NaT"))
    closed = closed.astype("datetime64[D]")
    opp_ids = np.array([f"SJ{i + 1:08d}" for i in range(n)], dtype=object)
    acc_names = acc["account_name"].to_numpy()[ai]
    years = created.astype("datetime64[Y]").astype(int) + 1970
    name = np.array(
        [
            f"{acc_names[i]}{line[i]}采购项目"
            if line[i] in ("影像设备", "检验设备")
            else f"{acc_names[i]}{years[i]}年{line[i]}合作"
            for i in range(n)
        ],
        dtype=object,
    )
    lost_reason = np.where(
        current == 5,
        np.array(LOST_REASONS, dtype=object)[rng.choice(6, n, p=LOST_REASON_P)],
        None,
    )
    expected = created.astype("datetime64[D]") + (cycle * rng.uniform(0.6, 1.1, n)).astype(
        "timedelta64[D]"
    )
    hist_opp_arr = np.array(hist_opp)
    hist_time_arr = np.array(hist_time, dtype="int64").astype("datetime64[s]")
    last_idx = np.r_[np.flatnonzero(np.diff(hist_opp_arr)), len(hist_opp_arr) - 1]
    last_change = hist_time_arr[last_idx]
    opps = frame(
        {
            "opportunity_id": opp_ids,
            "opportunity_name": name,
            "account_id": acc["account_id"].to_numpy()[ai],
            "owner_id": owner,
            "product_line": line,
            "channel": channel.astype(object),
            "lead_id": lead_id,
            "amount": amount,
            "created_on": created.astype("datetime64[D]"),
            "expected_close_on": expected,
            "current_stage": all_stages[current],
            "closed_on": closed,
            "lost_reason": lost_reason,
            "_account_idx": ai,
            "_won_at": np.where(current == 4, last_change, np.datetime64("NaT")),
            "_last_change_at": last_change,
        },
        {"lead_id": pl.Utf8, "lost_reason": pl.Utf8},
    )
    history = frame(
        {
            "opportunity_id": opp_ids[hist_opp_arr],
            "stage": all_stages[np.array(hist_stage)],
            "entered_at": hist_time_arr,
            "changed_by": np.array(hist_by, dtype=object),
        }
    )
    world.tables["opportunities"] = opps
    world.tables["opportunity_stage_history"] = history
    _stale_answer(world, opps, reps)


def _stale_answer(world: World, opps: pl.DataFrame, reps: pl.DataFrame) -> None:
    end = np.datetime64(tl.END_TS)
    stale = (
        opps.filter(~pl.col("current_stage").is_in([WON, LOST]))
        .with_columns(
            ((pl.lit(end) - pl.col("_last_change_at")).dt.total_days()).alias("days_since_change")
        )
        .filter(pl.col("days_since_change") >= STALE_AFTER_DAYS)
        .select(
            "opportunity_id",
            "owner_id",
            "current_stage",
            pl.col("_last_change_at").alias("last_change_at"),
            "days_since_change",
        )
    )
    world.answer_frames["stale_opportunities"] = stale
    per_rep = (
        opps.group_by("owner_id")
        .agg(pl.len().alias("opportunities"))
        .join(stale.group_by("owner_id").agg(pl.len().alias("stale")), on="owner_id", how="left")
        .with_columns(pl.col("stale").fill_null(0))
    )
    lazy = (
        reps.filter(pl.col("_lazy"))
        .select(pl.col("employee_id").alias("owner_id"), "employee_name")
        .join(per_rep, on="owner_id", how="left")
        .with_columns(
            pl.col("opportunities").fill_null(0),
            pl.col("stale").fill_null(0),
        )
        .with_columns(
            (pl.col("stale") / pl.col("opportunities").clip(lower_bound=1)).alias("stale_share")
        )
        .rename({"owner_id": "employee_id"})
        .sort("employee_id")
    )
    world.answer_frames["lazy_reps"] = lazy
    world.planted["stale_opportunities"] = stale.height
    world.planted["stale_after_days"] = STALE_AFTER_DAYS


def build_quotas(world: World) -> None:
    rng = world.rng("quotas")
    reps = world.tables["employees"].filter(pl.col("job_role") == "销售代表")
    months = np.arange(np.datetime64("2023-11"), np.datetime64("2027-01"), np.timedelta64(1, "M"))
    annual = {"影像": 6_000_000, "检验": 4_000_000, "耗材": 2_500_000}
    growth = {2023: 0.95, 2024: 1.0, 2025: 1.1, 2026: 1.2}
    factor = tl.MONTH_FACTOR / tl.MONTH_FACTOR.mean()
    rows_emp, rows_month, rows_amt = [], [], []
    personal = rng.uniform(0.7, 1.4, reps.height)
    for k, row in enumerate(reps.iter_rows(named=True)):
        first = np.datetime64(row["hired_on"], "M")
        last = np.datetime64(row["left_on"], "M") if row["left_on"] else months[-1]
        m = months[(months >= first) & (months <= last)]
        if len(m) == 0:
            continue
        moy = m.astype(int) % 12
        yr = m.astype("datetime64[Y]").astype(int) + 1970
        g = np.array([growth[y] for y in yr])
        amt = annual[row["_family"]] / 12 * factor[moy] * g * personal[k]
        rows_emp.extend([row["employee_id"]] * len(m))
        rows_month.extend(str(x) for x in m)
        rows_amt.extend(np.round(amt, -4).tolist())
    world.tables["quotas"] = pl.DataFrame(
        {"employee_id": rows_emp, "quota_month": rows_month, "quota_amount": rows_amt},
        schema={"employee_id": pl.Utf8, "quota_month": pl.Utf8, "quota_amount": pl.Float64},
    )
