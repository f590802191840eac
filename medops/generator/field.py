"""Field work: visits with GPS check-in, and the travel-expense claims of visit days.

Generated per chunk of reps so that memory stays bounded at large scales.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from medops.generator import timeline as tl
from medops.generator.world import World, frame

# Road distance is roughly the great-circle distance times this detour factor.
DETOUR_FACTOR = 1.3
KM_RATE_CNY = 0.8  # mileage allowance per km
DAILY_ALLOWANCE_CNY = 50.0  # flat meal allowance per claimed field day
FIELD_DAY_P = 0.55
LAZY_FIELD_DAY_P = 0.25
SUSPICIOUS_CHECKIN_P = 0.03
INFLATING_REP_SHARE = 0.05
REP_CHUNK = 250


@dataclass
class FieldChunk:
    visits: pl.DataFrame
    claims: pl.DataFrame
    inflated: pl.DataFrame
    suspicious: pl.DataFrame


def field_chunks(world: World) -> Iterator[FieldChunk]:
    rng = world.rng("field")
    emp = world.tables["employees"]
    reps = emp.filter(pl.col("job_role") == "销售代表")
    acc = world.tables["accounts"]
    offices = world.tables["offices"]
    office_xy = {
        r["office_id"]: (r["longitude"], r["latitude"]) for r in offices.iter_rows(named=True)
    }
    acc_ids = acc["account_id"].to_numpy()
    acc_lon = acc["_lon"].to_numpy()
    acc_lat = acc["_lat"].to_numpy()
    acc_prov = acc["_province"].to_numpy()
    owner = acc["owner_id"].to_numpy()
    by_owner: dict[str, np.ndarray] = {}
    order = np.argsort(owner, kind="stable")
    uniq, starts = np.unique(owner[order], return_index=True)
    for k, o in enumerate(uniq):
        end = starts[k + 1] if k + 1 < len(uniq) else len(order)
        by_owner[o] = order[starts[k] : end]
    inflaters = set(
        rng.choice(
            reps["employee_id"].to_numpy(),
            max(1, int(round(reps.height * INFLATING_REP_SHARE))),
            replace=False,
        ).tolist()
    )
    visit_seq = 0
    claim_seq = 0
    rows = list(reps.iter_rows(named=True))
    for c0 in range(0, len(rows), REP_CHUNK):
        v_parts, c_parts, inf_parts, sus_parts = [], [], [], []
        for rep in rows[c0 : c0 + REP_CHUNK]:
            last = (
                np.datetime64(rep["left_on"], "D") - np.timedelta64(1, "D")
                if rep["left_on"]
                else tl.END
            )
            days = tl.workdays_between(np.datetime64(rep["hired_on"], "D"), last)
            if len(days) == 0:
                continue
            pool = by_owner.get(rep["employee_id"])
            if pool is None or len(pool) < 5:
                same = np.flatnonzero(acc_prov == rep["_province"])
                extra = same[rng.integers(0, len(same), 20)]
                pool = extra if pool is None else np.concatenate([pool, extra])
            n_days = len(days)
            field_p = LAZY_FIELD_DAY_P if rep["_lazy"] else FIELD_DAY_P
            field = rng.random(n_days) < field_p
            fdays = days[field]
            nf = len(fdays)
            target = pool[rng.integers(0, len(pool), nf)]
            second = rng.random(nf) < 0.15
            kind = np.where(rng.random(nf) < 0.04, "学术会议", "拜访")
            # In-person visits: one or two check-ins at the same customer that day.
            v_acc = np.concatenate([target, target[second]])
            v_day = np.concatenate([fdays, fdays[second]])
            v_kind = np.concatenate([kind, np.full(second.sum(), "拜访")])
            first_t = rng.integers(9 * 3600, 12 * 3600, nf)
            second_t = first_t[second] + rng.integers(1800, 4 * 3600, second.sum())
            v_time = v_day.astype("datetime64[s]") + np.concatenate([first_t, second_t]).astype(
                "timedelta64[s]"
            )
            nv = len(v_acc)
            lon = acc_lon[v_acc] + rng.normal(0, 0.0015, nv)
            lat = acc_lat[v_acc] + rng.normal(0, 0.0015, nv)
            far = rng.random(nv) < SUSPICIOUS_CHECKIN_P
            angle = rng.uniform(0, 2 * np.pi, nv)
            dist_deg = rng.uniform(0.2, 0.7, nv)  # ~20-75 km away from the customer
            lon = np.where(far, lon + np.cos(angle) * dist_deg, lon)
            lat = np.where(far, lat + np.sin(angle) * dist_deg, lat)
            # Phone calls on any working day, no coordinates.
            calls = rng.poisson(np.where(field, 0.8, 1.2))
            c_day = np.repeat(days, calls)
            c_acc = pool[rng.integers(0, len(pool), len(c_day))]
            c_time = c_day.astype("datetime64[s]") + tl.office_seconds(rng, len(c_day))
            n_all = nv + len(c_day)
            ids = np.arange(visit_seq + 1, visit_seq + n_all + 1)
            visit_seq += n_all
            visits = frame(
                {
                    "visit_id": np.array([f"HF{i:09d}" for i in ids], dtype=object),
                    "employee_id": np.full(n_all, rep["employee_id"], dtype=object),
                    "account_id": acc_ids[np.concatenate([v_acc, c_acc])],
                    "activity_type": np.concatenate([v_kind, np.full(len(c_day), "电话")]).astype(
                        object
                    ),
                    "checked_in_at": np.concatenate([v_time, c_time]),
                    "check_in_longitude": np.concatenate(
                        [np.round(lon, 6), np.full(len(c_day), np.nan)]
                    ),
                    "check_in_latitude": np.concatenate(
                        [np.round(lat, 6), np.full(len(c_day), np.nan)]
                    ),
                }
            ).with_columns(pl.col("check_in_longitude", "check_in_latitude").fill_nan(None))
            visits = visits.sort("checked_in_at", "visit_id")
            v_parts.append(visits)
            if far.any():
                true_d = tl.haversine_km(acc_lon[v_acc], acc_lat[v_acc], lon, lat)
                sus_parts.append(
                    pl.DataFrame(
                        {
                            "visit_id": [f"HF{i:09d}" for i in ids[:nv][far]],
                            "employee_id": rep["employee_id"],
                            "account_id": acc_ids[v_acc[far]].tolist(),
                            "distance_km": np.round(true_d[far], 1),
                        }
                    )
                )
            # One travel claim per field day: the round trip office -> customer.
            ox, oy = office_xy[rep["office_id"]]
            true_km = 2 * tl.haversine_km(ox, oy, acc_lon[target], acc_lat[target]) * DETOUR_FACTOR
            true_km = np.maximum(np.round(true_km, 1), 2.0)
            claimed = np.round(true_km * (1 + rng.normal(0, 0.03, nf)), 1)
            p_inflate = 0.3 if rep["employee_id"] in inflaters else 0.003
            inflate = rng.random(nf) < p_inflate
            factor = rng.uniform(1.6, 3.0, nf)
            claimed = np.where(inflate, np.round(true_km * factor, 1), claimed)
            amount = np.round(claimed * KM_RATE_CNY + DAILY_ALLOWANCE_CNY, 2)
            cids = np.arange(claim_seq + 1, claim_seq + nf + 1)
            claim_seq += nf
            claim_ids = np.array([f"BX{i:08d}" for i in cids], dtype=object)
            c_parts.append(
                frame(
                    {
                        "claim_id": claim_ids,
                        "employee_id": np.full(nf, rep["employee_id"], dtype=object),
                        "travelled_on": fdays,
                        "account_id": acc_ids[target],
                        "claimed_km": claimed,
                        "claimed_amount": amount,
                    }
                )
            )
            if inflate.any():
                inf_parts.append(
                    pl.DataFrame(
                        {
                            "claim_id": claim_ids[inflate].tolist(),
                            "employee_id": rep["employee_id"],
                            "true_km": true_km[inflate],
                            "claimed_km": claimed[inflate],
                            "factor": np.round(claimed[inflate] / true_km[inflate], 3),
                        }
                    )
                )
        if not v_parts:
            continue
        yield FieldChunk(
            visits=pl.concat(v_parts),
            claims=pl.concat(c_parts),
            inflated=pl.concat(inf_parts) if inf_parts else _empty_inflated(),
            suspicious=pl.concat(sus_parts) if sus_parts else _empty_suspicious(),
        )


def _empty_inflated() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "claim_id": pl.Utf8,
            "employee_id": pl.Utf8,
            "true_km": pl.Float64,
            "claimed_km": pl.Float64,
            "factor": pl.Float64,
        }
    )


def _empty_suspicious() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "visit_id": pl.Utf8,
            "employee_id": pl.Utf8,
            "account_id": pl.Utf8,
            "distance_km": pl.Float64,
        }
    )
