"""Chinese addresses parsed into province / city / district / township / road / number, and
located at the finest place that has a coordinate.

Rules on the committed gazetteers, nothing downloaded (no address-parsing package ships
township coordinates; see docs/travel.md, geocoding):

- province, city and district from `seeds/geo_gazetteer.csv` (cpca's adcode table), by full
  name or short form (浙江, 杭州, 西湖 for 西湖区; a short district name only when no road or
  landmark word follows it: 西湖大道 is a road, not 西湖区), under the record's own province and
  city when the export gives them;
- development zones and districts newer than the table (`seeds/geo_development_zones.csv`:
  高新区, 工业园区, 钱塘区 ...), with their host district and, where known, their own centre;
- townships (街道, 镇, 乡) from `seeds/geo_townships.csv`, which place an address that names no
  district in the district of its township (文新街道 -> 西湖区);
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

from medops.geo.coords import gcj02_to_wgs84
from medops.settings import REPO_ROOT

SEEDS_DIR = REPO_ROOT / "seeds"
_PLACE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区",
                   "自治州", "自治县", "新区", "地区", "林区", "省", "市", "区", "县", "旗",
                   "盟")  # fmt: skip
# words after a short district name that make it part of a road or landmark (西湖大道)
_NOT_A_PLACE_AFTER = ("大道", "路", "街", "大街", "巷", "弄", "道", "桥", "广场", "公园", "大厦",
                      "中路", "东路", "西路", "南路", "北路", "宾馆", "饭店", "商场", "医院",
                      "大学")  # fmt: skip
_ROAD = re.compile(
    r"([\u4e00-\u9fff\d]{1,10}?(?:大道|大街|胡同|路|街|巷|弄|道|里))(?:(\d+(?:-\d+)?)号)?"
)
_NUMBER = re.compile(r"(\d+(?:-\d+)?)号")


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
class Zone:
    names: tuple[str, ...]
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


@dataclass(frozen=True)
class Gazetteer:
    places: dict[str, Place]  # adcode -> place
    provinces: dict[str, Place]  # full and short name -> province
    cities: dict[str, list[Place]]  # province -> its cities
    districts: dict[tuple[str, str], list[Place]]  # (province, city) -> its districts
    townships: dict[tuple[str, str], list[tuple[str, Place | None]]]  # (province, city) -> ...
    zones: dict[tuple[str, str], list[Zone]]


@cache
def gazetteer() -> Gazetteer:
    places: dict[str, Place] = {}
    with (SEEDS_DIR / "geo_gazetteer.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            lon, lat = gcj02_to_wgs84(float(row["longitude_gcj02"]), float(row["latitude_gcj02"]))
            places[row["adcode"]] = Place(
                row["adcode"], row["admin_level"], row["province"], row["city"] or None,
                row["district"] or None, lon, lat,
            )  # fmt: skip
    provinces: dict[str, Place] = {}
    cities: dict[str, list[Place]] = {}
    districts: dict[tuple[str, str], list[Place]] = {}
    for place in places.values():
        if place.level == "province":
            provinces[place.province] = provinces[short_place_name(place.province)] = place
        elif place.level == "city":
            cities.setdefault(place.province, []).append(place)
        elif place.city:
            districts.setdefault((place.province, place.city), []).append(place)
    provinces["内蒙古"] = provinces["内蒙古自治区"]
    townships: dict[tuple[str, str], list[tuple[str, Place | None]]] = {}
    with (SEEDS_DIR / "geo_townships.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            code = row["district_adcode"]
            district = places.get(code)
            city = district or places.get(code[:4] + "00") or places.get(code[:2] + "0000")
            if city is None:
                continue
            key = (city.province, city.city or city.province)
            townships.setdefault(key, []).append((row["township"], district))
    zones: dict[tuple[str, str], list[Zone]] = {}
    with (SEEDS_DIR / "geo_development_zones.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            host = next(
                (p for p in districts.get((row["province"], row["city"]), [])
                 if p.district == row["district"]),
                None,
            )  # fmt: skip
            lon, lat = row["longitude_wgs84"], row["latitude_wgs84"]
            zones.setdefault((row["province"], row["city"]), []).append(
                Zone(
                    tuple(row["zone_names"].split("|")),
                    row["province"],
                    row["city"],
                    host,
                    float(lon) if lon else None,
                    float(lat) if lat else None,
                )  # fmt: skip
            )
    return Gazetteer(places, provinces, cities, districts, townships, zones)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"\s+", "", text).removeprefix("中华人民共和国").removeprefix("中国")


def _find_name(text: str, names: list[tuple[str, Place]]) -> tuple[Place, int] | None:
    """The place whose name occurs first in ``text`` (the longest name at that position); a
    short name only where no road or landmark word follows it. Returns (place, end)."""
    best: tuple[int, int, Place] | None = None
    for name, place in names:
        start = text.find(name)
        while start >= 0:
            end = start + len(name)
            full = name in (place.province, place.city, place.district)
            if full or not text.startswith(_NOT_A_PLACE_AFTER, end):
                if best is None or (start, -len(name)) < (best[0], -best[1]):
                    best = (start, len(name), place)
                break
            start = text.find(name, start + 1)
    return (best[2], best[0] + best[1]) if best else None


def _named(places: list[Place], attr: str) -> list[tuple[str, Place]]:
    names = []
    for place in places:
        full = getattr(place, attr)
        names.append((full, place))
        short = short_place_name(full)
        if short != full and len(short) >= 2:
            names.append((short, place))
    return names


def parse_address(
    address: str, province: str | None = None, city: str | None = None
) -> ParsedAddress:
    """Parse one address; ``province`` / ``city`` are the record's own columns when known."""
    gaz = gazetteer()
    text = _clean(address)
    prov = gaz.provinces.get(province or "")
    rest = text
    if prov is None:
        found = _find_name(text, [(n, p) for n, p in gaz.provinces.items()])
        if found and text.startswith(found[0].province[:2]):
            prov, end = found
            rest = text[end:]
    city_place: Place | None = None
    candidates = gaz.cities.get(prov.province, []) if prov else [
        c for cs in gaz.cities.values() for c in cs
    ]  # fmt: skip
    if prov and len(candidates) == 1 and candidates[0].city == prov.province:
        city_place = candidates[0]  # a municipality is its own city
    elif city:
        city_place = next(
            (c for c in candidates if city in (c.city, short_place_name(c.city))), None
        )
    if city_place is None:
        found = _find_name(rest, _named(candidates, "city"))
        if found:
            city_place, end = found
            rest = rest[end:]
    district_place = zone_place = township = None
    if city_place is None and prov is not None:
        # a county-level city written without its prefecture (浙江省义乌市)
        counties = [d for (p, _), ds in gaz.districts.items() if p == prov.province for d in ds]
        found = _find_name(rest, [(d.district, d) for d in counties if d.district.endswith("市")])
        if found:
            district_place, end = found
            # its prefecture's city row, or itself when directly under the province (仙桃市)
            city_place = next(
                (c for c in gaz.cities.get(prov.province, []) if c.city == district_place.city),
                district_place,
            )
            rest = rest[end:]
    if city_place and prov is None:
        prov = gaz.provinces[city_place.province]
    if city_place:
        key = (city_place.province, city_place.city)
        after_city = rest
        if district_place is None:
            found = _find_name(rest, _named(gaz.districts.get(key, []), "district"))
            if found:
                district_place, end = found
                rest = rest[end:]
        for zone in gaz.zones.get(key, []):
            # a zone, or a district redrawn since the gazetteer (余杭区, 钱塘区), by its name
            hit = next((n for n in zone.names if n in after_city), None)
            if hit:
                zone_place = zone
                if district_place and hit == district_place.district:
                    district_place = None
                rest = after_city[after_city.index(hit) + len(hit) :]
                break
        towns = [
            (name, d) for name, d in gaz.townships.get(key, [])
            if district_place is None or d == district_place
        ]  # fmt: skip
        hits = [(name, d) for name, d in towns if name in rest]
        if hits:
            longest = max(len(n) for n, _ in hits)
            best = {(n, d) for n, d in hits if len(n) == longest}
            township = next(iter(best))[0]
            homes = {d for _, d in best}
            if district_place is None and len(homes) == 1 and None not in homes:
                district_place = homes.pop()
            rest = rest[rest.index(township) + len(township) :]
    road = number = None
    match = _ROAD.search(rest)
    if match:
        road, number = match.group(1), match.group(2)
    if number is None:
        match = _NUMBER.search(rest)
        number = match.group(1) if match else None
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
