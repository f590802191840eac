"""Customer matching: source account records -> one golden customer each.

1. Normalize every name (``normalize.py``) and the evidence fields (phone digits, credit code,
   address text).
2. Blocking: candidate pairs share a credit code, a phone number, or the same city and a
   character bigram of the distinctive name (or, for names without one, the same kind and
   ordinal: 上海一院 and 上海市第一人民医院 in 上海市). Blocks larger than ``max_block_size`` say
   nothing and are skipped.
3. Scoring (``score_pair``): a name score from rapidfuzz (distinctive part and kind weighed by
   ``distinct_weight``); a different hospital number, parent institution, branch office or
   credit code vetoes the pair; address, phone and credit-code evidence and the place-name
   conflict adjust the rest, and one credit code (one legal entity) makes a match unless the
   names conflict. Every weight and threshold is a row of ``seeds/customer_match_rules.csv``.
4. Clustering: accepted pairs, best first, join clusters with union-find; a join is refused when
   it would put two different credit codes or an analyst's keep-apart pair into one cluster, or
   grow a cluster beyond ``max_cluster_size`` (the guard against chaining A~B~C~...).
   Analysts' decisions (``seeds/customer_match_decisions.csv``) come first: merge joins two
   records whatever the score, keep_apart forbids it.
5. Survivorship: the golden customer id is the account id of the cluster's oldest record
   (earliest created_on, then lowest account id), so it does not move when a newer duplicate
   arrives.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from rapidfuzz.distance import Indel

from medops.customers.normalize import (
    SEEDS_DIR,
    NormalizedName,
    clean_text,
    finest_place,
    normalize_name,
    regions_conflict,
    with_own_places,
)
from medops.geo.address import parse_address
from medops.geo.coords import distance_km

MATCH_RULES_CSV = SEEDS_DIR / "customer_match_rules.csv"
MATCH_DECISIONS_CSV = SEEDS_DIR / "customer_match_decisions.csv"
DECISIONS = ("merge", "keep_apart")

ACCOUNT_COLUMNS = (
    "account_id",
    "account_name",
    "province",
    "city",
    "district",
    "address",
    "phone",
    "credit_code",
    "created_on",
)

MATCH_SCHEMA = {
    "account_id": pl.Utf8,
    "golden_customer_id": pl.Utf8,
    "match_method": pl.Utf8,
    "match_score": pl.Float64,
    "matched_to_account_id": pl.Utf8,
    "match_evidence": pl.Utf8,
    "normalized_name": pl.Utf8,
    "name_core": pl.Utf8,
    "name_branch": pl.Utf8,
    "cluster_size": pl.Int64,
}
PAIR_SCHEMA = {
    "account_id_a": pl.Utf8,
    "account_id_b": pl.Utf8,
    "name_score": pl.Float64,
    "address_score": pl.Float64,
    "same_phone": pl.Boolean,
    "same_credit_code": pl.Boolean,
    "credit_code_conflict": pl.Boolean,
    "name_conflict": pl.Utf8,
    "region_conflict": pl.Boolean,
    "match_score": pl.Float64,
    "pair_decision": pl.Utf8,
    "evidence": pl.Utf8,
}


@dataclass(frozen=True)
class MatchRules:
    match_threshold: float
    distinct_weight: float
    region_conflict_penalty: float
    same_credit_code_bonus: float
    same_phone_bonus: float
    address_agree_bonus: float
    address_agree_similarity: float
    address_disagree_penalty: float
    address_disagree_similarity: float
    max_block_size: int
    max_cluster_size: int
    bare_kind_name_score: float
    min_cluster_link_score: float
    max_address_distance_km: float
    added_words_name_score: float


def load_match_rules(path: Path = MATCH_RULES_CSV) -> MatchRules:
    with path.open(encoding="utf-8", newline="") as f:
        values = {row["parameter"]: row["parameter_value"] for row in csv.DictReader(f)}
    missing = set(MatchRules.__dataclass_fields__) - set(values)
    if missing:
        raise ValueError(f"{path.name}: missing parameters {sorted(missing)}")
    return MatchRules(
        **{
            name: (int if field.type == "int" else float)(values[name])
            for name, field in MatchRules.__dataclass_fields__.items()
        }
    )


@dataclass(frozen=True)
class MatchDecision:
    account_id_a: str
    account_id_b: str
    decision: str  # merge | keep_apart


def load_match_decisions(path: Path = MATCH_DECISIONS_CSV) -> list[MatchDecision]:
    """Analysts' decisions; an unknown decision word is an error, not a silent skip."""
    decisions = []
    with path.open(encoding="utf-8", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            decision = (row["decision"] or "").strip()
            if decision not in DECISIONS:
                raise ValueError(f"{path.name} line {line}: decision must be one of {DECISIONS}")
            decisions.append(
                MatchDecision(row["account_id_a"].strip(), row["account_id_b"].strip(), decision)
            )
    return decisions


@dataclass(frozen=True)
class _Record:
    account_id: str
    name: NormalizedName
    city: str
    places: frozenset[str]  # the name's places, completed by the record's province and city
    province: str | None
    address: str | None
    phone: str | None
    credit_code: str | None
    created_on: dt.date | None


@dataclass(frozen=True)
class PairScore:
    name_score: float
    address_score: float | None
    same_phone: bool
    same_credit_code: bool
    credit_code_conflict: bool
    name_conflict: str | None
    region_conflict: bool
    score: float

    def evidence(self) -> str:
        parts = [f"name {self.name_score:.2f}"]
        if self.address_score is not None:
            parts.append(f"address {self.address_score:.2f}")
        if self.same_phone:
            parts.append("same phone")
        if self.same_credit_code:
            parts.append("same credit code")
        if self.credit_code_conflict:
            parts.append("different credit codes")
        if self.name_conflict:
            parts.append(self.name_conflict)
        if self.region_conflict:
            parts.append("different places in the names")
        return "; ".join(parts)


def _similarity(a: str, b: str) -> float:
    return Indel.normalized_similarity(a, b)


# kinds that say nothing about a company's line of business: 乐普医疗 names the brand 乐普
_GENERIC_COMPANY_KINDS = ("", "医疗", "控股", "医疗控股", "生物")
# kinds written with or without 医院 (华西口腔 / 华西口腔医院, 爱尔眼科 / 爱尔眼科医院), and a
# grade that is part of the name (中心卫生院 is a 卫生院)
_KIND_SHORT = {"口腔医院": "口腔", "眼科医院": "眼科", "中心卫生院": "卫生院"}
# the one public health centre of a town: a 卫生院, renamed 社区卫生服务中心 when the town
# becomes a street (良渚镇卫生院 -> 良渚街道社区卫生服务中心)
_TOWN_HEALTH_CENTRES = ("卫生院", "社区卫生服务中心")


def _kinds(a: NormalizedName, b: NormalizedName) -> tuple[str, str]:
    """The kinds as compared: a numbered hospital is 第N人民医院 or 第N医院 alike (宁波一院); a
    town's health centre is one, whichever of its names."""
    kind_a, kind_b = _KIND_SHORT.get(a.kind, a.kind), _KIND_SHORT.get(b.kind, b.kind)
    if a.ordinal is not None and a.ordinal == b.ordinal:
        kind_a, kind_b = (k.replace("人民医院", "医院") for k in (kind_a, kind_b))
    if a.towns & b.towns and {kind_a, kind_b} <= set(_TOWN_HEALTH_CENTRES):
        kind_b = kind_a
    return kind_a, kind_b


def _brand_mention(short: NormalizedName, full: NormalizedName) -> bool:
    """``short`` is how people name the company ``full`` by its brand (国药 / 国药控股股份有限
    公司, 乐普医疗 / 乐普(北京)医疗器械股份有限公司): no legal form, no line of business."""
    return (
        not short.legal_forms
        and bool(full.legal_forms)
        and short.kind in _GENERIC_COMPANY_KINDS
        and len(short.distinct) >= 2
        and short.distinct == full.distinct
    )


def name_score(a: NormalizedName, b: NormalizedName, distinct_weight: float) -> float:
    """0-1 likeness of two normalized names, from the distinctive part and the kind."""
    if _brand_mention(a, b) or _brand_mention(b, a):
        return 1.0
    if a.distinct and b.distinct:
        distinct = _similarity(a.distinct, b.distinct)
    else:
        distinct = 1.0 if not a.distinct and not b.distinct else 0.0
    kind_a, kind_b = _kinds(a, b)
    if not (kind_a or kind_b) and (_is_latin(a.distinct) or _is_latin(b.distinct)):
        # a name in Latin letters is not split into brand and kind: the whole name is compared
        # (united imaging healthcare / united imaging intelligence)
        return distinct
    if kind_a and kind_b:
        # squared: kinds that only overlap (医疗科技 / 科技) are different organisations
        kind = _similarity(kind_a, kind_b) ** 2
    else:
        kind = 1.0 if not kind_a and not kind_b else 0.5
    return distinct_weight * distinct + (1 - distinct_weight) * kind


def _is_latin(text: str) -> bool:
    return text.isascii() and any(c.isalpha() for c in text)


def _added_words(a: NormalizedName, b: NormalizedName) -> bool:
    """One distinctive part is the other's with two or more characters added (和睦家 /
    京北和睦家, 和睦家新城, 和睦家康复; 华润湖南 / 华润湖南瑞格): the added words name another
    organisation of the brand, not a way of writing the same one."""
    short, long = sorted((a.distinct, b.distinct), key=len)
    return bool(short) and short in long and len(long) - len(short) >= 2


def name_conflict_reason(a: NormalizedName, b: NormalizedName) -> str | None:
    """Why two names cannot be one customer whatever else agrees, or None."""
    # a numbered hospital is not the unnumbered one of the same city (第一人民医院 / 人民医院)
    if a.ordinal != b.ordinal:
        return "different hospital number"
    if a.affiliation and b.affiliation and a.affiliation != b.affiliation:
        return "different parent institution"  # 中山大学附属 / 浙江大学附属
    if not (a.distinct or b.distinct) and (a.named_by_school != b.named_by_school):
        if not (a.affiliation and b.affiliation):
            return "different parent institution"  # 哈尔滨医科大学附属第一医院 / 哈尔滨市第一医院
    if a.branch_office != b.branch_office:
        return "different branch office"  # a company and its 广东分公司
    villages_a = {p for p in a.localities if p.endswith(_VILLAGE_LEVEL)}
    villages_b = {p for p in b.localities if p.endswith(_VILLAGE_LEVEL)}
    for here, there in ((a.towns, b.towns), (villages_a, villages_b)):
        if here and there and not here & there:
            return "different street or village"  # 北山街道 / 灵隐街道 社区卫生服务站
    return None


_VILLAGE_LEVEL = ("村", "社区")


def _legal_entity_conflict(a: NormalizedName, b: NormalizedName) -> str | None:
    """Why two names are two legal entities of one brand, unless one credit code shows one."""
    if a.is_group != b.is_group:
        group, other = (a, b) if a.is_group else (b, a)
        if not group.regions and other.regions:
            return "a group and a local company"  # 爱尔眼科医院集团 / 长沙爱尔眼科医院
    if a.is_establishment != b.is_establishment:
        company = b if a.is_establishment else a
        if company.legal_forms and not company.branch:
            return "a company and its branch"  # XX股份有限公司 / XX股份有限公司第八十二分店
    return None


def _bare_kind_unplaced(
    a: NormalizedName, b: NormalizedName, places_a: frozenset[str], places_b: frozenset[str]
) -> bool:
    """A bare-kind name (杭州市医院) is only the same as a bare-kind name of exactly the same
    place: never one that adds a district, never one with a distinctive name. Numbered
    hospitals named by their place alone (辽阳二院 / 宏伟区第二人民医院) need the same place too."""
    if a.distinct or b.distinct:
        return a.is_bare_kind or b.is_bare_kind
    if (a.affiliation and b.affiliation) and not (a.is_bare_kind or b.is_bare_kind):
        return False  # named by one school (and number): places add nothing
    level_a, codes_a = finest_place(places_a)
    return level_a == 0 or (level_a, codes_a) != finest_place(places_b)


def score_pair(
    a: NormalizedName,
    b: NormalizedName,
    rules: MatchRules,
    evidence_a: tuple[str | None, str | None, str | None] = (None, None, None),
    evidence_b: tuple[str | None, str | None, str | None] = (None, None, None),
    places: tuple[frozenset[str], frozenset[str]] | None = None,
    address_km: float | None = None,
) -> PairScore:
    """Score two records; evidence is (address, phone, credit code), each cleaned or None;
    ``places`` the records' places (default: the places in their names); ``address_km`` how far
    apart the addresses' districts or zones are, when both are located that precisely. A name
    with a second name scores as the better of its two names."""
    if a.second_name or b.second_name:
        return max(
            (
                score_pair(x, y, rules, evidence_a, evidence_b, places, address_km)
                for x in a.names
                for y in b.names
            ),
            key=lambda s: s.score,
        )
    (address_a, phone_a, credit_a), (address_b, phone_b, credit_b) = evidence_a, evidence_b
    places_a, places_b = places or (a.regions, b.regions)
    names = name_score(a, b, rules.distinct_weight)
    if _bare_kind_unplaced(a, b, places_a, places_b):
        names = min(names, rules.bare_kind_name_score)
    if _added_words(a, b):
        names = min(names, rules.added_words_name_score)
    name_conflict = name_conflict_reason(a, b)
    region_conflict = regions_conflict(places_a, places_b)
    same_credit = bool(credit_a) and credit_a == credit_b
    credit_conflict = bool(credit_a) and bool(credit_b) and credit_a != credit_b
    same_phone = bool(phone_a) and phone_a == phone_b
    address = _similarity(address_a, address_b) if address_a and address_b else None

    score = names
    if region_conflict:
        score -= rules.region_conflict_penalty
    if same_credit:
        score += rules.same_credit_code_bonus
    if same_phone:
        score += rules.same_phone_bonus
    if address is not None:
        if address >= rules.address_agree_similarity:
            score += rules.address_agree_bonus
        elif address < rules.address_disagree_similarity:
            score -= rules.address_disagree_penalty
    branch_a, branch_b = a.specific_branch, b.specific_branch
    # two branches of a chain (西湖店 / 滨江店), or one name at addresses far apart, are two
    # customers unless the same legal entity shows (one credit code or phone: the campuses of
    # one hospital); a group and its local company, or a company and a branch registered under
    # its name, unless one credit code shows one
    if not (name_conflict or same_credit or same_phone):
        if branch_a and branch_b and branch_a != branch_b:
            name_conflict = "different branches"
        elif address_km is not None and address_km > rules.max_address_distance_km:
            name_conflict = f"addresses {address_km:.0f} km apart"
    if not (name_conflict or same_credit):
        name_conflict = _legal_entity_conflict(a, b)
    if same_credit and not name_conflict:
        # one 统一社会信用代码 is one legal entity, whatever its names (柳州医药 renamed 柳药集团)
        score = max(score, rules.match_threshold)
    if credit_conflict or name_conflict:
        score = 0.0
    return PairScore(
        name_score=names,
        address_score=address,
        same_phone=same_phone,
        same_credit_code=same_credit,
        credit_code_conflict=credit_conflict,
        name_conflict=name_conflict,
        region_conflict=region_conflict,
        score=max(0.0, min(1.0, score)),
    )


def same_customer(
    name_a: str, name_b: str, rules: MatchRules | None = None, province: str | None = None
) -> tuple[bool, float]:
    """The matcher's verdict on two bare names (no address, phone or credit code), optionally
    of two records of one province (which reads short forms such as 南大 in that province)."""
    rules = rules or load_match_rules()
    own = frozenset({province}) if province else None
    a, b = normalize_name(name_a, own), normalize_name(name_b, own)
    places = (
        with_own_places(a, province, None),
        with_own_places(b, province, None),
    )
    result = score_pair(a, b, rules, places=places)
    return result.score >= rules.match_threshold, result.score


_NON_DIGIT = re.compile(r"\D")


def _clean_phone(phone: str | None) -> str | None:
    digits = _NON_DIGIT.sub("", phone or "")
    return digits if len(digits) >= 7 else None


def _clean_credit_code(code: str | None) -> str | None:
    code = re.sub(r"\s", "", code or "").upper()
    return code or None


def _records(accounts: pl.DataFrame) -> list[_Record]:
    missing = [c for c in ACCOUNT_COLUMNS if c not in accounts.columns]
    if missing:
        raise ValueError(f"accounts lack columns {missing}")
    records = []
    cache: dict[tuple[str, frozenset[str]], NormalizedName] = {}
    for row in accounts.select(ACCOUNT_COLUMNS).iter_rows(named=True):
        if not row["account_id"] or not row["account_name"]:
            raise ValueError(f"account without id or name: {row}")
        places = frozenset(p for p in (row["province"], row["city"], row["district"]) if p)
        key = (row["account_name"], places)
        if key not in cache:
            cache[key] = normalize_name(row["account_name"], places)
        records.append(
            _Record(
                account_id=row["account_id"],
                name=cache[key],
                city=row["city"] or "",
                places=with_own_places(cache[key], row["province"], row["city"]),
                province=row["province"],
                address=clean_text(row["address"]) if row["address"] else None,
                phone=_clean_phone(row["phone"]),
                credit_code=_clean_credit_code(row["credit_code"]),
                created_on=row["created_on"],
            )
        )
    return records


def _block_keys(record: _Record) -> set[tuple]:
    keys: set[tuple] = set()
    if record.credit_code:
        keys.add(("credit", record.credit_code))
    if record.phone:
        keys.add(("phone", record.phone))
    for name in record.name.names:
        distinct = name.distinct
        if len(distinct) >= 2:
            keys |= {("bigram", record.city, distinct[i : i + 2]) for i in range(len(distinct) - 1)}
        elif distinct:
            keys.add(("bigram", record.city, distinct))
        else:
            keys.add(("kind", record.city, name.kind, name.ordinal))
    return keys


def candidate_pairs(records: list[_Record], max_block_size: int) -> set[tuple[int, int]]:
    blocks: dict[tuple, list[int]] = {}
    for i, record in enumerate(records):
        for key in _block_keys(record):
            blocks.setdefault(key, []).append(i)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) < 2 or len(members) > max_block_size:
            continue
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                pairs.add((i, j) if i < j else (j, i))
    return pairs


class _Clusters:
    """Union-find whose roots know their members' credit codes and keep-apart partners."""

    def __init__(self, records: list[_Record], keep_apart: set[tuple[int, int]]) -> None:
        self.parent = list(range(len(records)))
        self.members = {i: [i] for i in range(len(records))}
        self.credit_codes = {i: {r.credit_code} - {None} for i, r in enumerate(records)}
        self.apart: dict[int, set[int]] = {}
        for i, j in keep_apart:
            self.apart.setdefault(i, set()).add(j)
            self.apart.setdefault(j, set()).add(i)

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(
        self, i: int, j: int, max_size: int | None, linked: Callable[[int, int], bool] | None = None
    ) -> str:
        """Join the clusters of i and j; returns 'joined', 'same' or why it was refused."""
        ri, rj = self.find(i), self.find(j)
        if ri == rj:
            return "same"
        mi, mj = self.members[ri], self.members[rj]
        set_j = set(mj)
        if any(self.apart.get(m, set()) & set_j for m in mi):
            return "keep_apart"
        if max_size is not None:
            if len(self.credit_codes[ri] | self.credit_codes[rj]) > 1:
                return "guard_credit_codes"
            if linked and not all(linked(x, y) for x in mi for y in mj if (x, y) != (i, j)):
                return "guard_weak_link"
            if len(mi) + len(mj) > max_size:
                return "guard_cluster_size"
        self.parent[rj] = ri
        self.members[ri] = mi + mj
        self.credit_codes[ri] |= self.credit_codes.pop(rj)
        del self.members[rj]
        return "joined"


def match_accounts(
    accounts: pl.DataFrame,
    rules: MatchRules | None = None,
    decisions: list[MatchDecision] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Resolve account records into golden customers.

    Returns (matches: one row per account record, pairs: one row per scored candidate pair or
    analyst decision). Decisions that name an account not in ``accounts`` are ignored (the
    account may have been deleted in the CRM); they stay in the seed for when it returns.
    """
    rules = rules or load_match_rules()
    decisions = load_match_decisions() if decisions is None else decisions
    records = _records(accounts)
    index = {r.account_id: i for i, r in enumerate(records)}
    if len(index) != len(records):
        raise ValueError("account ids are not unique")

    def evidence(r: _Record) -> tuple[str | None, str | None, str | None]:
        return r.address, r.phone, r.credit_code

    located: dict[int, tuple[float, float] | None] = {}

    def location(i: int) -> tuple[float, float] | None:
        """The record's address at its district or development zone, parsed once."""
        if i not in located:
            r = records[i]
            parsed = parse_address(r.address, r.province, r.city) if r.address else None
            precise = parsed is not None and parsed.precision in ("district", "zone")
            located[i] = (parsed.longitude, parsed.latitude) if precise else None
        return located[i]

    def score(i: int, j: int) -> PairScore:
        a, b = records[i], records[j]
        here, there = location(i), location(j)
        km = distance_km(*here, *there) if here and there else None
        return score_pair(a.name, b.name, rules, evidence(a), evidence(b), (a.places, b.places), km)

    scored = {(i, j): score(i, j) for i, j in candidate_pairs(records, rules.max_block_size)}

    def linked(i: int, j: int) -> bool:
        """Whether two records may share a cluster: a join needs every record of one cluster
        to be plausibly the same customer as every record of the other (an analyst's merge
        overrides what the names say about its records)."""
        if i in merged_by_analyst or j in merged_by_analyst:
            return True
        pair = (i, j) if i < j else (j, i)
        if pair not in scored:
            scored[pair] = score(*pair)
        return scored[pair].score >= rules.min_cluster_link_score

    manual: dict[tuple[int, int], str] = {}
    for d in decisions:
        if d.account_id_a in index and d.account_id_b in index:
            i, j = sorted((index[d.account_id_a], index[d.account_id_b]))
            manual[(i, j)] = d.decision
    clusters = _Clusters(records, {p for p, d in manual.items() if d == "keep_apart"})
    merged_by_analyst = {i for p, d in manual.items() if d == "merge" for i in p}

    pair_decision: dict[tuple[int, int], str] = {}
    for pair, d in manual.items():
        if d == "merge":
            outcome = clusters.union(*pair, max_size=None)
            pair_decision[pair] = "manual_merge" if outcome != "keep_apart" else "conflict"
        else:
            pair_decision[pair] = "keep_apart"
    ranked = sorted(
        (p for p, s in scored.items() if s.score >= rules.match_threshold and p not in manual),
        key=lambda p: (-scored[p].score, p),
    )
    for pair in ranked:
        outcome = clusters.union(*pair, max_size=rules.max_cluster_size, linked=linked)
        pair_decision[pair] = "match" if outcome in ("joined", "same") else outcome
    for pair in scored:
        pair_decision.setdefault(pair, "no_match")

    return _matches_frame(records, clusters, scored, pair_decision), _pairs_frame(
        records, scored, pair_decision
    )


def _survivor_order(record: _Record) -> tuple:
    return (record.created_on or dt.date.max, record.account_id)


def _matches_frame(
    records: list[_Record],
    clusters: _Clusters,
    scored: dict[tuple[int, int], PairScore],
    pair_decision: dict[tuple[int, int], str],
) -> pl.DataFrame:
    # the best accepted pair linking each record to another member of its cluster
    best: dict[int, tuple[float, int, str, str]] = {}
    for (i, j), decision in pair_decision.items():
        if decision == "manual_merge":
            link = (1.0, "manual_merge", "analyst decision: merge")
        elif decision == "match":
            link = (scored[(i, j)].score, "matched", scored[(i, j)].evidence())
        else:
            continue
        for me, other in ((i, j), (j, i)):
            # equal scores: the partner with the smallest account id, whatever order the
            # pairs came in (two runs must link a record to the same partner)
            if me not in best or (-link[0], records[other].account_id) < (
                -best[me][0],
                records[best[me][1]].account_id,
            ):
                best[me] = (link[0], other, link[1], link[2])
    rows = []
    for members in clusters.members.values():
        survivor = min(members, key=lambda m: _survivor_order(records[m]))
        golden = records[survivor].account_id
        for m in members:
            record = records[m]
            if len(members) == 1:
                method, score, other, text = "singleton", 1.0, None, "no other record matched"
            elif m == survivor:
                method, score, other, text = "survivor", 1.0, None, "oldest record of the cluster"
            else:
                score, partner, method, text = best[m]
                other = records[partner].account_id
            rows.append(
                {
                    "account_id": record.account_id,
                    "golden_customer_id": golden,
                    "match_method": method,
                    "match_score": round(score, 4),
                    "matched_to_account_id": other,
                    "match_evidence": text,
                    "normalized_name": record.name.text,
                    "name_core": record.name.core,
                    "name_branch": record.name.branch,
                    "cluster_size": len(members),
                }
            )
    return pl.DataFrame(rows, schema=MATCH_SCHEMA).sort("account_id")


def _pairs_frame(
    records: list[_Record],
    scored: dict[tuple[int, int], PairScore],
    pair_decision: dict[tuple[int, int], str],
) -> pl.DataFrame:
    rows = []
    for (i, j), decision in pair_decision.items():
        s = scored.get((i, j))
        id_a, id_b = sorted((records[i].account_id, records[j].account_id))
        rows.append(
            {
                "account_id_a": id_a,
                "account_id_b": id_b,
                "name_score": s.name_score if s else None,
                "address_score": s.address_score if s else None,
                "same_phone": s.same_phone if s else None,
                "same_credit_code": s.same_credit_code if s else None,
                "credit_code_conflict": s.credit_code_conflict if s else None,
                "name_conflict": s.name_conflict if s else None,
                "region_conflict": s.region_conflict if s else None,
                "match_score": round(s.score, 4) if s else None,
                "pair_decision": decision,
                "evidence": s.evidence() if s else "analyst decision only",
            }
        )
    return pl.DataFrame(rows, schema=PAIR_SCHEMA).sort("account_id_a", "account_id_b")
