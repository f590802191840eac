"""The address parser on kinds of addresses the hospital list does not hold: no province or
city in the text (the record's columns give them), autonomous areas and their short forms,
county-level cities, 直辖市 counties, zones that are not districts, renamed and merged places,
postcodes, floors and rooms, the hospital's name in the address, English, traditional
characters, Hong Kong / Macao / Taiwan, townships, district names several cities share, and
stray spaces.

`tests/data/geo_address_variants.csv` holds them, written here from public knowledge: the
expected province / city / district as the gazetteer (cpca's table, about 2017) names them
(blank: not judged, `-`: must stay blank) and the place's approximate WGS-84 coordinate (within
its district).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from test_travel_geo import haversine_km

from medops.geo.address import gazetteer, parse_address

VARIANTS_CSV = Path(__file__).resolve().parent / "data" / "geo_address_variants.csv"


def read_variants() -> list[dict[str, str]]:
    with VARIANTS_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def levels_right(row: dict[str, str]) -> bool:
    parsed = parse_address(row["address"], row["province"] or None, row["city"] or None)
    for level in ("province", "city", "district"):
        expected, got = row[f"expected_{level}"], getattr(parsed, level)
        if expected and got != (None if expected == "-" else expected):
            return False
    return True


def test_parsing_accuracy_on_real_style_address_variants():
    """Share of addresses parsed to the right province, city and district, and the error of
    the location from the address alone; printed per kind."""
    rows = read_variants()
    assert len(rows) >= 150
    errors, right_by_kind = [], {}
    for row in rows:
        parsed = parse_address(row["address"], row["province"] or None, row["city"] or None)
        truth = float(row["longitude_wgs84"]), float(row["latitude_wgs84"])
        located = parsed.longitude is not None
        errors.append(haversine_km(parsed.longitude, parsed.latitude, *truth) if located else 1e9)
        right, total = right_by_kind.get(row["kind"], (0, 0))
        right_by_kind[row["kind"]] = (right + levels_right(row), total + 1)
    share = sum(r for r, _ in right_by_kind.values()) / len(rows)
    errors.sort()
    median, p90 = errors[len(errors) // 2], errors[int(0.9 * len(errors))]
    kinds = ", ".join(f"{kind} {r}/{n}" for kind, (r, n) in right_by_kind.items())
    print(f"{len(rows)} address variants: all levels right {share:.3f} ({kinds}); "
          f"error median {median:.2f} km, p90 {p90:.1f} km")  # fmt: skip
    assert share >= 0.95
    assert median < 3
    assert p90 < 25


@pytest.mark.parametrize(
    ("address", "record", "expected"),
    [
        # the record's columns choose among namesakes; full or short names
        ("鼓楼区东街134号", ("福建省", "福州市"), ("福建省", "福州市", "鼓楼区")),
        ("鼓楼区中山路321号", (None, "南京"), ("江苏省", "南京市", "鼓楼区")),
        ("拱墅区半山东路1号", ("浙江", "杭州"), ("浙江省", "杭州市", "拱墅区")),
        # the city both in the column and in the text: read past it, so its name does not
        # start a county's (长沙 of 长沙县)
        ("长沙市雨花区韶山南路161号", ("湖南省", "长沙市"), ("湖南省", "长沙市", "雨花区")),
        # nothing above the district: one unique in the country, never a guess among namesakes
        ("海淀区中关村大街", (None, None), ("北京市", "北京市", "海淀区")),
        ("余姚市阳明西路800号", (None, None), ("浙江省", "宁波市", "余姚市")),
        ("鼓楼区中山路321号", (None, None), (None, None, None)),
        # a county written without its city, in its province
        ("浙江省景宁县", (None, None), ("浙江省", "丽水市", "景宁畲族自治县")),
        ("海南省陵水县", (None, None), ("海南省", "陵水黎族自治县", "陵水黎族自治县")),
        ("广东省增城市荔城街道", (None, None), ("广东省", "广州市", "增城区")),
        # autonomous areas by their short forms; 海南州 and 吉林市 are not the provinces
        ("阿坝州汶川县威州镇", ("四川省", None), ("四川省", "阿坝藏族羌族自治州", "汶川县")),
        ("海南州共和县恰卜恰镇", (None, None), ("青海省", "海南藏族自治州", "共和县")),
        ("重庆市石柱县", (None, None), ("重庆市", "重庆市", "石柱土家族自治县")),
        ("吉林市昌邑区", (None, None), ("吉林省", "吉林市", "昌邑区")),
        # 大理市 is the county-level city, not the prefecture's short name
        ("大理大学第一附属医院 云南省大理市嘉士伯大道32号", (None, None),
         ("云南省", "大理白族自治州", "大理市")),
        # renamed under another suffix (梁平县 is now 梁平区) and renamed outright (the seed)
        ("重庆市梁平区", (None, None), ("重庆市", "重庆市", "梁平县")),
        ("上海市闸北区延长中路301号", (None, None), ("上海市", "上海市", "静安区")),
        ("湖北省襄樊市樊城区", (None, None), ("湖北省", "襄阳市", "樊城区")),
        ("济南市莱芜区", (None, None), ("山东省", "莱芜市", "莱城区")),
        # a county the table files under another city of the province (公主岭: 四平 -> 长春)
        ("吉林省长春市公主岭市", (None, None), ("吉林省", "四平市", "公主岭市")),
        # traditional characters, and a name the conversion changes (乾县 folds to 干县)
        ("廣東省廣州市越秀區中山二路58號", (None, None), ("广东省", "广州市", "越秀区")),
        ("陕西省咸阳市乾县", (None, None), ("陕西省", "咸阳市", "乾县")),
        # Hong Kong, Macao, Taiwan: the region only (the table has nothing finer), never a
        # mainland place that shares a name (台北市中山区 is not 中山市)
        ("台湾省台北市中山区中山北路二段92号", (None, None), ("台湾省", None, None)),
        ("香港九龍窩打老道25號", (None, None), ("香港特别行政区", None, None)),
        # a postcode in front
        ("(310003)浙江省杭州市上城区庆春路79号", (None, None), ("浙江省", "杭州市", "上城区")),
        # English, read by the places' pinyin; the province tells namesakes apart
        ("No. 1 Shuaifuyuan, Dongcheng District, Beijing 100730", (None, None),
         ("北京市", "北京市", "东城区")),
        ("Chaoyang District, Changchun, Jilin Province", (None, None),
         ("吉林省", "长春市", "朝阳区")),
        ("No. 85 Jiefang South Road, Yingze District, Taiyuan, Shanxi", (None, None),
         ("山西省", "太原市", "迎泽区")),
        ("No. 277 Yanta West Road, Xi'an, Shaanxi 710061", (None, None),
         ("陕西省", "西安市", None)),
        ("Kunshan, Jiangsu", (None, None), ("江苏省", "苏州市", "昆山市")),
        ("Jinghong, Xishuangbanna Dai Autonomous Prefecture, Yunnan", (None, None),
         ("云南省", "西双版纳傣族自治州", "景洪市")),
        ("102 Pok Fu Lam Road, Hong Kong", (None, None), ("香港特别行政区", None, None)),
    ],
)  # fmt: skip
def test_address_places(address, record, expected):
    parsed = parse_address(address, *record)
    assert (parsed.province, parsed.city, parsed.district) == expected


def test_a_zone_name_is_not_read_as_a_district_inside_it():
    # 雄安新区 holds the characters of 安新区 (安新县 under its new suffix)
    parsed = parse_address("河北省雄安新区容城县")
    assert (parsed.city, parsed.district, parsed.zone) == ("保定市", "容城县", "雄安新区")
    zone = parse_address("河北雄安新区容东片区")
    assert (zone.city, zone.district, zone.precision) == ("保定市", None, "zone")


def test_the_records_district_column_is_read():
    parsed = parse_address("解放大道1277号", "湖北省", "武汉市", "江汉区")
    assert (parsed.district, parsed.precision) == ("江汉区", "district")
    assert parse_address("商城大道N1号", "浙江省", None, "义乌市").city == "金华市"


def test_every_place_has_a_romanized_spelling_and_namesakes_stay_apart():
    """seeds/geo_place_pinyin.csv (python -m medops.geo.pinyin, with pypinyin installed)."""
    gaz = gazetteer()
    spelled = {p.adcode for places in gaz.romanized.values() for p in places}
    assert spelled == set(gaz.places)
    provinces = {
        key: {p.province for p in places if p.level == "province"}
        for key, places in gaz.romanized.items()
    }
    assert provinces["shanxi"] == {"山西省"}  # 陕西 is Shaanxi
    assert provinces["shaanxi"] == {"陕西省"}
    assert provinces["tibet"] == provinces["xizang"] == {"西藏自治区"}
    # a character read two ways in place names (朝阳 chaoyang, 长宁 changning) keeps both
    assert {"北京市", "吉林省", "辽宁省"} <= {p.province for p in gaz.romanized["chaoyang"]}
    assert "长宁区" in {p.district for p in gaz.romanized["changning"]}
    assert "阿坝藏族羌族自治州" in {p.city for p in gaz.romanized["aba"]}
