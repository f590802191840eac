"""Chinese addresses parsed into province / city / district / township / road / number, and
located at the finest place that has a coordinate.

Rules on the committed gazetteers, nothing downloaded (no address-parsing package ships
township coordinates; see docs/travel.md, geocoding):

- province, city and district from `seeds/geo_gazetteer.csv` (cpca's adcode table, about 2017),
  by full name or short form (浙江, 杭州, 西湖 for 西湖区; a short district name only when no
  road or landmark word follows it: 西湖大道 is a road, not 西湖区; an autonomous area by its
  usual short form: 阿坝州, 石柱县), under the record's own province and city when the export
  gives them, and in traditional characters too (廣州市越秀區);
- names the table does not know (`seeds/geo_place_aliases.csv`, analyst-editable): places
  renamed or merged (闸北区 -> 静安区, 襄樊市 -> 襄阳市), districts newer than the table located
  at their predecessor (济南市莱芜区 -> the table's 莱芜市莱城区), usual abbreviations (巴州);
- development zones and districts newer than the table with a centre of their own
  (`seeds/geo_development_zones.csv`: 高新区, 工业园区, 雄安新区, 钱塘区 ...), with their host
  district;
- townships (街道, 镇, 乡) from `seeds/geo_townships.csv`, which place an address that names no
  district in the district of its township (文新街道 -> 西湖区);
- an address that names no city: a county, county-level city or zone unique in its province
  (浙江省义乌市, 河北省雄安新区); one that names no province either: a district unique in the
  country (海淀区, 余姚市), never a guess among namesakes (鼓楼区 is in four cities);
- an address in English by the places' romanized names (`seeds/geo_place_pinyin.csv`: No. 1
  Shuaifuyuan, Dongcheng District, Beijing is read as 北京市东城区);
- the road (路, 街, 大道, 巷 ...) and house number.

`precision` says how the location was found: ``zone`` (a development zone's own centre),
``district``, ``city``, ``province`` or ``none``; the township and road are kept as parsed
fields (the location of an address with a township is still its district's centre).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from opencc import OpenCC

from medops.geo.coords import gcj02_to_wgs84
from medops.settings import REPO_ROOT

SEEDS_DIR = REPO_ROOT / "seeds"
_PLACE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区",
                   "自治州", "自治县", "新区", "地区", "林区", "省", "市", "区", "县", "旗",
                   "盟")  # fmt: skip
# the peoples named in autonomous areas' names (阿坝藏族羌族自治州 is written 阿坝州 or 阿坝)
_PEOPLES = ("藏族", "羌族", "彝族", "傣族", "白族", "哈尼族", "景颇族", "傈僳族", "苗族", "侗族",
            "布依族", "土家族", "朝鲜族", "回族", "蒙古族", "蒙古", "哈萨克族", "哈萨克",
            "柯尔克孜族", "柯尔克孜", "壮族", "瑶族", "黎族", "畲族", "仡佬族", "水族", "纳西族",
            "拉祜族", "佤族", "独龙族", "怒族", "普米族", "撒拉族", "土族", "保安族", "东乡族",
            "裕固族", "达斡尔族", "鄂温克族", "满族", "锡伯", "塔吉克", "维吾尔", "布朗族",
            "毛南族", "仫佬族", "阿昌族", "德昂族", "基诺族", "各族")  # fmt: skip
_AUTONOMOUS = re.compile(
    "^(.+?)(?:" + "|".join(sorted(_PEOPLES, key=len, reverse=True)) + ")+自治(州|县|旗)$"
)
# words after a short district name that make it part of a road or landmark (西湖大道)
_NOT_A_PLACE_AFTER = ("大道", "路", "街", "大街", "巷", "弄", "道", "桥", "广场", "公园", "大厦",
                      "中路", "东路", "西路", "南路", "北路", "宾馆", "饭店", "商场", "医院",
                      "大学")  # fmt: skip
# a short name followed by one of these is another place: 吉林市 is not the province 吉林,
# 大理市 not the prefecture 大理 (大理白族自治州)
_PLACE_WORDS = ("市", "州", "县", "区", "旗", "盟")
# the same place under another suffix, the usual renaming (撤县设区, 撤市设区, 县改市: 梁平县 is
# now 梁平区, 增城市 增城区; 那曲地区 became 那曲市)
_DISTRICT_RENAMES = {"区": ("县", "市"), "县": ("区", "市"), "市": ("区", "县")}
_CITY_RENAMES = {"地区": ("市",)}
_ROAD = re.compile(
    r"([\u4e00-\u9fff\d]{1,10}?(?:大道|大街|胡同|路|街|巷|弄|道|里))(?:(\d+(?:-\d+)?)号)?"
)
_NUMBER = re.compile(r"(\d+(?:-\d+)?)号")
# a postcode written before the address: 200025 上海市…, (310003)浙江省…, 邮编:430022 …
_LEADING_POSTCODE = re.compile(r"^(?:邮编|邮政编码)?[:：]?[(（]?\d{6}[)）]?")
_TO_SIMPLIFIED = OpenCC("t2s")


@dataclass(frozen=True)
class Place:
    adcode: str
    level: str  # province | city | district
    province: str
    city: str | None
    district: str | None
    longitude: float  # WGS-84
    latitude: float


@dataclass(frozen=True)
class Name:
    """One way an address writes a place: its full name, a short form or an alias."""

    text: str  # folded (simplified characters)
    place: Place
    suffixed: bool  # ends in a place word (西湖区, 阿坝州, 闸北区), unlike a bare short form
    renamed: bool = False  # the name under another suffix (梁平区 for the table's 梁平县)


@dataclass(frozen=True)
class Zone:
    names: tuple[str, ...]
    folded: tuple[str, ...]
    province: str
    city: str
    district: Place | None
    longitude: float | None
    latitude: float | None


@dataclass(frozen=True)
class ParsedAddress:
    province: str | None
    city: str | None
    district: str | None
    zone: str | None
    township: str | None
    road: str | None
    number: str | None
    adcode: str | None
    precision: str  # zone | district | city | province | none
    longitude: float | None  # WGS-84
    latitude: float | None


def short_place_name(name: str) -> str:
    for suffix in _PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def place_stem(name: str) -> str:
    """The name without what kind of place it is: 西湖 for 西湖区, 阿坝 for 阿坝藏族羌族自治州."""
    autonomous = _AUTONOMOUS.match(name)
    return autonomous.group(1) if autonomous else short_place_name(name)


def _fold(text: str) -> str:
    """One form for addresses and names alike: full-width to half-width, traditional to
    simplified characters. Names go through it too, so a name the conversion changes (乾县
    becomes 干县) still matches itself."""
    return _TO_SIMPLIFIED.convert(unicodedata.normalize("NFKC", text or ""))


def _name_forms(
    place: Place, full: str, renames: dict[str, tuple[str, ...]] | None = None
) -> list[Name]:
    """The full name, an autonomous area's short forms (阿坝州 and 阿坝, 石柱县 and 石柱) or the
    name without its suffix (西湖 for 西湖区) when two characters or more remain, and the name
    under the suffixes ``renames`` gives for its own (梁平区 for 梁平县)."""
    names = [Name(_fold(full), place, True)]
    stem = place_stem(full)
    autonomous = _AUTONOMOUS.match(full)
    if autonomous:
        names.append(Name(_fold(stem + autonomous.group(2)), place, True))
    elif len(stem) >= 2:
        for suffix in (renames or {}).get(full[len(stem) :], ()):
            names.append(Name(_fold(stem + suffix), place, True, renamed=True))
    if stem != full and len(stem) >= 2:
        names.append(Name(_fold(stem), place, False))
    return names


def _without_clashing_renames(names: list[Name]) -> list[Name]:
    """A renamed form only where no place bears that name itself (朝阳县 of 辽宁 is not a
    renamed 朝阳区)."""
    own = {n.text for n in names if not n.renamed}
    return [n for n in names if not n.renamed or n.text not in own]


@dataclass(frozen=True)
class Gazetteer:
    places: dict[str, Place]  # adcode -> place
    provinces: list[Name]  # full and short names of the provinces
    municipal_cities: dict[str, Place]  # municipality -> its own city row
    city_rows: dict[tuple[str, str], Place]  # (province, city) -> the city's row
    cities: dict[str, list[Name]]  # province -> names of its cities, aliases included
    districts: dict[tuple[str, str], list[Name]]  # (province, city) -> names of its districts
    province_districts: dict[str, list[Name]]  # province -> names that tell a district alone
    national_districts: list[Name]
    townships: dict[tuple[str, str], list[tuple[str, str, Place | None]]]  # folded, name, home
    zones: dict[tuple[str, str], list[Zone]]
    unique_zones: list[tuple[str, Zone]]  # zone names that one city's zone alone uses
    romanized: dict[str, list[Place]]  # pinyin or English name -> places (dongcheng, harbin)


def _read_seed(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _tells_alone(name: Name) -> bool:
    """Whether a name can place an address without its city: a full name, not a two-character
    generic one (城区, 矿区 and 郊区 are districts of several cities and words of many
    addresses)."""
    return name.suffixed and not (len(name.text) == 2 and name.text.endswith("区"))


def _read_places() -> dict[str, Place]:
    places: dict[str, Place] = {}
    for row in _read_seed("geo_gazetteer.csv"):
        lon, lat = gcj02_to_wgs84(float(row["longitude_gcj02"]), float(row["latitude_gcj02"]))
        places[row["adcode"]] = Place(
            row["adcode"], row["admin_level"], row["province"], row["city"] or None,
            row["district"] or None, lon, lat,
        )  # fmt: skip
    return places


def _read_zones(
    district_rows: dict[tuple[str, str, str], Place],
) -> dict[tuple[str, str], list[Zone]]:
    zones: dict[tuple[str, str], list[Zone]] = {}
    for row in _read_seed("geo_development_zones.csv"):
        names = row["zone_names"].split("|")
        lon, lat = row["longitude_wgs84"], row["latitude_wgs84"]
        zones.setdefault((row["province"], row["city"]), []).append(
            Zone(
                tuple(names),
                tuple(_fold(n) for n in names),
                row["province"],
                row["city"],
                district_rows.get((row["province"], row["city"], row["district"])),
                float(lon) if lon else None,
                float(lat) if lat else None,
            )
        )
    return zones


def _read_townships(
    places: dict[str, Place],
) -> dict[tuple[str, str], list[tuple[str, str, Place | None]]]:
    townships: dict[tuple[str, str], list[tuple[str, str, Place | None]]] = {}
    for row in _read_seed("geo_townships.csv"):
        code = row["district_adcode"]
        district = places.get(code)
        city = district or places.get(code[:4] + "00") or places.get(code[:2] + "0000")
        if city is None:
            continue
        key = (city.province, city.city or city.province)
        townships.setdefault(key, []).append((_fold(row["township"]), row["township"], district))
    return townships


@cache
def gazetteer() -> Gazetteer:
    places = _read_places()
    provinces: list[Name] = []
    city_rows: dict[tuple[str, str], Place] = {}
    district_rows: dict[tuple[str, str, str], Place] = {}
    cities: dict[str, list[Name]] = {}
    districts: dict[tuple[str, str], list[Name]] = {}
    for place in places.values():
        if place.level == "province":
            provinces.extend(_name_forms(place, place.province))
        elif place.level == "city":
            city_rows[(place.province, place.city)] = place
            names = _name_forms(place, place.city, _CITY_RENAMES)
            cities.setdefault(place.province, []).extend(names)
        elif place.city:
            district_rows[(place.province, place.city, place.district)] = place
            names = _name_forms(place, place.district, _DISTRICT_RENAMES)
            districts.setdefault((place.province, place.city), []).extend(names)
    for row in _read_seed("geo_place_aliases.csv"):
        province, city = row["province"], row["city"]
        if row["place_district"]:
            target = district_rows[(province, row["place_city"], row["place_district"])]
        else:
            target = city_rows[(province, row["place_city"])]
        names = _name_forms(target, row["alias"])
        if city:
            districts.setdefault((province, city), []).extend(names)
        else:
            cities[province].extend(names)
    cities = {province: _without_clashing_renames(names) for province, names in cities.items()}
    districts = {key: _without_clashing_renames(names) for key, names in districts.items()}
    alone: dict[str, list[Name]] = {}
    for (province, _), names in districts.items():
        alone.setdefault(province, []).extend(n for n in names if _tells_alone(n))
    zones = _read_zones(district_rows)
    romanized: dict[str, list[Place]] = {}
    for row in _read_seed("geo_place_pinyin.csv"):
        romanized.setdefault(row["pinyin"], []).append(places[row["adcode"]])
    # a zone written without its city (河北省雄安新区) by a name no other city's zone uses
    zone_names = [(n, z) for city_zones in zones.values() for z in city_zones for n in z.folded]
    cities_of_name: dict[str, set[tuple[str, str]]] = {}
    for n, z in zone_names:
        cities_of_name.setdefault(n, set()).add((z.province, z.city))
    return Gazetteer(
        places=places,
        provinces=provinces,
        municipal_cities={p.province: p for p in city_rows.values() if p.city == p.province},
        city_rows=city_rows,
        cities=cities,
        districts=districts,
        province_districts={p: _without_clashing_renames(ns) for p, ns in alone.items()},
        national_districts=_without_clashing_renames([n for ns in alone.values() for n in ns]),
        townships=_read_townships(places),
        zones=zones,
        unique_zones=[(n, z) for n, z in zone_names if len(cities_of_name[n]) == 1 and len(n) >= 3],
        romanized=romanized,
    )


# English words that say what kind of place a part names, not which one
_ENGLISH_PLACE_WORDS = frozenset(
    ("province", "city", "district", "county", "prefecture", "autonomous", "region", "league",
     "banner", "municipality", "special", "administrative", "sar", "new", "area", "china",
     "pr", "prc", "p", "r", "peoples", "republic", "of", "the")
)  # fmt: skip
# words of the street, building or institution: a part holding one names no place
_ENGLISH_STREET_WORDS = frozenset(
    ("road", "rd", "street", "st", "avenue", "ave", "boulevard", "lane", "alley", "hutong",
     "lu", "jie", "dajie", "dadao", "no", "number", "building", "bldg", "tower", "floor", "room",
     "unit", "block", "suite", "hospital", "university")
)  # fmt: skip
_LATIN_WORD = re.compile(r"[a-z]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _english_to_chinese(address: str, gaz: Gazetteer) -> str:
    """An address written in English (No. 1 Shuaifuyuan, Dongcheng District, Beijing 100730)
    as the Chinese names of the places it names, largest first (北京市北京市东城区): each
    comma-separated part that is no street, building or institution, read by its pinyin
    (`seeds/geo_place_pinyin.csv`), or by its first words where the rest says who lives there
    (Xinjiang Uygur Autonomous Region, Aba Tibetan and Qiang Autonomous Prefecture); the
    province first, then a city in it, then a district in that city (or, with no city, in the
    province)."""
    parts: list[list[str]] = []  # per part, its readings, longest first
    for part in re.split(r"[,;]", address.lower().replace("'", "").replace("’", "")):
        words = [w for w in _LATIN_WORD.findall(part) if w not in _ENGLISH_PLACE_WORDS]
        if words and not _ENGLISH_STREET_WORDS.intersection(words):
            parts.append(["".join(words[:n]) for n in range(len(words), 0, -1)])
    found: list[Place] = []

    def pick(level: str, fits) -> Place | None:
        """The one place of the level that a part names and that fits what was found; English
        names the largest place last."""
        for readings in reversed(parts):
            for reading in readings:
                places = {p for p in gaz.romanized.get(reading, []) if p.level == level and fits(p)}
                if len(places) == 1:
                    place = places.pop()
                    if place.province not in gaz.municipal_cities or level == "district":
                        parts.remove(readings)  # Beijing names the municipality and its city
                    found.append(place)
                    return place
        return None

    province = pick("province", lambda p: True)
    city = pick("city", lambda p: province is None or p.province == province.province)
    pick(
        "district",
        lambda p: (
            (province is None or p.province == province.province)
            and (city is None or p.city == city.city)
        ),
    )
    return "".join(p.district or p.city or p.province for p in found)


def _clean(text: str) -> str:
    text = re.sub(r"\s+", "", _fold(text)).removeprefix("中华人民共和国").removeprefix("中国")
    return _LEADING_POSTCODE.sub("", text)


def _find_name(text: str, names: list[Name]) -> tuple[Place, int] | None:
    """The place whose name occurs first in ``text`` (the longest name at that position); a
    short name only where no road or landmark word follows it. None when that name belongs to
    two places (鼓楼区 of 南京 and of 福州). Returns (place, end)."""
    best: tuple[int, int] | None = None
    at_best: set[Place] = set()
    for name in names:
        start = text.find(name.text)
        while start >= 0:
            end = start + len(name.text)
            if name.suffixed or not text.startswith(_NOT_A_PLACE_AFTER + _PLACE_WORDS, end):
                here = (start, -len(name.text))
                if best is None or here < best:
                    best, at_best = here, {name.place}
                elif here == best:
                    at_best.add(name.place)
                break
            start = text.find(name.text, start + 1)
    if best is None or len(at_best) > 1:
        return None
    return next(iter(at_best)), best[0] - best[1]


def _named_exactly(value: str | None, names: list[Name]) -> Place | None:
    """The place a record's own column names (浙江, 杭州市, 襄樊), when it names one."""
    text = _clean(value or "")
    places = {n.place for n in names if n.text == text}
    return places.pop() if len(places) == 1 else None


def _find_province(text: str, provinces: list[Name]) -> tuple[Place, int] | None:
    """A province by its full name anywhere (大理大学附属医院 云南省大理市…), or by its short
    name at the start, unless a place word follows it (吉林市, 海南州 are not the provinces)."""
    found = _find_name(text, [n for n in provinces if n.suffixed])
    if found:
        return found
    for name in provinces:
        end = len(name.text)
        if text.startswith(name.text) and not text.startswith(_PLACE_WORDS, end):
            return name.place, end
    return None


def parse_address(
    address: str,
    province: str | None = None,
    city: str | None = None,
    district: str | None = None,
) -> ParsedAddress:
    """Parse one address; ``province`` / ``city`` / ``district`` are the record's own columns
    when known (full or short names, or names the aliases seed knows)."""
    gaz = gazetteer()
    if address and not _HAN.search(address):
        address = _english_to_chinese(_fold(address), gaz)
    text = _clean(address)
    prov = _named_exactly(province, gaz.provinces)
    rest = text
    if prov is None:
        found = _find_province(text, gaz.provinces)
        if found:
            prov, end = found
            rest = text[end:]
    city_names = gaz.cities.get(prov.province, []) if prov else [
        n for names in gaz.cities.values() for n in names
    ]  # fmt: skip
    city_place = gaz.municipal_cities.get(prov.province) if prov else None
    if city_place is None:
        named = _named_exactly(city, city_names)
        found = _find_name(rest, city_names)
        # the text read past its city, also when the record's column names it: 长沙市雨花区 is
        # not read from 长沙 on (长沙县); a text naming another city yields to the column
        if found and named in (None, found[0]):
            city_place, end = found
            rest = rest[end:]
        else:
            city_place = named
    district_place = zone_place = township = None
    if city_place is None:
        # a zone, county or county-level city written without its city (河北省雄安新区,
        # 浙江省义乌市); without a province either, one unique in the country (海淀区)
        zone = next(
            (z for n, z in gaz.unique_zones
             if n in rest and (prov is None or z.province == prov.province)),
            None,
        )  # fmt: skip
        if zone:
            city_place = gaz.city_rows.get((zone.province, zone.city))  # the zone is read below
        else:
            alone = (
                gaz.province_districts.get(prov.province, []) if prov else gaz.national_districts
            )
            district_place = _named_exactly(district, alone)
            found = None if district_place else _find_name(rest, alone)
            if found:
                district_place, end = found
                rest = rest[end:]
    if district_place is not None:
        city_place = _city_of(gaz, district_place)
    if city_place and prov is None:
        prov = gaz.places[city_place.adcode[:2] + "0000"]
    if city_place:
        key = (city_place.province, city_place.city)
        after_city = searched = rest
        read_up_to = 0
        for zone in gaz.zones.get(key, []):
            # a zone, or a district redrawn since the gazetteer (余杭区, 钱塘区), by its name,
            # which is then not read as a district's (雄安新区 does not name 安新县)
            hit = next((n for n in zone.folded if n in after_city), None)
            if hit:
                zone_place = zone
                start = after_city.index(hit)
                read_up_to = start + len(hit)
                searched = after_city[:start] + " " * len(hit) + after_city[read_up_to:]
                break
        if district_place is None:
            district_place = _named_exactly(district, gaz.districts.get(key, []))
            if zone_place and district_place and district_place.district in zone_place.names:
                district_place = None  # the column names a district the zone redraws (余杭区)
        if district_place is None:
            found = _find_name(searched, gaz.districts.get(key, []))
            if found:
                district_place, end = found
                read_up_to = max(read_up_to, end)
        rest = after_city[read_up_to:]
        towns = [
            (folded, name, d) for folded, name, d in gaz.townships.get(key, [])
            if district_place is None or d == district_place
        ]  # fmt: skip
        hits = [(folded, name, d) for folded, name, d in towns if folded in rest]
        if hits:
            longest = max(len(f) for f, _, _ in hits)
            best = {(f, n, d) for f, n, d in hits if len(f) == longest}
            folded, township, _ = next(iter(best))
            homes = {d for _, _, d in best}
            if district_place is None and len(homes) == 1 and None not in homes:
                district_place = homes.pop()
            rest = rest[rest.index(folded) + len(folded) :]
        if district_place is None and zone_place is None and township is None and prov:
            # a county the table files under another city of the province (公主岭市 went
            # from 四平 to 长春 in 2020)
            found = _find_name(after_city, gaz.province_districts.get(prov.province, []))
            if found:
                district_place = found[0]
    road = number = None
    match = _ROAD.search(rest)
    if match:
        road, number = match.group(1), match.group(2)
    if number is None:
        match = _NUMBER.search(rest)
        number = match.group(1) if match else None
    if district_place is not None:
        # its own city: an alias or the province-wide search may name one of another city
        # (济南市莱芜区 is the table's 莱芜市莱城区)
        city_place = _city_of(gaz, district_place)
    if zone_place and zone_place.longitude is not None and district_place is None:
        located, precision = None, "zone"
        lon, lat = zone_place.longitude, zone_place.latitude
        adcode = zone_place.district.adcode if zone_place.district else city_place.adcode
    else:
        if district_place is None and zone_place is not None:
            district_place = zone_place.district
        located = district_place or city_place or prov
        precision = located.level if located else "none"
        lon, lat = (located.longitude, located.latitude) if located else (None, None)
        adcode = located.adcode if located else None
    parts = (
        prov.province if prov else None,
        city_place.city if city_place else None,
        district_place.district if district_place else None,
        zone_place.names[0] if zone_place else None,
    )
    return ParsedAddress(*parts, township, road, number, adcode, precision, lon, lat)


def _city_of(gaz: Gazetteer, district: Place) -> Place:
    """A district's city row, or the district itself when it stands directly under its
    province (仙桃市, 济源市, 陵水黎族自治县)."""
    return gaz.city_rows.get((district.province, district.city), district)
