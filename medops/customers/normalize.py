"""Normalization of Chinese organisation names for matching.

A name such as ``上海市第一人民医院（北部）`` or ``瑞慈醫療器械(上海)有限公司`` is reduced to
the parts that tell customers apart and the parts that every name carries:

- ``distinct``: the brand or core name (瑞慈, 新华); weighed most when scoring;
- ``kind``: the generic words at its end that say what sort of organisation it is (人民医院,
  医疗器械); two names that differ only here are different customers of the same brand;
- ``ordinal``: 第一 / 第二 of a numbered hospital; a different ordinal is a different hospital;
- ``regions``: place names (上海, 西湖区), weakened: they only count when they contradict;
- ``legal_forms``: 有限公司, 集团, 分公司 ..., dropped from the core; 集团 marks a group head;
- ``branch``: a campus or branch qualifier in brackets (北部, 东院, 分院), kept as evidence;
- ``second_name``: a second hospital name in brackets (a dual or former name).

A department after a hospital's name (设备科, ICU) is dropped, and a level word alone at the
start (省人民医院, 市一院) stands for the record's own place of that level.

Full-/half-width forms and bracket styles are unified with NFKC, traditional characters are
converted with OpenCC (t2s), and analysts' abbreviation rules (``seeds/customer_name_aliases.csv``:
上海一院 -> 上海第一人民医院) are applied before the split. Place names come from cpca's adcode
table (every province, city and district of China).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path

from opencc import OpenCC

from medops.settings import REPO_ROOT

SEEDS_DIR = REPO_ROOT / "seeds"
ALIAS_RULES_CSV = SEEDS_DIR / "customer_name_aliases.csv"
INSTITUTIONS_CSV = SEEDS_DIR / "customer_institutions.csv"
ORDINAL_FORMS_CSV = SEEDS_DIR / "customer_ordinal_forms.csv"
HOSPITAL_ALIASES_CSV = SEEDS_DIR / "customer_hospital_aliases.csv"

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
# Bracketed qualifiers that name a campus or branch (of one organisation, or of a chain).
BRANCH_WORDS = ("分院", "院区", "本部", "总部", "北部", "南部", "东部", "西部", "东院", "西院",
                "南院", "北院", "分公司", "分部", "门诊部", "分店", "店", "诊所")  # fmt: skip
_GENERIC_BRANCH_WORDS = ("分院", "院区", "本部", "总部", "分公司", "分部", "门诊部", "分店", "店",
                         "诊所", "公司", "连锁")  # fmt: skip
# a branch that is a member of a hospital's 医共体 / 医联体 is an institution of its own
_ALLIANCE_WORDS = ("医共体", "医联体", "健共体", "医疗共同体", "医疗集团")
# how a chain describes itself, dropped with the legal forms (老百姓大药房连锁股份有限公司)
_CHAIN_WORDS = ("连锁",)
# Generic words at the end of a name: what kind of organisation it is, not which one.
KIND_WORDS = (
    "社区卫生服务中心",
    "社区卫生服务站",
    "卫生服务站",
    "卫生室",
    "卫生所",
    "门诊部",
    "诊所",
    "眼科医院",
    "口腔医院",
    "生物医药",
    "生物工程",
    "生物传感",
    "医疗用品",
    "医用科技",
    "医疗系统",
    "大药房",
    "药房",
    "齿科",
    "生物",
    "口腔",
    "眼科",
    "控股",
    "药业",
    "制药",
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
    "中心卫生院",
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
)
_REGION_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "自治州",
                    "自治县", "地区", "省", "市", "盟", "区", "县", "旗")  # fmt: skip
# Peoples named in autonomous areas (大理白族自治州, 伊犁哈萨克自治州): such a place is called
# by the name before them (大理, 伊犁州).
_PEOPLES = tuple(
    (
        "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 "
        "哈萨克 傣 黎 傈僳 佤 畲 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 "
        "达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 "
        "乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 "
        "门巴 珞巴 基诺 高山 各"
    ).split()
)
# A place written at a level it had before or after a change (余杭市 for 余杭区, 宁乡市 for
# 宁乡县, 日喀则地区 for 日喀则市) or by its stem (大理州): the level word at its end.
_LEVEL_WORDS = ("自治州", "地区", "州", "盟", "县", "市", "区", "旗")
_COUNTY_OR_PREFECTURE = ("县", "市", "区", "地区", "旗", "盟")
# a level word alone at the start of a name (省人民医院, 市一院) stands for the record's own
# place of that level, unless it starts a word of its own (市场, 区域, 省级)
_OWN_LEVEL_WORDS = ("自治区", "自治州", "地区", "省", "市", "区", "县", "州", "盟", "旗")
_NOT_OWN_LEVEL_AFTER = tuple("域场政属级民委直辖")
# a place name followed by these is a road (北京路, 南京东路), not a place
_ROAD_AFTER = ("路", "街", "大道", "大街", "巷", "弄", "东路", "西路", "南路", "北路", "中路")
_CN_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}
_CN_NUMERALS = dict(enumerate("〇一二三四五六七八九十"))
_CN_DIGIT_VALUE = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0"}
# 第一 / 第12 of a numbered hospital, 第900 of a military one
_ORDINAL = re.compile(r"第([一二三四五六七八九十]{1,2}|\d{1,3})(?!\d)")
# a military hospital's number in Chinese digits (第九〇〇医院 -> 第900医院)
_BARE_ORDINAL = re.compile(r"(.{2,}?)([一二三四五六七八九])医院")
_CN_NUMBER3 = re.compile(r"[〇零一二三四五六七八九]{3}(?=医院)")
# a town or street (街道, 镇, 乡) and a village or neighbourhood (村, 社区) in a name
_LOCALITY = re.compile(r"(.{2,6}?)(街道|镇|乡|村|社区)")
_TOWN_LEVEL = ("街道", "镇", "乡")
_BRACKETS = re.compile(r"\(([^()]*)\)")
# The university or academy a hospital is affiliated to (复旦大学附属, 四川大学): weighed
# separately so that the shared prefix does not make 华山 and 中山 alike.
_AFFILIATION = re.compile(r"^(.*附属|.{0,8}?(?:大学|科学院))(.+医院)$")
# A campus written without brackets: 上海市第一人民医院宝山分院.
_TRAILING_CAMPUS = re.compile(
    r"^(.+(?:院|口腔|眼科|齿科|中心|药房|健康|体检))(.{1,6}?(?:分院|院区|分店|店|诊所|门诊部))$"
)
# A department written after a hospital's name or in brackets (设备科, 心内科, 医学装备部, 采购中心,
# ICU): the hospital is the customer. Not a campus, branch or an institution of its own
# (门诊部, 北部, 社区卫生服务中心, 第七医学中心).
_DEPARTMENT = re.compile(r"[^\d()第]{1,8}?(?:科室|科|部|处|中心|室|病区|办公室)|[a-z]{2,6}")
_NOT_DEPARTMENT = ("门诊部", "分部", "本部", "总部", "东部", "西部", "南部", "北部", "卫生服务",
                   "医学中心", "分院", "院区", "医院", "诊所", "药房", "店")  # fmt: skip
_HOSPITAL_THEN_REST = re.compile(r"^(.+(?:医院|卫生院|保健院))(.+)$")
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
    # a company's branch office in a named place (广东分公司), or a member of a hospital's
    # 医共体 (医共体新市分院): its own registration and customer
    branch_office: str | None = None
    # the branch qualifier without generic words, the record's own city and the way a number
    # is written: what tells one branch of a chain from another (城西分院 -> 城西; 长沙芙蓉中路店
    # filed in 长沙 -> 芙蓉中路; 第十二分店, 第012分店 -> 12; 总部, 分公司 -> None)
    specific_branch: str | None = None
    # a branch written after the company's legal form (XX股份有限公司第八十二分店): registered
    # on its own, another customer than the company
    is_establishment: bool = False
    # towns/streets and villages named in the distinctive part (良渚镇, 安溪村)
    localities: tuple[str, ...] = ()
    # named by its university alone (附属第一医院), not by a place of its own (附属北京儿童医院)
    named_by_school: bool = False
    # a second name of the hospital in brackets (湖南省人民医院(湖南师范大学附属第一医院)): the
    # record is the same customer as a record under either name
    second_name: NormalizedName | None = None

    @property
    def names(self) -> tuple[NormalizedName, ...]:
        """The name, and its second name when it has one (each without a second name)."""
        if self.second_name is None:
            return (self,)
        return (replace(self, second_name=None), self.second_name)

    @property
    def is_group(self) -> bool:
        return "集团" in self.legal_forms

    @property
    def is_named_by_place(self) -> bool:
        """Nothing but places, a kind and perhaps a number (辽阳市第二人民医院): which hospital it
        is depends on exactly which place it names."""
        return not (self.distinct or self.affiliation)

    @property
    def towns(self) -> frozenset[str]:
        """The towns and streets named, by their stem: 良渚镇 and 良渚街道 are one place before
        and after the town became a street, and so are 沿溪乡 and 沿溪镇."""
        return frozenset(_town_stem(p) for p in self.localities if p.endswith(_TOWN_LEVEL))

    @property
    def is_bare_kind(self) -> bool:
        """Nothing but places and a kind (杭州市医院, 人民医院): says which sort of organisation,
        not which one (a campus qualifier does not make it one)."""
        return not (self.distinct or self.ordinal or self.affiliation)


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
class Institution:
    """A university or medical college with affiliated hospitals (one seed row)."""

    name: str
    province: str
    city: str
    hospitals: tuple[str, ...]  # core names of its affiliated hospitals (华西, 鼓楼)
    short_forms: tuple[str, ...] = ()


@dataclass(frozen=True)
class InstitutionRules:
    full_forms: tuple[tuple[str, Institution], ...]  # official and former names, longest first
    short_forms: tuple[tuple[str, tuple[Institution, ...]], ...]  # 苏大, 川大; longest first
    ordinal_forms: tuple[re.Pattern[str], ...]  # 附{n}院 ...: the whole rest after the school


def _split_list(cell: str | None) -> list[str]:
    return [part.strip() for part in (cell or "").split("|") if part.strip()]


@cache
def institution_rules(
    institutions: Path = INSTITUTIONS_CSV, ordinal_forms: Path = ORDINAL_FORMS_CSV
) -> InstitutionRules:
    """Universities, their short forms and the ordinal forms, from the analysts' seeds."""
    full: dict[str, Institution] = {}
    short: dict[str, list[Institution]] = {}
    with institutions.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            inst = Institution(
                row["institution"], row["province"], row["city"],
                tuple(_split_list(row["affiliated_hospitals"])),
                tuple(clean_text(f) for f in _split_list(row["short_forms"])),
            )  # fmt: skip
            for form in [inst.name, *_split_list(row["other_forms"])]:
                full[clean_text(form)] = inst
            for form in _split_list(row["short_forms"]):
                short.setdefault(clean_text(form), []).append(inst)
    digit = "(?P<n>[一二三四五六七八九十]|[1-9])"
    with ordinal_forms.open(encoding="utf-8", newline="") as f:
        forms = sorted((row["form"] for row in csv.DictReader(f)), key=len, reverse=True)
    return InstitutionRules(
        full_forms=tuple(sorted(full.items(), key=lambda kv: -len(kv[0]))),
        short_forms=tuple(
            sorted(((k, tuple(v)) for k, v in short.items()), key=lambda kv: -len(kv[0]))
        ),
        ordinal_forms=tuple(
            re.compile(re.escape(form).replace(re.escape("{n}"), digit)) for form in forms
        ),
    )


@cache
def institution_home(name: str) -> frozenset[str]:
    """The province and city of a university in the seed."""
    for _, inst in institution_rules().full_forms:
        if inst.name == name:
            return frozenset({inst.province, inst.city})
    return frozenset()


@cache
def hospital_aliases(path: Path = HOSPITAL_ALIASES_CSV) -> dict[str, str]:
    """Former names, dual names, numbers and nicknames -> the official name (whole names)."""
    aliases: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            for alias in _split_list(row["alias"]):
                aliases[clean_text(alias)] = clean_text(row["official_name"])
    return aliases


def _ordinal_rest(rest: str, rules: InstitutionRules) -> tuple[bool, int | None]:
    """Whether ``rest`` is an ordinal form (附一院, 第三医院, 附属医院) and its number."""
    for form in rules.ordinal_forms:
        match = form.fullmatch(rest)
        if match:
            n = match.groupdict().get("n")
            return True, _ordinal_value(n) if n else None
    return False, None


_CORE_ORDINAL = re.compile(r"(.+?)第?([一二三四五六七八九十])(?:医院|院)")


def split_institution(
    text: str, own_places: frozenset[str] | None = None, rules: InstitutionRules | None = None
) -> tuple[str | None, str]:
    """``苏大附一院`` -> (苏州大学, 第一医院); ``川大华西`` -> (四川大学, 华西医院);
    ``南京大学医学院附属鼓楼医院`` -> (南京大学, 鼓楼医院). A short form (苏大, 中山) only counts
    when an ordinal form, 附(属) or one of the school's listed hospitals follows, and an
    ambiguous one (南大: 南京 or 南昌) only with the record's own province or city; otherwise
    (None, text)."""
    rules = rules or institution_rules()
    candidates: tuple[Institution, ...] = ()
    rest = ""
    for form, inst in rules.full_forms:
        if text.startswith(form) and len(text) > len(form):
            candidates, rest, is_short = (inst,), text[len(form) :], False
            break
    else:
        for form, insts in rules.short_forms:
            if text.startswith(form) and len(text) > len(form):
                candidates, rest, is_short = insts, text[len(form) :], True
                break
    if not candidates:
        return None, text
    is_ordinal, number = _ordinal_rest(rest, rules)
    if is_ordinal:
        canonical = f"第{_CN_NUMERALS[number]}医院" if number else "医院"
        listed = candidates
    else:
        core = re.sub(r"^附属?", "", rest)
        match = _CORE_ORDINAL.fullmatch(core)
        if match:
            core = f"{match.group(1)}第{match.group(2)}医院"
        elif not core.endswith(("医院", "中心", "院")):
            core += "医院"
        canonical = core
        listed = tuple(c for c in candidates if any(core.startswith(h) for h in c.hospitals))
        if is_short and not rest.startswith("附") and not listed:
            return None, text
        listed = listed or candidates
    if len(listed) > 1 and own_places:
        listed = tuple(c for c in listed if {c.province, c.city} & own_places)
    if len(listed) != 1:
        return None, text
    for short in listed[0].short_forms:
        # 中山大学中山眼科中心: the school's short form again is not a place (中山市)
        if canonical.startswith(short) and len(canonical) > len(short) + 1:
            canonical = canonical[len(short) :]
    return listed[0].name, canonical


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
    codes: dict[str, frozenset[str]] = field(default_factory=dict)  # official name -> adcodes
    # every place by its stem (余杭 -> 余杭区, 大理 -> 大理白族自治州, 大理市)
    stems: dict[str, frozenset[str]] = field(default_factory=dict)

    def short(self, name: str) -> str:
        for suffix in _REGION_SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                stem = name[: -len(suffix)]
                return _without_peoples(stem) if suffix.startswith("自治") else stem
        return name


def _without_peoples(stem: str) -> str:
    """大理白族 -> 大理, 海西蒙古族藏族 -> 海西, 伊犁哈萨克 -> 伊犁 (a stem of two characters or
    more is kept: 鄂伦春 stays)."""
    changed = True
    while changed:
        changed = False
        for people in _PEOPLES:
            for form in (people + "族", people) if len(people) >= 2 else (people + "族",):
                if stem.endswith(form) and len(stem) - len(form) >= 2:
                    stem = stem[: -len(form)]
                    changed = True
    return stem


@cache
def region_vocabulary() -> RegionVocabulary:
    path = resources.files("cpca").joinpath("resources/adcodes.csv")
    official: set[str] = set()
    short_to_official: dict[str, set[str]] = {}
    stems: dict[str, set[str]] = {}
    codes: dict[str, set[str]] = {}
    shortener = RegionVocabulary(frozenset(), {}, 0)
    with resources.as_file(path) as p, p.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            name, code = row["name"].strip(), row["adcode"][:6]
            if not name or name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
                continue
            official.add(name)
            codes.setdefault(name, set()).add(code)
            short = shortener.short(name)
            if short == name:
                continue
            stems.setdefault(short, set()).add(name)
            # provinces, prefecture and county-level cities are often written without 省/市
            if code.endswith("00") or name.endswith("市"):
                short_to_official.setdefault(short, set()).add(name)
    frozen_codes = {name: frozenset(c) for name, c in codes.items()}
    shorts = {
        short: _prefecture_over_its_seat(frozenset(names), frozen_codes)
        for short, names in short_to_official.items()
    }
    longest = max(len(n) for n in official | set(short_to_official))
    return RegionVocabulary(
        frozenset(official),
        shorts,
        longest,
        frozen_codes,
        {stem: frozenset(names) for stem, names in stems.items()},
    )


def _prefecture_over_its_seat(
    names: frozenset[str], codes: dict[str, frozenset[str]]
) -> frozenset[str]:
    """喀什 is 喀什地区 rather than its seat 喀什市, 大理 大理白族自治州 rather than 大理市: a short
    form shared by a prefecture and a county-level city inside it names the prefecture."""
    prefectures = {c[:4] for n in names for c in codes[n] if c[4:] == "00" and c[2:] != "0000"}
    return frozenset(
        n for n in names if not all(c[4:] != "00" and c[:4] in prefectures for c in codes[n])
    )


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
    """Half-width, simplified, lower-case Latin, ASCII brackets, no punctuation, spaces or
    invisible format characters (a zero-width space or byte-order mark copied along with a
    name from a web page or the first cell of a CSV file)."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf").casefold()
    text = text.replace("[", "(").replace("]", ")").replace("【", "(").replace("】", ")")
    text = text.replace("〔", "(").replace("〕", ")")
    if any(ord(c) > 0x2E80 for c in text):
        text = _t2s().convert(text)
    return _DROP.sub("", text)


def _within(candidates: frozenset[str], own_places: frozenset[str]) -> frozenset[str]:
    """The places a short form may stand for that are the record's own places or lie inside
    its own province (无锡 in a record of 江苏省)."""
    own_provinces = _place_levels(own_places)[0]
    return frozenset(
        c
        for c in candidates
        if c in own_places or _place_levels(frozenset({c}))[0] <= own_provinces
    )


def _other_place_heads_hospital(rest: str) -> bool:
    distinct, kind = _split_kind(rest)
    return len(distinct) >= 2 and kind.endswith(("医院", "卫生院", "保健院"))


def _place_form(
    head: str, vocab: RegionVocabulary, own_places: frozenset[str] | None
) -> frozenset[str]:
    """The places ``head`` names in a form the table lacks: a level it had before or after a
    change (余杭市, 宁乡市, 日喀则地区), an autonomous prefecture by its stem (大理州); or, for the
    record's own places only, a long prefecture by its first character (巴州, 锡盟, 乌市) or the
    own place with one character mistyped (深证市 filed in 深圳市)."""
    level = next((w for w in _LEVEL_WORDS if head.endswith(w)), None)
    if level is None:
        return frozenset()
    stem = head[: -len(level)]
    if len(stem) >= 2:
        if level in ("州", "自治州", "盟"):
            candidates = {c for c in vocab.stems.get(stem, ()) if c.endswith(level[-1])}
        else:
            candidates = {c for c in vocab.stems.get(stem, ()) if c.endswith(_COUNTY_OR_PREFECTURE)}
        candidates = _prefecture_over_its_seat(frozenset(candidates), vocab.codes)
        if own_places is not None:
            candidates = _within(candidates, own_places)
        if candidates:
            return candidates
    own = {p for p in own_places or () if p in vocab.official and p.endswith(level)}
    if len(stem) == 1 and level in ("州", "盟", "市"):
        hits = {p for p in own if p.startswith(stem) and len(vocab.short(p)) >= 3}
    else:
        hits = {p for p in own if len(p) == len(head) and sum(map(str.__ne__, p, head)) == 1}
    return frozenset(hits) if len(hits) == 1 else frozenset()


def _strip_regions(
    text: str, vocab: RegionVocabulary, own_places: frozenset[str] | None, whole: bool = False
) -> tuple[str, set[str]]:
    """Place names at the start of ``text``, repeatedly (浙江省杭州市...), removed; returned
    as official names (a short form as the record's own place of that name, else every place
    it may stand for; see ``_place_form`` for the forms the table lacks). A place name before
    路 or 街 is a road (北京路). Unless ``whole``, a name is never reduced to nothing (上海市
    alone stays a name)."""
    found: set[str] = set()
    changed = True
    while changed and text:
        changed = False
        sizes = range(min(vocab.longest, len(text) - (0 if whole else 1)), 1, -1)
        for size in sizes:
            head = text[:size]
            if text.startswith(_ROAD_AFTER, size):
                continue
            level = next((w for w in _LEVEL_WORDS if text.startswith(w, size)), "")
            if head in vocab.official:
                found.add(head)
            elif level and (longer := _place_form(head + level, vocab, own_places)):
                found |= longer  # 即墨区 (即墨市 in the table), not 即墨 and a stray 区
                size += len(level)
            elif head in vocab.short_to_official:
                candidates = vocab.short_to_official[head]
                if own_places is not None and not _within(candidates, own_places):
                    # another place's short name: a brand (泰和医疗器械), unless it heads a
                    # hospital's name that has its own core (北京协和医院 filed in 武汉)
                    if not _other_place_heads_hospital(text[size:]):
                        continue
                elif own_places is not None:
                    candidates = _within(candidates, own_places)
                found |= candidates
            else:
                continue
            text = text[size:]
            changed = True
            break
        else:
            for size in sizes:
                places = () if text.startswith(_ROAD_AFTER, size) else _place_form(
                    text[:size], vocab, own_places
                )  # fmt: skip
                if places:
                    found |= places
                    text = text[size:]
                    changed = True
                    break
    return text, found


def _own_level_word(text: str, vocab: RegionVocabulary, own_places: frozenset[str]) -> str:
    """省人民医院 filed in 湖南省 -> 湖南省人民医院, 市一院 filed in 郑州市 -> 郑州市一院: a name
    that starts with a level word alone names the record's own place of that level (a
    prefecture before a county-level city for 市)."""
    word = next((w for w in _OWN_LEVEL_WORDS if text.startswith(w)), None)
    if word is None or len(text) == len(word) or text.startswith(_NOT_OWN_LEVEL_AFTER, len(word)):
        return text
    if any(text[:size] in vocab.official for size in range(2, min(len(text), vocab.longest) + 1)):
        return text  # 市中区人民医院: a place of its own
    own = sorted(
        (
            p
            for p in own_places
            if p in vocab.official and p.endswith(word) and not p.endswith("自治" + word)
        ),
        key=lambda p: min(c[4:] != "00" for c in vocab.codes[p]),
    )
    return own[0] + text[len(word) :] if own else text


def _strip_legal_forms(text: str, whole: bool = False) -> tuple[str, list[str]]:
    forms: list[str] = []
    changed = True
    while changed:
        changed = False
        for form in LEGAL_FORMS + _CHAIN_WORDS:
            if text.endswith(form) and (whole or len(text) > len(form)):
                forms.append(form)
                text = text[: -len(form)]
                changed = True
                break
    return text, forms


_CN_NUMBER = re.compile(r"第?([〇零一二三四五六七八九十百]+|\d+)号?")


def _number_value(text: str) -> int:
    """十二 -> 12, 八十二 -> 82, 一百零八 -> 108, 018 -> 18."""
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for c in text:
        if c in "十百":
            total += (digit or 1) * (10 if c == "十" else 100)
            digit = 0
        else:
            digit = 0 if c in "〇零" else _CN_DIGITS[c]
    return total + digit


def _specific_branch(
    branch: str | None, vocab: RegionVocabulary, own_places: frozenset[str] | None
) -> str | None:
    if not branch:
        return None
    for place in sorted(own_places or (), key=len, reverse=True):
        codes = vocab.codes.get(place, ())
        if any(c[4:] == "00" for c in codes):  # the own province or city, not a district
            for form in (place, vocab.short(place)):
                if branch.startswith(form) and len(branch) > len(form):
                    branch = branch[len(form) :]
    for word in sorted(_GENERIC_BRANCH_WORDS, key=len, reverse=True):
        branch = branch.replace(word, "")
    branch = _CN_NUMBER.sub(lambda m: str(_number_value(m.group(1))), branch)
    return branch or None


def _town_stem(name: str) -> str:
    for level in _TOWN_LEVEL:
        if name.endswith(level) and len(name) - len(level) >= 2:
            return name[: -len(level)]
    return name


def _is_department(text: str) -> bool:
    return bool(_DEPARTMENT.fullmatch(text)) and not any(w in text for w in _NOT_DEPARTMENT)


def _without_department(text: str) -> str:
    """``浙江省人民医院设备科`` -> ``浙江省人民医院``."""
    match = _HOSPITAL_THEN_REST.match(text)
    return match.group(1) if match and _is_department(match.group(2)) else text


def _without_trailing_campus(text: str, branch_parts: list[str], regions: set[str]) -> str:
    """``上海市第一人民医院宝山分院`` -> ``上海市第一人民医院``; the campus goes to
    ``branch_parts`` and the places it names to ``regions``."""
    campus = _TRAILING_CAMPUS.match(text)
    if not campus:
        return text
    branch_parts.append(campus.group(2))
    regions |= _strip_regions(campus.group(2), region_vocabulary(), None, whole=True)[1]
    return campus.group(1)


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
    second_names: list[str] = []
    for inner in _BRACKETS.findall(text):
        if len(inner) > 4 and inner.endswith(("医院", "医学院", "保健院", "卫生院")):
            second_names.append(inner.removeprefix("原"))  # a dual or former name
            continue
        if _is_department(inner):
            continue
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
    if own_places:
        outside = _own_level_word(outside, vocab, own_places)
    outside = _without_department(outside)
    outside = _without_trailing_campus(outside, branch_parts, regions)  # 浙大一院之江院区
    outside = hospital_aliases().get(outside, outside)
    outside = _CN_NUMBER3.sub(lambda m: "".join(_CN_DIGIT_VALUE[c] for c in m.group()), outside)
    institution, outside = split_institution(outside, own_places)
    for rule in load_alias_rules() if aliases is None else aliases:
        outside = rule.pattern.sub(rule.replacement, outside)
    if institution is None:  # a rule may have spelled the school out (浙江医附一院)
        institution, outside = split_institution(outside, own_places)
    school_only = False
    for token in COUNTRY_TOKENS:
        outside = outside.removeprefix(token)
    outside, tail = _split_branch_tail(outside)
    is_establishment = False
    if tail:
        is_establishment = _specific_branch(tail, vocab, own_places) is not None
        _, tail_places = _strip_regions(tail, vocab, None, whole=True)
        regions |= tail_places
        branch_parts.append(tail)
        if "分公司" in tail and tail_places:
            branch_office = "".join(sorted(tail_places))
    outside, places = _strip_regions(outside, vocab, own_places)
    regions |= places
    if institution and not places:
        # 哈尔滨医科大学附属第一医院: the school names the hospital and its place
        school_only = True
        regions |= institution_home(institution)
    outside, legal_forms = _strip_legal_forms(outside)
    if legal_forms and legal_forms[0] == "分公司":
        branch_parts.append("分公司")
    outside = _without_trailing_campus(outside, branch_parts, regions)
    core = outside + "".join(kept)

    ordinal = None
    match = _ORDINAL.search(core)
    if match:
        ordinal = _ordinal_value(match.group(1))
        core = core[: match.start()] + core[match.end() :]
    else:
        match = _BARE_ORDINAL.fullmatch(core)  # 湘雅二医院: the number without 第
        if match:
            ordinal = _ordinal_value(match.group(2))
            core = match.group(1) + "医院"
    affiliation = institution
    match = None if institution else _AFFILIATION.match(core)
    if match:
        affiliation = match.group(1)
        core, places = _strip_regions(match.group(2), vocab, own_places)
        regions |= places
    branch = "".join(branch_parts) or None
    specific_branch = _specific_branch(branch, vocab, own_places)
    if branch and any(word in branch for word in _ALLIANCE_WORDS):
        branch_office = specific_branch  # 医共体新市分院: a member hospital, not a campus
    distinct, kind = _split_kind(core)
    localities = tuple(a + b for a, b in _LOCALITY.findall(distinct))
    if localities and distinct.endswith(localities[-1]):
        distinct = distinct[: -len(localities[-1])] + _town_stem(localities[-1])  # 良渚镇卫生院
    return NormalizedName(
        text=text,
        core=core,
        distinct=distinct,
        kind=kind,
        ordinal=ordinal,
        affiliation=affiliation,
        regions=frozenset(regions),
        legal_forms=tuple(legal_forms),
        branch=branch,
        branch_office=branch_office,
        specific_branch=specific_branch,
        is_establishment=is_establishment,
        second_name=normalize_name(second_names[0], own_places, aliases) if second_names else None,
        localities=localities,
        named_by_school=school_only,
    )


@cache
def _place_levels(places: frozenset[str]) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Province, city and district codes the places stand for; a district implies its city
    and province, a city its province (a name of several places counts all of them)."""
    vocab = region_vocabulary()
    provinces: set[str] = set()
    cities: set[str] = set()
    districts: set[str] = set()
    for place in places:
        for code in vocab.codes.get(place, ()):
            provinces.add(code[:2])
            if code[:2] in _MUNICIPALITIES:
                cities.add(code[:2])
            elif code[2:] != "0000":
                cities.add(code[:4])
            if code[4:] != "00":
                districts.add(code)
    return frozenset(provinces), frozenset(cities), frozenset(districts)


_MUNICIPALITIES = ("11", "12", "31", "50")


def regions_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both names carry place names that cannot be the same place: different provinces,
    cities or districts (杭州市西湖区 vs 杭州市上城区: the shared city does not make them agree;
    上城区 vs 宁波市: the district lies in another city). A name that adds a place to the
    other's (上海市 vs 上海市徐汇区) agrees, and so does an ambiguous name (鼓楼区, of four cities)
    that shares one reading. A name without places contradicts nothing."""
    if not a or not b:
        return False
    levels = zip(_place_levels(a), _place_levels(b), strict=True)
    return any(x and y and not x & y for x, y in levels)


def finest_place(places: frozenset[str]) -> tuple[int, frozenset[str]]:
    """The most precise level the places name (0 none, 1 province, 2 city, 3 district) and its
    codes: a bare-kind name (杭州市医院) is only the hospital of exactly that place."""
    levels = _place_levels(places)
    for depth in (2, 1, 0):
        if levels[depth]:
            return depth + 1, frozenset(levels[depth])
    return 0, frozenset()


def with_own_places(name: NormalizedName, province: str | None, city: str | None) -> frozenset[str]:
    """The name's places completed by the record's province and city where the name names
    none: a place inside the name counts against the record's (北京协和医院 filed in 武汉). A
    name made of a province and a kind (浙江省中医院) is the province's hospital, not the
    city's where the record stands (杭州市中医院 is another hospital)."""
    provinces, cities, _ = _place_levels(name.regions)
    added = set(name.regions)
    if province and not provinces:
        added.add(province)
    if name.is_named_by_place and provinces:
        return frozenset(added)
    if city and not cities and (not provinces or _place_levels(frozenset({city}))[0] & provinces):
        added.add(city)
    return frozenset(added)
