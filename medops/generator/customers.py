"""Customers: CRM account records (with groups and planted duplicates) and contact persons."""

from __future__ import annotations

import re

import numpy as np
import polars as pl

from medops.generator.geo import MUNICIPALITIES
from medops.generator.names import (
    STREET_ROOTS,
    TRADITIONAL,
    brands,
    cn_number,
    credit_bodies,
    credit_code,
    mobiles,
    person_names,
    street_addresses,
)
from medops.generator.world import World, frame

ACCOUNT_TYPES = ["医院", "经销商", "体检集团", "企业"]
ACCOUNT_TYPE_P = [0.55, 0.18, 0.12, 0.15]
GRADES = ["三甲", "三乙", "二甲", "二乙", "一级"]
GRADE_P = [0.08, 0.10, 0.30, 0.20, 0.32]
DUPLICATE_CUSTOMER_SHARE = 0.03
COLLISION_SHARE = 0.6  # duplicate records owned by a different rep than the original

DEPARTMENTS = {
    "医院": ["放射科", "检验科", "设备科", "采购中心", "超声科", "心内科", "院办", "信息科"],
    "经销商": ["采购部", "销售部", "总经办", "商务部"],
    "体检集团": ["体检中心", "采购中心", "运营部", "检验科"],
    "企业": ["行政部", "采购部", "职业健康部"],
}
TITLES = {
    "放射科": ["主任", "副主任", "技师长", "医师"],
    "检验科": ["主任", "副主任", "技师长", "检验师"],
    "设备科": ["科长", "副科长", "工程师"],
    "采购中心": ["主任", "采购经理", "采购专员"],
    "超声科": ["主任", "医师"],
    "心内科": ["主任", "护士长"],
    "院办": ["院长", "副院长", "主任"],
    "信息科": ["科长", "工程师"],
    "采购部": ["采购经理", "采购专员", "部长"],
    "销售部": ["销售总监", "销售经理"],
    "总经办": ["总经理", "副总经理"],
    "商务部": ["商务经理"],
    "体检中心": ["主任", "护士长"],
    "运营部": ["运营总监", "运营经理"],
    "行政部": ["行政经理"],
    "职业健康部": ["部长", "专员"],
}


def _short_city(city: str) -> str:
    return city.removesuffix("市") if len(city) > 2 else city


def _hospital_name(grade: str, city: str, district: str, prov_short: str, u: np.ndarray) -> str:
    cs = _short_city(city)
    if grade == "三甲":
        k = int(u[0] * 9)
        return [
            f"{city}第{cn_number(1 + int(u[1] * 6))}人民医院",
            f"{city}人民医院",
            f"{city}中心医院",
            f"{prov_short}医科大学附属第{cn_number(1 + int(u[1] * 4))}医院",
            f"{cs}医学院附属医院",
            f"{city}中医院",
            f"{city}妇幼保健院",
            f"{city}儿童医院",
            f"{city}肿瘤医院",
        ][k]
    if grade == "三乙":
        k = int(u[0] * 4)
        return [
            f"{city}第{cn_number(2 + int(u[1] * 6))}人民医院",
            f"{city}中西医结合医院",
            f"{city}骨科医院",
            f"{district}人民医院",
        ][k]
    if grade == "二甲":
        return [f"{district}人民医院", f"{district}中医医院", f"{district}妇幼保健院"][
            int(u[0] * 3)
        ]
    if grade == "二乙":
        return [f"{district}第二人民医院", f"{district}中心医院", f"{district}第三人民医院"][
            int(u[0] * 3)
        ]
    root = STREET_ROOTS[int(u[1] * len(STREET_ROOTS))]
    return [f"{district}{root}社区卫生服务中心", f"{district}{root}镇卫生院"][int(u[0] * 2)]


def _company_name(kind: str, brand: str, city: str, prov_short: str, u: np.ndarray) -> str:
    cs = _short_city(city)
    if kind == "经销商":
        return [
            f"{cs}{brand}医疗器械有限公司",
            f"{prov_short}{brand}医药有限公司",
            f"{cs}{brand}医疗科技有限公司",
            f"{brand}医疗器械({cs})有限公司",
        ][int(u[0] * 4)]
    if kind == "体检集团":
        return [f"{cs}{brand}健康体检中心", f"{brand}健康体检中心({cs})"][int(u[0] * 2)]
    return [
        f"{cs}{brand}科技有限公司",
        f"{brand}电子({cs})有限公司",
        f"{cs}{brand}实业有限公司",
        f"{brand}精密制造有限公司",
    ][int(u[0] * 4)]


def _group_names(kind: str, brand: str, city: str) -> str:
    cs = _short_city(city)
    return f"{cs}{brand}医疗集团有限公司" if kind == "体检集团" else f"{cs}{brand}集团有限公司"


def _subsidiary_name(kind: str, brand: str, city: str, district: str, u: float) -> str:
    cs = _short_city(city)
    if kind == "体检集团":
        if u < 0.5:
            return f"{brand}医疗({cs})体检中心"
        return f"{brand}健康体检中心({district}分院)"
    return f"{brand}({cs})实业有限公司"


def short_name(name: str, city: str) -> str | None:
    """How people abbreviate a customer: 上海市第一人民医院 -> 上海一院, 集团 -> 瑞慈医疗(上海)."""
    cs = _short_city(city)
    m = re.fullmatch(r"(.+?)市第(.)人民医院", name)
    if m:
        return f"{m.group(1)}{m.group(2)}院"
    m = re.fullmatch(r"(.+?)医科大学附属第(.)医院", name)
    if m:
        return f"{m.group(1)}医附{m.group(2)}院"
    m = re.fullmatch(r"(.+?)市人民医院", name)
    if m:
        return f"{m.group(1)}人医"
    m = re.fullmatch(rf"{re.escape(cs)}(.+?)医疗集团有限公司", name)
    if m:
        return f"{m.group(1)}医疗({cs})"
    m = re.fullmatch(rf"(?:{re.escape(city)}|{re.escape(cs)})(.+?)(?:有限公司|集团有限公司)", name)
    if m and len(m.group(1)) >= 2:
        return f"{m.group(1)}({cs})"
    if name.startswith(city) and len(name) - len(city) >= 4:
        return name[len(city) :]
    return None


def name_variant(name: str, city: str, kind: str, u: float) -> str | None:
    if kind == "short_name":
        return short_name(name, city)
    if kind == "branch_suffix":
        if name.endswith(("医院", "中心", "卫生院")):
            return name + ["(北部)", "(东院)", "(南院)", "(本部)", "(分院)"][int(u * 5)]
        return name + ["(北部)", "(总部)", "(分公司)"][int(u * 3)]
    if kind == "full_width_brackets":
        return name.replace("(", "（").replace(")", "）") if "(" in name else None
    if kind == "drop_company_suffix":
        for suffix in ("集团有限公司", "股份有限公司", "有限公司"):
            if name.endswith(suffix):
                return name.removesuffix(suffix)
        return None
    if kind == "traditional":
        t = name.translate(TRADITIONAL)
        return t if t != name else None
    return None


VARIANT_KINDS = [
    "short_name",
    "branch_suffix",
    "full_width_brackets",
    "drop_company_suffix",
    "traditional",
]


def build_accounts(world: World) -> None:
    rng = world.rng("accounts")
    n = world.count(29000, 300)
    provs = world.provinces
    w = np.array([p.weight for p in provs])
    prov_idx = rng.choice(len(provs), n, p=w / w.sum())
    acc_type = np.array(ACCOUNT_TYPES)[rng.choice(4, n, p=ACCOUNT_TYPE_P)]
    grade = np.where(acc_type == "医院", np.array(GRADES)[rng.choice(5, n, p=GRADE_P)], None)
    brand = brands(rng, n)
    u = rng.random((n, 4))

    # Place every customer in a real district: a third in the provincial capital.
    city, district, code6, lon, lat = (np.empty(n, dtype=object) for _ in range(5))
    for pi, p in enumerate(provs):
        sel = np.flatnonzero(prov_idx == pi)
        d = p.districts
        in_cap = d["in_capital"].to_numpy()
        weights = np.where(in_cap, 0.35 / max(in_cap.sum(), 1), 0.65 / max((~in_cap).sum(), 1))
        pick = rng.choice(d.height, len(sel), p=weights / weights.sum())
        city[sel] = d["city"].to_numpy()[pick]
        district[sel] = d["district"].to_numpy()[pick]
        code6[sel] = d["code6"].to_numpy()[pick]
        lon[sel] = d["lon"].to_numpy()[pick]
        lat[sel] = d["lat"].to_numpy()[pick]
    # ~1.3 km around the district centre; exported addresses resolve to that centre.
    lon = lon.astype(float) + rng.normal(0, 0.012, n)
    lat = lat.astype(float) + rng.normal(0, 0.012, n)

    # Groups: some exam-centre chains and enterprise groups own subsidiaries across provinces.
    parent = np.full(n, -1)
    is_group = np.zeros(n, dtype=bool)
    for kind, share in (("体检集团", 0.12), ("企业", 0.05)):
        members = np.flatnonzero(acc_type == kind)
        rng.shuffle(members)
        n_groups = max(1, int(round(len(members) * share)))
        cursor = n_groups
        for g in members[:n_groups]:
            is_group[g] = True
            k = int(rng.integers(2, 9))
            subs = members[cursor : cursor + k]
            cursor += k
            parent[subs] = g
            brand[subs] = brand[g]

    prov_short = np.array([p.short for p in provs])[prov_idx]
    names = np.empty(n, dtype=object)
    used: set[str] = set()
    for i in range(n):
        t = acc_type[i]
        if is_group[i]:
            cand = _group_names(t, brand[i], city[i])
        elif parent[i] >= 0:
            cand = _subsidiary_name(t, brand[i], city[i], district[i], u[i, 2])
        elif t == "医院":
            cand = _hospital_name(grade[i], city[i], district[i], prov_short[i], u[i])
        else:
            cand = _company_name(t, brand[i], city[i], prov_short[i], u[i])
        if cand in used:  # a second hospital of the same pattern: a private one instead
            b = brand[i]
            cand = f"{district[i]}{b}医院" if t == "医院" else cand.replace(b, b[::-1], 1)
            tries = 0
            while cand in used:
                tries += 1
                kind_word = "医院" if t == "医院" else "分公司"
                cand = f"{district[i]}{b}{cn_number(tries % 19 + 1)}{kind_word}"
                if tries > 19:
                    cand = f"{cand}{i}"
        used.add(cand)
        names[i] = cand

    reps = world.tables["employees"].filter(pl.col("job_role") == "销售代表")
    rep_prov = reps["_province"].to_numpy()
    rep_ids = reps["employee_id"].to_numpy()
    owner = np.empty(n, dtype=object)
    for pi in range(len(provs)):
        sel = np.flatnonzero(prov_idx == pi)
        cand = rep_ids[rep_prov == pi]
        owner[sel] = cand[rng.integers(0, len(cand), len(sel))]

    created = np.where(
        rng.random(n) < 0.75,
        np.datetime64("2012-01-01") + rng.integers(0, 4321, n).astype("timedelta64[D]"),
        np.datetime64("2023-11-01") + rng.integers(0, 1080, n).astype("timedelta64[D]"),
    )
    area = {p.capital: p.area_code for p in provs}
    phone_digits = rng.integers(10**7, 10**8, n)
    fake_area = rng.integers(100, 1000, n)
    is_mobile_phone = rng.random(n) < 0.3
    mob = mobiles(rng, n)
    phones = [
        mob[i]
        if is_mobile_phone[i]
        else f"{area.get(city[i], f'0{fake_area[i]}')}-{phone_digits[i]}"
        for i in range(n)
    ]
    public = (acc_type == "医院") & (grade != None)  # noqa: E711 - numpy elementwise compare
    prefix = np.where(public & (np.isin(grade, GRADES[:4])), "12", "91")
    bodies = credit_bodies(rng, n)
    credits = [credit_code(prefix[i], code6[i], bodies[i]) for i in range(n)]
    streets = street_addresses(rng, n)
    prov_name = np.array([p.name for p in provs])[prov_idx]
    is_muni = np.isin(np.array([p.code for p in provs])[prov_idx], list(MUNICIPALITIES))
    addresses = [
        (f"{city[i]}" if is_muni[i] else f"{prov_name[i]}{city[i]}") + f"{district[i]}{streets[i]}"
        for i in range(n)
    ]
    ids = 10000 + np.cumsum(rng.integers(1, 4, n))
    account_ids = np.array([f"{v:07d}" for v in ids], dtype=object)

    base = frame(
        {
            "account_id": account_ids,
            "account_name": names,
            "account_type": acc_type.astype(object),
            "hospital_grade": grade,
            "parent_account_id": np.where(parent >= 0, account_ids[np.maximum(parent, 0)], None),
            "province": prov_name.astype(object),
            "city": city,
            "district": district,
            "address": np.array(addresses, dtype=object),
            "phone": np.array(phones, dtype=object),
            "credit_code": np.array(credits, dtype=object),
            "owner_id": owner,
            "created_on": created.astype("datetime64[D]"),
            "_province": prov_idx,
            "_lon": lon,
            "_lat": lat,
            "_golden_id": account_ids,
            "_is_duplicate": np.zeros(n, dtype=bool),
        },
        {
            "hospital_grade": pl.Utf8,
            "parent_account_id": pl.Utf8,
            "created_on": pl.Date,
        },
    )

    dups = _duplicate_records(world, rng, base, rep_ids, rep_prov, int(ids[-1]))
    accounts = pl.concat([base, dups]).sort("account_id")
    world.tables["accounts"] = accounts
    world.planted["duplicate_customers"] = int(dups["_golden_id"].n_unique())
    world.planted["duplicate_account_records"] = dups.height
    world.planted["duplicate_owner_collisions"] = int(
        world.answer_frames["duplicate_customers"]["owner_collision"].sum()
    )
    world.planted["group_parents"] = int(is_group.sum())
    world.planted["subsidiaries"] = int((parent >= 0).sum())


def _duplicate_records(
    world: World,
    rng: np.random.Generator,
    base: pl.DataFrame,
    rep_ids: np.ndarray,
    rep_prov: np.ndarray,
    last_id: int,
) -> pl.DataFrame:
    """A few % of customers also exist as 1-2 extra records with a name variant."""
    n = base.height
    n_golden = max(5, int(round(n * DUPLICATE_CUSTOMER_SHARE)))
    # Groups are not duplicated: their subsidiaries already point at one parent id.
    eligible = np.flatnonzero(base["parent_account_id"].is_null().to_numpy())
    golden = np.sort(rng.choice(eligible, min(n_golden, len(eligible)), replace=False))
    rows = []
    answer = []
    next_id = last_id
    for g in golden:
        row = base.row(int(g), named=True)
        copies = 1 if rng.random() < 0.7 else 2
        kinds = list(rng.permutation(VARIANT_KINDS))
        made = 0
        first_answer = len(answer)
        for kind in kinds:
            if made == copies:
                break
            variant = name_variant(row["account_name"], row["city"], kind, float(rng.random()))
            if variant is None or variant == row["account_name"]:
                continue
            made += 1
            next_id += int(rng.integers(1, 4))
            new = dict(row)
            new["account_id"] = f"{next_id:07d}"
            new["account_name"] = variant
            collision = rng.random() < COLLISION_SHARE
            if collision:
                cand = rep_ids[(rep_prov == row["_province"]) & (rep_ids != row["owner_id"])]
                if len(cand):
                    new["owner_id"] = cand[int(rng.integers(0, len(cand)))]
                else:
                    collision = False
            if rng.random() < 0.5:
                new["credit_code"] = None
            if rng.random() < 0.5:
                new["phone"] = None
            if rng.random() < 0.4:
                new["address"] = re.sub(r"\d+号$", f"{int(rng.integers(1, 999))}号", row["address"])
            lag = int(rng.integers(30, 900))
            new["created_on"] = min(
                np.datetime64(row["created_on"], "D") + np.timedelta64(lag, "D"),
                np.datetime64("2026-11-20"),
            ).astype(object)
            new["_is_duplicate"] = True
            new["_collision"] = collision
            rows.append(new)
            answer.append(
                {
                    "golden_customer_id": row["account_id"],
                    "account_id": new["account_id"],
                    "variant_kind": kind,
                    "golden_name": row["account_name"],
                    "variant_name": variant,
                    "owner_collision": collision,
                }
            )
        if made:  # the original record is part of the cluster too
            original = {
                "golden_customer_id": row["account_id"],
                "account_id": row["account_id"],
                "variant_kind": "original",
                "golden_name": row["account_name"],
                "variant_name": row["account_name"],
                "owner_collision": False,
            }
            answer.insert(first_answer, original)
    schema = {**base.schema, "_collision": pl.Boolean}
    dups = pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
    world.answer_frames["duplicate_customers"] = pl.DataFrame(
        answer,
        schema={
            "golden_customer_id": pl.Utf8,
            "account_id": pl.Utf8,
            "variant_kind": pl.Utf8,
            "golden_name": pl.Utf8,
            "variant_name": pl.Utf8,
            "owner_collision": pl.Boolean,
        },
    )
    return dups.drop("_collision")


def build_contacts(world: World) -> None:
    rng = world.rng("contacts")
    acc = world.tables["accounts"]
    per = rng.choice([1, 2, 2, 3, 3, 4], acc.height)
    idx = np.repeat(np.arange(acc.height), per)
    n = len(idx)
    types = acc["account_type"].to_numpy()[idx]
    dept = np.empty(n, dtype=object)
    title = np.empty(n, dtype=object)
    u = rng.random((n, 2))
    for t, depts in DEPARTMENTS.items():
        sel = np.flatnonzero(types == t)
        d = np.array(depts, dtype=object)[(u[sel, 0] * len(depts)).astype(int)]
        dept[sel] = d
    for d, titles in TITLES.items():
        sel = np.flatnonzero(dept == d)
        title[sel] = np.array(titles, dtype=object)[(u[sel, 1] * len(titles)).astype(int)]
    names = person_names(rng, n, rare_share=0.003)
    for k in rng.choice(n, size=min(2, n), replace=False):
        names[k] = names[k][0] + ("䶮" if k % 2 else "𠇔")
    world.tables["contacts"] = frame(
        {
            "contact_id": [f"LX{i + 1:08d}" for i in range(n)],
            "account_id": acc["account_id"].to_numpy()[idx],
            "contact_name": names,
            "department": dept,
            "title": title,
            "mobile": mobiles(rng, n),
        }
    )
