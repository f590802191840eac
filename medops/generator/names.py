"""Small pools of names (people, streets, brands) that the generators sample from with numpy."""

from __future__ import annotations

import numpy as np
from faker.providers.person.zh_CN import Provider as PersonProvider

# Characters outside GBK (CJK extension A/B). GB18030 encodes them in four bytes; a reader that
# assumes GBK breaks on them, which is exactly what real exports do to naive pipelines.
RARE_GIVEN_NAMES = ["𠇔", "䶮", "㛃", "𡒄", "䓖", "喆"]

EXTRA_GIVEN_CHARS = list(
    "文晓海建国丽静敏婷雪琳慧颖欣悦子轩梓涵一诺浩然思远嘉怡雨桐秀英桂兰玉梅志强"
)

STREET_ROOTS = list(
    "人民 解放 中山 建设 和平 新华 胜利 文化 长江 黄河 青年 光明 朝阳 东风 迎宾 学院 环城 "
    "滨江 世纪 科技 民主 复兴 南京 北京 延安 江南 湖滨 西湖 金融 健康 振兴 团结 幸福 育才 "
    "锦绣 长安 望江 天府 红旗 兴业".split()
)
STREET_SUFFIX = ["路", "路", "街", "大道", "东路", "西路", "南路", "北路", "中路"]

# Brand words used in company, distributor and group names.
BRAND_FIRST = list("瑞康华恒仁安泰和博美联健德信永益嘉明宏盛佳润达远汇鑫睿卓")
BRAND_SECOND = list("慈宁康泰和源达信诚达安华瑞邦盛科医欣宇辰澜凯")

# Simplified -> traditional for the characters that occur in account names; one of the
# real-world name variants of a duplicated customer.
TRADITIONAL = str.maketrans(
    {
        "医": "醫",
        "疗": "療",
        "东": "東",
        "门": "門",
        "广": "廣",
        "华": "華",
        "体": "體",
        "检": "檢",
        "国": "國",
        "区": "區",
        "县": "縣",
        "协": "協",
        "学": "學",
        "属": "屬",
        "团": "團",
        "药": "藥",
        "庆": "慶",
        "阳": "陽",
        "汉": "漢",
        "苏": "蘇",
        "龙": "龍",
        "乐": "樂",
        "宁": "寧",
        "济": "濟",
        "银": "銀",
        "儿": "兒",
        "妇": "婦",
        "万": "萬",
        "汇": "匯",
        "达": "達",
        "远": "遠",
        "联": "聯",
        "卫": "衛",
        "务": "務",
    }
)

CN_DIGITS = "零一二三四五六七八九十"


def cn_number(n: int) -> str:
    """1..99 as Chinese numerals (一, 十二, 二十三 ...)."""
    if n <= 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "十" if tens == 1 else CN_DIGITS[tens] + "十"
    return head + (CN_DIGITS[ones] if ones else "")


def to_full_width(text: str) -> str:
    """ASCII letters, digits and brackets as their full-width forms (ＡＢＣ１２３, （）)."""
    out = []
    for ch in text:
        o = ord(ch)
        if ch == "(":
            out.append("（")
        elif ch == ")":
            out.append("）")
        elif 0x21 <= o <= 0x7E and ch.isalnum():
            out.append(chr(o + 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)


def person_names(rng: np.random.Generator, n: int, rare_share: float = 0.0) -> np.ndarray:
    """n Chinese personal names; a share of them use a character outside GBK."""
    surnames = list(PersonProvider.last_names.keys())
    weights = np.array(list(PersonProvider.last_names.values()), dtype=float)
    given_pool = list(PersonProvider.first_names) + EXTRA_GIVEN_CHARS
    sur = np.array(surnames)[rng.choice(len(surnames), n, p=weights / weights.sum())]
    g1 = np.array(given_pool)[rng.integers(0, len(given_pool), n)]
    g2 = np.array(given_pool)[rng.integers(0, len(given_pool), n)]
    # Two-character given names are the norm; pool entries may already be two characters.
    two_char = (rng.random(n) < 0.7) & (np.char.str_len(g1) == 1) & (np.char.str_len(g2) == 1)
    given = np.where(two_char, np.char.add(g1, g2), g1)
    if rare_share > 0:
        rare = rng.random(n) < rare_share
        rare_chars = np.array(RARE_GIVEN_NAMES)[rng.integers(0, len(RARE_GIVEN_NAMES), n)]
        given = np.where(rare, np.char.add(g1, rare_chars), given)
    return np.char.add(sur, given).astype(object)


def street_addresses(rng: np.random.Generator, n: int) -> np.ndarray:
    roots = np.array(STREET_ROOTS)[rng.integers(0, len(STREET_ROOTS), n)]
    suffix = np.array(STREET_SUFFIX)[rng.integers(0, len(STREET_SUFFIX), n)]
    number = rng.integers(1, 999, n).astype(str)
    return np.char.add(np.char.add(np.char.add(roots, suffix), number), "号").astype(object)


def brands(rng: np.random.Generator, n: int) -> np.ndarray:
    a = np.array(BRAND_FIRST)[rng.integers(0, len(BRAND_FIRST), n)]
    b = np.array(BRAND_SECOND)[rng.integers(0, len(BRAND_SECOND), n)]
    return np.char.add(a, b).astype(object)


def mobiles(rng: np.random.Generator, n: int) -> np.ndarray:
    """Mainland mobile numbers 1[3-9]x xxxx xxxx as text."""
    second = rng.integers(3, 10, n)
    rest = rng.integers(0, 10**9, n)
    return np.array([f"1{s}{r:09d}" for s, r in zip(second, rest, strict=True)], dtype=object)


_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(prefix: str, region6: str, body9: str) -> str:
    """18-character unified social credit code with a valid GB 32100-2015 check character."""
    first17 = prefix + region6 + body9
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    check = (31 - total % 31) % 31
    return first17 + _CREDIT_CHARS[check]


def credit_bodies(rng: np.random.Generator, n: int) -> list[str]:
    chars = np.array(list(_CREDIT_CHARS))
    idx = rng.integers(0, len(chars), (n, 9))
    idx[:, :2] = rng.integers(0, 10, (n, 2))  # organisation codes usually start with digits
    return ["".join(row) for row in chars[idx]]
