"""Normalization of Chinese organisation names for matching.

A name such as ``上海市第一人民医院（北部）`` or ``瑞慈醫療器械(上海)有限公司`` is reduced to
the parts that tell customers apart and the parts that every name carries:

- ``distinct``: the brand or core name (瑞慈, 新华); weighed most when scoring;
- ``kind``: the generic words at its end that say what sort of organisation it is (人民医院,
  医疗器械); two names that differ only here are different customers of the same brand;
- ``ordinal``: 第一 / 第二 of a numbered hospital; a different ordinal is a different hospital;
- ``regions``: place names (上海, 西湖区), weakened: they only count when they contradict;
- ``legal_forms``: 有限公司, 集团, 分公司 ..., dropped from the core; 集团 marks a group head;
- ``branch``: a campus or branch qualifier in brackets (北部, 东院, 分院), kept as evidence.

Full-/half-width forms and bracket styles are unified with NFKC, traditional characters are
converted with OpenCC (t2s), and analysts' abbreviation rules (``seeds/customer_name_aliases.csv``:
上海一院 -> 上海第一人民医院) are applied before the split. Place names come from cpca's adcode
table (every province, city and district of China).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from opencc import OpenCC

from medops.settings import REPO_ROOT

SEEDS_DIR = REPO_ROOT / "seeds"
ALIAS_RULES_CSV = SEEDS_DIR / "customer_name_aliases.csv"

COUNTRY_TOKENS = ("中华人民共和国", "中国")
# Longest first, so 股份有限公司 is taken whole rather than as 有限公司.
LEGAL_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "股份公司",
    "有限公司",
    "总公司",
    "分公司",
    "集团",
    "公司",
)
# Bracketed qualifiers that name a campus or branch of the same organisation.
BRANCH_WORDS = ("分院", "院区", "本部", "总部", "北部", "南部", "东部", "西部", "东院", "西院",
                "南院", "北院", "分公司", "分部", "门诊部", "分店")  # fmt: skip
# Generic words at the end of a name: what kind of organisation it is, not which one.
KIND_WORDS = (
    "社区卫生服务中心",
    "中西医结合医院",
    "健康体检中心",
    "妇幼保健院",
    "人民医院",
    "中心医院",
    "中医医院",
    "儿童医院",
    "肿瘤医院",
    "骨科医院",
    "专科医院",
    "体检中心",
    "医疗器械",
    "医疗科技",
    "精密制造",
    "医疗设备",
    "生物科技",
    "卫生院",
    "医疗",
    "医药",
    "科技",
    "实业",
    "电子",
    "健康",
    "医院",
    "附属",
    "贸易",
    "镇",
)
_REGION_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "自治州",
                    "自治县", "地区", "省", "市", "盟", "区", "县", "旗")  # fmt: skip
_CN_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}
_ORDINAL = re.compile(r"第([一二三四五六七八九十]{1,2}|\d{1,2})")
_BRACKETS = re.compile(r"\(([^()]*)\)")
# The university or academy a hospital is affiliated to (复旦大学附属, 四川大学): weighed
# separately so that the shared prefix does not make 华山 and 中山 alike.
_AFFILIATION = re.compile(r"^(.*附属|.{0,8}?(?:大学|科学院))(.+医院)$")
# A campus written without brackets: 上海市第一人民医院宝山分院.
_TRAILING_CAMPUS = re.compile(r"^(.+医院)(.{1,6}(?:分院|院区))$")
_DROP = re.compile(r"[\s·•.,，、。:：;；'\"“”‘’\-—_/\\|*#&]+")


@dataclass(frozen=True)
class NormalizedName:
    """The parts of one organisation name (see the module docstring)."""

    text: str  # the whole name cleaned: simplified, half-width, no punctuation
    core: str  # distinct + kind, without places, legal forms, brackets and ordinal
    distinct: str
    kind: str
    ordinal: int | None
    affiliation: str | None
    regions: frozenset[str]
    legal_forms: tuple[str, ...]
    branch: str | None
    # a company's branch office in a named place (广东分公司): its own registration and customer
    branch_office: str | None = None

    @property
    def is_group(self) -> bool:
        return "集团" in self.legal_forms


@dataclass(frozen=True)
class AliasRule:
    pattern: re.Pattern[str]
    replacement: str


@cache
def load_alias_rules(path: Path = ALIAS_RULES_CSV) -> tuple[AliasRule, ...]:
    """The analysts' abbreviation rules, applied in file order to the whole name."""
    with path.open(encoding="utf-8", newline="") as f:
        return tuple(
            AliasRule(re.compile(row["pattern"]), row["replacement"]) for row in csv.DictReader(f)
        )


@dataclass(frozen=True)
class RegionVocabulary:
    """Place names of China from cpca's adcode table: the official names (上海市, 西湖区),
    which are weakened wherever they stand at the start of a name, and short forms (上海, 杭州)
    of provinces and prefecture cities. A short form is only weakened when it is one of the
    record's own places (or when the record has none), because short forms such as 泰和 or 安康
    are also brands."""

    official: frozenset[str]
    short_to_official: dict[str, frozenset[str]]
    longest: int

    def short(self, name: str) -> str:
        for suffix in _REGION_SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                return name[: -len(suffix)]
        return name


@cache
def region_vocabulary() -> RegionVocabulary:
    path = resources.files("cpca").joinpath("resources/adcodes.csv")
    official: set[str] = set()
    short_to_official: dict[str, set[str]] = {}
    with resources.as_file(path) as p, p.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            name, code = row["name"].strip(), row["adcode"][:6]
            if not name or name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
                continue
            official.add(name)
            # provinces, prefecture and county-level cities are often written without 省/市
            if code.endswith("00") or name.endswith("市"):
                short = RegionVocabulary(frozenset(), {}, 0).short(name)
                if short != name:
                    short_to_official.setdefault(short, set()).add(name)
    longest = max(len(n) for n in official | set(short_to_official))
    shorts = {short: frozenset(names) for short, names in short_to_official.items()}
    return RegionVocabulary(frozenset(official), shorts, longest)


@cache
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def _ordinal_value(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CN_DIGITS[text[1]]
    if text.endswith("十"):
        return _CN_DIGITS[text[0]] * 10
    return _CN_DIGITS[text[0]]


def clean_text(name: str) -> str:
    """Half-width, simplified, ASCII brackets, no punctuation or spaces."""
    text = unicodedata.normalize("NFKC", name)
    text = text.replace("[", "(").replace("]", ")").replace("【", "(").replace("】", ")")
    text = text.replace("〔", "(").replace("〕", ")")
    if any(ord(c) > 0x2E80 for c in text):
        text = _t2s().convert(text)
    return _DROP.sub("", text)


def _strip_regions(
    text: str, vocab: RegionVocabulary, own_places: frozenset[str] | None, whole: bool = False
) -> tuple[str, set[str]]:
    """Place names at the start of ``text``, repeatedly (浙江省杭州市...), removed; returned
    as official names (a short form as the record's own place of that name, else every place
    it may stand for). Unless ``whole``, a name is never reduced to nothing (上海市 alone stays
    a name)."""
    found: set[str] = set()
    changed = True
    while changed and text:
        changed = False
        for size in range(min(vocab.longest, len(text) - (0 if whole else 1)), 1, -1):
            head = text[:size]
            if head in vocab.official:
                found.add(head)
            elif head in vocab.short_to_official:
                candidates = vocab.short_to_official[head]
                if own_places is not None:
                    candidates = candidates & own_places
                    if not candidates:
                        continue
                found |= candidates
            else:
                continue
            text = text[size:]
            changed = True
            break
    return text, found


def _strip_legal_forms(text: str, whole: bool = False) -> tuple[str, list[str]]:
    forms: list[str] = []
    changed = True
    while changed:
        changed = False
        for form in LEGAL_FORMS:
            if text.endswith(form) and (whole or len(text) > len(form)):
                forms.append(form)
                text = text[: -len(form)]
                changed = True
                break
    return text, forms


def _split_branch_tail(text: str) -> tuple[str, str | None]:
    """``XX股份有限公司广东分公司`` -> (``XX股份有限公司``, ``广东分公司``): a legal form inside the
    name followed by more than legal forms marks the branch of a company."""
    for form in LEGAL_FORMS:
        idx = text.find(form)
        if 0 < idx and idx + len(form) < len(text):
            head, tail = text[: idx + len(form)], text[idx + len(form) :]
            rest, forms = _strip_legal_forms(tail, whole=True)
            if rest or "分公司" in forms:
                return head, tail
    return text, None


def _split_kind(core: str) -> tuple[str, str]:
    kind = ""
    changed = True
    while changed:
        changed = False
        for word in KIND_WORDS:
            if core.endswith(word) and core != word:
                kind = word + kind
                core = core[: -len(word)]
                changed = True
                break
            if core == word:
                return "", word + kind
    return core, kind


def normalize_name(
    name: str,
    own_places: frozenset[str] | None = None,
    aliases: tuple[AliasRule, ...] | None = None,
) -> NormalizedName:
    """Split one organisation name into its parts.

    ``own_places``: the official names of the record's province, city and district, when known
    (limits which short place names are weakened); None for a bare name.
    """
    vocab = region_vocabulary()
    text = clean_text(name)

    regions: set[str] = set()
    branch_office = None
    branch_parts: list[str] = []
    kept: list[str] = []
    for inner in _BRACKETS.findall(text):
        rest, places = _strip_regions(inner, vocab, None, whole=True)
        regions |= places
        rest, forms = _strip_legal_forms(rest, whole=True)
        if "分公司" in forms and places:
            branch_office = "".join(sorted(places))
        if not rest and not places and forms:
            branch_parts.append(inner)  # (分公司)
        elif any(word in rest for word in BRANCH_WORDS) or (places and not rest):
            if rest:
                branch_parts.append(inner)
        elif rest:
            kept.append(rest)
    # abbreviation rules read the name without its bracketed qualifiers (上海一院(北部))
    outside = _BRACKETS.sub("", text).replace("(", "").replace(")", "")
    for rule in load_alias_rules() if aliases is None else aliases:
        outside = rule.pattern.sub(rule.replacement, outside)
    for token in COUNTRY_TOKENS:
        outside = outside.removeprefix(token)
    outside, tail = _split_branch_tail(outside)
    if tail:
        _, tail_places = _strip_regions(tail, vocab, None, whole=True)
        regions |= tail_places
        branch_parts.append(tail)
        if "分公司" in tail and tail_places:
            branch_office = "".join(sorted(tail_places))
    outside, places = _strip_regions(outside, vocab, own_places)
    regions |= places
    outside, legal_forms = _strip_legal_forms(outside)
    if legal_forms and legal_forms[0] == "分公司":
        branch_parts.append("分公司")
    campus = _TRAILING_CAMPUS.match(outside)
    if campus:
        outside = campus.group(1)
        branch_parts.append(campus.group(2))
        regions |= _strip_regions(campus.group(2), vocab, None, whole=True)[1]
    core = outside + "".join(kept)

    ordinal = None
    match = _ORDINAL.search(core)
    if match:
        ordinal = _ordinal_value(match.group(1))
        core = core[: match.start()] + core[match.end() :]
    affiliation = None
    match = _AFFILIATION.match(core)
    if match:
        affiliation = match.group(1)
        core, places = _strip_regions(match.group(2), vocab, own_places)
        regions |= places
    distinct, kind = _split_kind(core)
    return NormalizedName(
        text=text,
        core=core,
        distinct=distinct,
        kind=kind,
        ordinal=ordinal,
        affiliation=affiliation,
        regions=frozenset(regions),
        legal_forms=tuple(legal_forms),
        branch="".join(branch_parts) or None,
        branch_office=branch_office,
    )


def regions_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both names carry place names and the places are not the same (西湖区 vs 上城区; 杭州市 vs
    西湖区); a name that adds a place to the other's (上海市 vs 上海市徐汇区) agrees, and so does
    an ambiguous short form (吉林 = 吉林省 or 吉林市) that shares one reading. A name without
    places contradicts nothing."""
    return bool(a) and bool(b) and not (a <= b or b <= a or (a & b and (len(a) > 1 or len(b) > 1)))
