"""The company: org units (company > regions > provinces > teams), sales offices, employees."""

from __future__ import annotations

import numpy as np
import polars as pl

from medops.generator.geo import MUNICIPALITIES, load_provinces, n_provinces_for_scale
from medops.generator.names import cn_number, mobiles, person_names, street_addresses
from medops.generator.schema import HISTORY_END, HISTORY_START
from medops.generator.world import World

COMPANY_NAME = "迈康医疗科技股份有限公司"
# Sales team families; a province first gets imaging and laboratory teams, consumables
# teams once it is big enough.
TEAM_FAMILIES = ["影像", "检验", "耗材"]
REPS_PER_TEAM = 8
LAZY_REP_SHARE = 0.03
LEAVER_SHARE_REPS = 0.18

_H0 = np.datetime64(HISTORY_START, "D")
_H1 = np.datetime64(HISTORY_END, "D")


def _alloc(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Split `total` by weights (largest remainder), each share at least `minimum`."""
    n = len(weights)
    base = np.full(n, minimum)
    rest = max(0, total - minimum * n)
    raw = weights / weights.sum() * rest
    alloc = np.floor(raw).astype(int)
    order = np.argsort(-(raw - alloc), kind="stable")
    alloc[order[: rest - alloc.sum()]] += 1
    return base + alloc


def _days_between(rng: np.random.Generator, lo: str, hi: str, n: int) -> np.ndarray:
    a, b = np.datetime64(lo, "D"), np.datetime64(hi, "D")
    return a + rng.integers(0, int((b - a).astype(int)) + 1, n).astype("timedelta64[D]")


def build_org(world: World) -> None:
    rng = world.rng("org")
    world.provinces = load_provinces(n_provinces_for_scale(world.scale))
    provinces = world.provinces
    n_reps = world.count(1000, 15)
    n_engineers = world.count(300, 3)

    units: list[dict] = []

    def add_unit(name: str, level: str, parent: str | None) -> str:
        uid = f"ORG{len(units) + 1:04d}"
        units.append(
            {"unit_id": uid, "unit_name": name, "unit_level": level, "parent_unit_id": parent}
        )
        return uid

    company = add_unit(COMPANY_NAME, "公司", None)
    region_ids: dict[str, str] = {}
    for p in provinces:
        if p.region not in region_ids:
            region_ids[p.region] = add_unit(p.region, "大区", company)

    weights = np.array([p.weight for p in provinces])
    reps_per_prov = _alloc(n_reps, weights, 3)
    eng_per_prov = (
        _alloc(n_engineers, weights, 0)
        if n_engineers < len(provinces)
        else _alloc(n_engineers, weights, 1)
    )
    if n_engineers < len(provinces):  # tiny company: engineers in the largest provinces only
        eng_per_prov = np.zeros(len(provinces), dtype=int)
        eng_per_prov[np.argsort(-weights, kind="stable")[:n_engineers]] = 1

    people: list[dict] = []  # employees before ids are assigned

    def add_person(role: str, unit: str, prov: int, manager_key: int | None) -> int:
        people.append({"role": role, "unit": unit, "prov": prov, "manager": manager_key})
        return len(people) - 1

    region_director: dict[str, int] = {}
    offices = []
    for pi, p in enumerate(provinces):
        if p.region not in region_director:
            region_director[p.region] = add_person("大区总监", region_ids[p.region], pi, None)
        prov_unit = add_unit(f"{p.short}省区", "省区", region_ids[p.region])
        prov_mgr = add_person("省区经理", prov_unit, pi, region_director[p.region])
        n_teams = max(2, int(round(reps_per_prov[pi] / REPS_PER_TEAM)))
        families = TEAM_FAMILIES if reps_per_prov[pi] >= 24 else TEAM_FAMILIES[:2]
        team_keys = []
        for t in range(n_teams):
            fam = families[t % len(families)]
            number = t // len(families) + 1
            team = add_unit(f"{p.short}{fam}{cn_number(number)}组", "团队", prov_unit)
            mgr = add_person("销售经理", team, pi, prov_mgr)
            team_keys.append((team, mgr, fam))
        for r in range(reps_per_prov[pi]):
            team, mgr, fam = team_keys[r % n_teams]
            k = add_person("销售代表", team, pi, mgr)
            people[k]["family"] = fam
        if eng_per_prov[pi] > 0:
            svc_team = add_unit(f"{p.short}服务一组", "团队", prov_unit)
            svc_mgr = add_person("服务经理", svc_team, pi, prov_mgr)
            for _ in range(eng_per_prov[pi]):
                add_person("服务工程师", svc_team, pi, svc_mgr)
        # The sales office sits in the provincial capital.
        cap = p.districts.filter(pl.col("in_capital"))
        row = cap.row(int(rng.integers(0, cap.height)), named=True)
        offices.append(
            {
                "office_id": f"OF{pi + 1:03d}",
                "office_name": f"{p.capital.removesuffix('市')}办事处",
                "unit_id": prov_unit,
                "province": p.name,
                "city": row["city"],
                "district": row["district"],
                "address": f"{p.name if p.code in MUNICIPALITIES else p.name + row['city']}"
                f"{row['district']}{street_addresses(rng, 1)[0]}",
                "longitude": round(row["lon"] + rng.normal(0, 0.006), 6),
                "latitude": round(row["lat"] + rng.normal(0, 0.006), 6),
            }
        )

    n = len(people)
    role = np.array([p["role"] for p in people], dtype=object)
    is_mgr = np.isin(role, ["大区总监", "省区经理", "销售经理", "服务经理"])
    is_rep = role == "销售代表"
    # Managers joined years ago; a fifth of the reps were hired during the history window.
    hired = np.where(
        is_mgr,
        _days_between(rng, "2010-03-01", "2021-12-31", n),
        np.where(
            rng.random(n) < 0.2,
            _days_between(rng, str(HISTORY_START), "2026-08-31", n),
            _days_between(rng, "2014-03-01", "2023-10-31", n),
        ),
    )
    leave_p = np.where(is_rep, LEAVER_SHARE_REPS, np.where(is_mgr, 0.04, 0.12))
    leaves = rng.random(n) < leave_p
    earliest_leave = np.maximum(hired + np.timedelta64(120, "D"), _H0)
    span = np.maximum((_H1 - earliest_leave).astype(int), 0)
    left = earliest_leave + (rng.random(n) * span).astype(int).astype("timedelta64[D]")
    leaves &= span > 30
    # Employee ids follow hire order, like an HR system would assign them.
    order = np.argsort(hired, kind="stable")
    ids = np.empty(n, dtype=object)
    ids[order] = [f"E{100 + i * 3 + int(rng.integers(0, 3)):06d}" for i in range(n)]
    names = person_names(rng, n, rare_share=0.01)
    # At least two names with characters outside GBK, deterministic positions.
    for k in rng.choice(n, size=min(2, n), replace=False):
        names[k] = names[k][0] + ("𠇔" if k % 2 else "䶮")

    office_by_prov = [o["office_id"] for o in offices]
    employees = pl.DataFrame(
        {
            "employee_id": ids.tolist(),
            "employee_name": names.tolist(),
            "job_role": role.tolist(),
            "unit_id": [p["unit"] for p in people],
            "office_id": [office_by_prov[p["prov"]] for p in people],
            "manager_id": [None if p["manager"] is None else ids[p["manager"]] for p in people],
            "mobile": mobiles(rng, n).tolist(),
            "hired_on": hired.astype("datetime64[D]"),
            "left_on": pl.Series(np.where(leaves, left, np.datetime64("NaT"))).cast(pl.Date),
            "_province": [p["prov"] for p in people],
            "_family": [p.get("family") for p in people],
        },
        schema_overrides={"hired_on": pl.Date},
    ).sort("employee_id")

    # A few "lazy" reps let their deals go stale and log few visits.
    rep_ids = employees.filter(pl.col("job_role") == "销售代表")["employee_id"].to_numpy()
    n_lazy = max(1, int(round(len(rep_ids) * LAZY_REP_SHARE)))
    lazy = set(rng.choice(rep_ids, n_lazy, replace=False).tolist())
    employees = employees.with_columns(pl.col("employee_id").is_in(list(lazy)).alias("_lazy"))

    world.tables["org_units"] = pl.DataFrame(units, schema_overrides={"parent_unit_id": pl.Utf8})
    world.tables["offices"] = pl.DataFrame(offices)
    world.tables["employees"] = employees
    world.planted["employees_left"] = int(employees["left_on"].is_not_null().sum())
    world.planted["lazy_reps"] = n_lazy


def active_mask(employees: pl.DataFrame, on: np.ndarray) -> np.ndarray:
    """Matrix [event, employee]: employee was employed on that day."""
    hired = employees["hired_on"].to_numpy().astype("datetime64[D]")
    left = employees["left_on"].to_numpy().astype("datetime64[D]")
    on = on.astype("datetime64[D]")[:, None]
    still = np.isnat(left)[None, :] | (on < left[None, :])
    return (on >= hired[None, :]) & still


def pick_active(
    rng: np.random.Generator,
    pool: pl.DataFrame,
    province: np.ndarray,
    on: np.ndarray,
    preferred: np.ndarray | None = None,
) -> np.ndarray:
    """For each event choose an employee of `pool` employed on that day in that province.

    The preferred employee (the account owner) is kept when employed; otherwise a random
    colleague of the same province takes over (or of any province when none is employed).
    """
    out = np.empty(len(on), dtype=object)
    emp_prov = pool["_province"].to_numpy()
    emp_ids = pool["employee_id"].to_numpy()
    for prov in np.unique(province):
        sel = np.flatnonzero(province == prov)
        cand = np.flatnonzero(emp_prov == prov)
        if len(cand) == 0:
            cand = np.arange(pool.height)
        for chunk in np.array_split(sel, max(1, len(sel) // 20000)):
            mask = active_mask(pool[cand], on[chunk])
            # Random score per candidate; inactive candidates never win unless nobody is active.
            score = rng.random(mask.shape) + mask * 2.0
            pick = emp_ids[cand][np.argmax(score, axis=1)]
            if preferred is not None:
                pref = preferred[chunk]
                pos = {e: i for i, e in enumerate(emp_ids[cand])}
                pref_idx = np.array([pos.get(e, -1) for e in pref])
                ok = pref_idx >= 0
                ok[ok] = mask[np.flatnonzero(ok), pref_idx[ok]]
                pick = np.where(ok, pref, pick)
            out[chunk] = pick
    return out
