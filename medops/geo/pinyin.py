"""Build `seeds/geo_place_pinyin.csv`: the romanized names of every province, city and district
of `seeds/geo_gazetteer.csv`, so that an address written in English (No. 1 Shuaifuyuan,
Dongcheng District, Beijing) is read as the Chinese one.

One row per place and spelling: the pinyin of the name without its suffix (and without the
peoples of an autonomous area: 阿坝藏族羌族自治州 -> aba), lower case, without
tones, spaces or apostrophes (东城区 -> dongcheng, 西安市 -> xian), every reading of a
character that has several (长宁 -> changning and zhangning: which one a place name uses is not
always the usual one), and the English names in use where they are not the pinyin (Harbin,
Tibet, Hong Kong; Shaanxi for 陕西, so that it is not 山西's Shanxi).

Run `python -m medops.geo.pinyin` (with pypinyin installed, `pip install pypinyin`) after
regenerating the gazetteer; the seed is committed so that pypinyin is not a dependency.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import polars as pl

from medops.geo.address import place_stem

GAZETTEER_PATH = Path(__file__).resolve().parents[2] / "seeds" / "geo_gazetteer.csv"
SEED_PATH = GAZETTEER_PATH.with_name("geo_place_pinyin.csv")
# English names in use besides the pinyin
ENGLISH_NAMES = {
    "内蒙古自治区": ("innermongolia", "neimongol"),
    "西藏自治区": ("tibet",),
    "香港特别行政区": ("hongkong",),
    "澳门特别行政区": ("macau", "macao"),
    "哈尔滨市": ("harbin",),
    "呼和浩特市": ("hohhot",),
    "乌鲁木齐市": ("urumqi",),
    "喀什地区": ("kashgar",),
}
# spellings used instead of the pinyin, which another place shares
SPELLED_INSTEAD = {"陕西省": ("shaanxi",)}
MAX_READINGS = 16  # a name whose characters have more readings keeps the first ones


def spellings(name: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin, pinyin

    if name in SPELLED_INSTEAD:
        return list(SPELLED_INSTEAD[name])
    stem = place_stem(name)
    usual = "".join(lazy_pinyin(stem))
    readings = pinyin(stem, style=Style.NORMAL, heteronym=True)
    combinations = itertools.islice(itertools.product(*readings), MAX_READINGS)
    found = [usual, *("".join(c) for c in combinations), *ENGLISH_NAMES.get(name, ())]
    return list(dict.fromkeys(s for s in found if s.isascii() and s.isalpha()))


def write_seed(path: Path = SEED_PATH) -> int:
    places = pl.read_csv(GAZETTEER_PATH, infer_schema=False)
    rows = [
        {"adcode": place["adcode"], "pinyin": spelling}
        for place in places.iter_rows(named=True)
        for spelling in spellings(place["district"] or place["city"] or place["province"])
    ]
    seed = pl.DataFrame(rows, schema={"adcode": pl.String, "pinyin": pl.String})
    seed.write_csv(path)
    return seed.height


if __name__ == "__main__":
    sys.stdout.write(f"{write_seed()} spellings written to {SEED_PATH}\n")
