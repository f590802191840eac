"""The geography macros of the travel marts, run by dbt itself, against figures computed here.

Distances: known great-circle distances between city centres (the usual published figures,
and a haversine written here on well-known WGS-84 city-centre coordinates). GCJ-02 -> WGS-84:
a forward WGS-84 -> GCJ-02 transform written here (the published "Mars coordinates" formula);
the dbt macro must take its output back to where it started. The gazetteer seed must be what
`python -m medops.geo.gazetteer` writes from cpca today.
"""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from medops.geo.address import parse_address
from medops.geo.coords import bd09_to_gcj02, to_wgs84
from medops.geo.gazetteer import SEED_PATH, build_gazetteer, read_adcodes
from medops.settings import DBT_PROJECT_DIR

# WGS-84 city centres (city government / main square), degrees: (longitude, latitude)
CITY_CENTRES = {
    "北京": (116.4074, 39.9042),
    "上海": (121.4737, 31.2304),
    "广州": (113.2644, 23.1291),
    "深圳": (114.0579, 22.5431),
    "成都": (104.0668, 30.5728),
    "重庆": (106.5516, 29.5630),
}
# published great-circle distances between the city centres, km
KNOWN_KM = {("北京", "上海"): 1068, ("广州", "深圳"): 104, ("成都", "重庆"): 266}
# points spread over China where the GCJ-02 offset differs (WGS-84 lon, lat)
ROUND_TRIP_POINTS = [
    (116.3913, 39.9075),  # 天安门
    (121.4998, 31.2397),  # 外滩
    (113.3245, 23.1064),  # 珠江新城
    (104.0657, 30.6595),  # 天府广场
    (91.1172, 29.6525),  # 布达拉宫
    (87.6168, 43.8256),  # 乌鲁木齐
    (126.6425, 45.7570),  # 哈尔滨
    (110.3312, 20.0311),  # 海口
]
# Baidu's default map centre (天安门, BD-09) and its GCJ-02 form as published with the usual
# coordinate-conversion code (bd09togcj02(116.404, 39.915))
BAIDU_TIANANMEN = (116.404, 39.915)
PUBLISHED_TIANANMEN_GCJ02 = (116.39762729119315, 39.908656537808596)


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """The forward transform, as published (Krasovsky 1940 ellipsoid)."""
    a, ee = 6378245.0, 0.00669342162296594323
    x, y = lon - 105.0, lat - 35.0
    common = (20 * math.sin(6 * x * math.pi) + 20 * math.sin(2 * x * math.pi)) * 2 / 3
    d_lat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lat += common
    d_lat += (20 * math.sin(y * math.pi) + 40 * math.sin(y / 3 * math.pi)) * 2 / 3
    d_lat += (160 * math.sin(y / 12 * math.pi) + 320 * math.sin(y * math.pi / 30)) * 2 / 3
    d_lon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lon += common
    d_lon += (20 * math.sin(x * math.pi) + 40 * math.sin(x / 3 * math.pi)) * 2 / 3
    d_lon += (150 * math.sin(x / 12 * math.pi) + 300 * math.sin(x / 30 * math.pi)) * 2 / 3
    rad = math.radians(lat)
    magic = 1 - ee * math.sin(rad) ** 2
    d_lat = d_lat * 180 / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * math.pi)
    d_lon = d_lon * 180 / (a / math.sqrt(magic) * math.cos(rad) * math.pi)
    return lon + d_lon, lat + d_lat


def dbt_show(tmp_path: Path, select_list: list[str]) -> dict:
    """One row of `select <select_list>` compiled and run by dbt (the macros under test)."""
    env = {**os.environ, "MEDOPS_HOME": str(tmp_path)}
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "show",
            "--inline",
            "select " + ", ".join(select_list),
            "--output",
            "json",
            "--quiet",
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout[done.stdout.index("{") :])["show"][0]


@pytest.fixture(scope="module")
def macro_results(tmp_path_factory) -> dict:
    columns = []
    for a, b in KNOWN_KM:
        (lon1, lat1), (lon2, lat2) = CITY_CENTRES[a], CITY_CENTRES[b]
        columns.append(f"{{{{ haversine_km({lon1}, {lat1}, {lon2}, {lat2}) }}}} as km_{a}_{b}")
    for k, (lon, lat) in enumerate(ROUND_TRIP_POINTS):
        g_lon, g_lat = wgs84_to_gcj02(lon, lat)
        columns.append(f"{{{{ gcj02_to_wgs84_lon({g_lon!r}, {g_lat!r}) }}}} as lon_{k}")
        columns.append(f"{{{{ gcj02_to_wgs84_lat({g_lon!r}, {g_lat!r}) }}}} as lat_{k}")
    for k, (lon, lat) in enumerate(ROUND_TRIP_POINTS):
        b_lon, b_lat = gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
        columns.append(f"{{{{ bd09_to_gcj02_lon({b_lon!r}, {b_lat!r}) }}}} as bd_lon_{k}")
        columns.append(f"{{{{ bd09_to_gcj02_lat({b_lon!r}, {b_lat!r}) }}}} as bd_lat_{k}")
    b_lon, b_lat = BAIDU_TIANANMEN
    columns.append(f"{{{{ bd09_to_gcj02_lon({b_lon}, {b_lat}) }}}} as tiananmen_lon")
    columns.append(f"{{{{ bd09_to_gcj02_lat({b_lon}, {b_lat}) }}}} as tiananmen_lat")
    columns.append("{{ haversine_km('null', 30.0, 104.0, 31.0) }} as km_with_null")
    for name, straight_km in (("unknown", "null"), ("next_door", "0.5"), ("long", "100.0")):
        columns.append(f"{{{{ road_km('{straight_km}', 1.3, 2.0) }}}} as road_{name}")
    return dbt_show(tmp_path_factory.mktemp("medops_geo"), columns)


@pytest.mark.slow
def test_haversine_macro_matches_known_city_distances(macro_results):
    for (a, b), known in KNOWN_KM.items():
        (lon1, lat1), (lon2, lat2) = CITY_CENTRES[a], CITY_CENTRES[b]
        macro_km = macro_results[f"km_{a}_{b}"]
        assert macro_km == pytest.approx(haversine_km(lon1, lat1, lon2, lat2), abs=0.01)
        assert macro_km == pytest.approx(known, rel=0.01), (a, b)


@pytest.mark.slow
def test_haversine_macro_is_null_when_a_coordinate_is_missing(macro_results):
    assert macro_results["km_with_null"] is None


@pytest.mark.slow
def test_road_km_macro_applies_detour_and_minimum_and_keeps_unknown_unknown(macro_results):
    assert macro_results["road_unknown"] is None  # not the 2 km minimum
    assert macro_results["road_next_door"] == pytest.approx(2.0)  # 0.65 km is still a trip
    assert macro_results["road_long"] == pytest.approx(130.0)


@pytest.mark.slow
def test_gcj02_to_wgs84_macro_inverts_the_forward_transform(macro_results):
    for k, (lon, lat) in enumerate(ROUND_TRIP_POINTS):
        g_lon, g_lat = wgs84_to_gcj02(lon, lat)
        offset_m = 1000 * haversine_km(lon, lat, g_lon, g_lat)
        assert 50 < offset_m < 1000, (lon, lat, offset_m)  # the obfuscation is real
        back_m = 1000 * haversine_km(lon, lat, macro_results[f"lon_{k}"], macro_results[f"lat_{k}"])
        assert back_m < 0.5, (lon, lat, back_m)


@pytest.mark.slow
def test_bd09_to_gcj02_macro_matches_python_and_the_published_point(macro_results):
    for k, (lon, lat) in enumerate(ROUND_TRIP_POINTS):
        g_lon, g_lat = wgs84_to_gcj02(lon, lat)
        b_lon, b_lat = gcj02_to_bd09(g_lon, g_lat)
        assert 1000 * haversine_km(g_lon, g_lat, b_lon, b_lat) > 500  # Baidu's shift is real
        macro = macro_results[f"bd_lon_{k}"], macro_results[f"bd_lat_{k}"]
        assert macro == pytest.approx(bd09_to_gcj02(b_lon, b_lat), abs=1e-9)  # the Python one
        assert 1000 * haversine_km(g_lon, g_lat, *macro) < 0.5, (lon, lat)
    tiananmen = macro_results["tiananmen_lon"], macro_results["tiananmen_lat"]
    assert tiananmen == pytest.approx(PUBLISHED_TIANANMEN_GCJ02, abs=1e-6)


def test_gazetteer_seed_is_what_cpca_gives_today():
    seed = pl.read_csv(SEED_PATH, schema_overrides={"adcode": pl.Utf8})
    assert seed.equals(build_gazetteer(read_adcodes()))


def test_gazetteer_has_every_level_and_real_names():
    seed = pl.read_csv(SEED_PATH, schema_overrides={"adcode": pl.Utf8})
    assert seed["adcode"].is_unique().all()
    levels = dict(seed.group_by("admin_level").len().iter_rows())
    assert levels["province"] == 34  # 31 mainland + Taiwan, Hong Kong, Macao
    assert levels["city"] > 300 and levels["district"] > 2800
    rows = {(r["province"], r["city"], r["district"]): r for r in seed.iter_rows(named=True)}
    # a municipality is its own city; a district of Shenzhen sits under 深圳市
    assert ("北京市", "北京市", "朝阳区") in rows
    assert ("广东省", "深圳市", "南山区") in rows
    # no placeholder row of the code table survives as a place
    assert not seed.filter(pl.col("city").is_in(["市辖区", "县"])).height
    # the centre of 南山区 lies in Shenzhen (GCJ-02 differs from WGS-84 by well under 1 km)
    nanshan = rows[("广东省", "深圳市", "南山区")]
    sz_lon, sz_lat = CITY_CENTRES["深圳"]
    assert haversine_km(nanshan["longitude_gcj02"], nanshan["latitude_gcj02"], sz_lon, sz_lat) < 20


def test_travel_marts_are_dagster_assets_that_the_cockpit_copy_waits_for():
    import dagster as dg

    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    published = graph.get(dg.AssetKey("published_marts"))
    for mart in ("dim_geo_locations", "fct_visit_checkins", "fct_claim_audit"):
        assert dg.AssetKey(["marts", mart]) in published.parent_keys
    # the gazetteer is a seed: the travel models need nothing but dbt
    locations = graph.get(dg.AssetKey(["intermediate", "int_geo__gazetteer"]))
    assert dg.AssetKey(["reference", "geo_gazetteer"]) in locations.parent_keys


# --- address parsing and its measured accuracy ------------------------------------------------

ADDRESSES_CSV = Path(__file__).resolve().parent / "data" / "geo_hospital_addresses.csv"


def test_address_parts_with_short_forms_townships_zones_and_county_cities():
    hangzhou = parse_address("浙江省杭州市西湖文三路100号")  # district written without 区
    assert (hangzhou.city, hangzhou.district, hangzhou.road, hangzhou.number) == (
        "杭州市", "西湖区", "文三路", "100"
    )  # fmt: skip
    # 西湖大道 is a road of 上城区, not the district 西湖区
    assert parse_address("杭州市上城区西湖大道").district == "上城区"
    assert parse_address("杭州市西湖大道18号").district is None
    # a township places an address that names no district
    township = parse_address("杭州市文新街道文一西路")
    assert (township.township, township.district, township.precision) == (
        "文新街道", "西湖区", "district"
    )  # fmt: skip
    zone = parse_address("江苏省苏州市工业园区苏雅路")
    assert (zone.zone, zone.precision) == ("苏州工业园区", "zone")
    assert parse_address("浙江省义乌市商城大道N1号").district == "义乌市"
    assert parse_address("北京市东城区帅府园1号").city == "北京市"
    assert parse_address("湖北省仙桃市仙桃大道1号").district == "仙桃市"  # directly under 湖北省
    for odd in ("不明地址", "", "()（）#@!123", "号号号路路路"):
        assert parse_address(odd).precision == "none"


def gcj02_to_bd09(g_lon: float, g_lat: float) -> tuple[float, float]:
    """Baidu's published offset of GCJ-02, written here."""
    z = math.sqrt(g_lon**2 + g_lat**2) + 0.00002 * math.sin(g_lat * math.pi * 3000 / 180)
    theta = math.atan2(g_lat, g_lon) + 0.000003 * math.cos(g_lon * math.pi * 3000 / 180)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def test_bd09_and_gcj02_coordinates_come_back_to_wgs84():
    for lon, lat in ROUND_TRIP_POINTS:
        g_lon, g_lat = wgs84_to_gcj02(lon, lat)
        b_lon, b_lat = gcj02_to_bd09(g_lon, g_lat)
        for frame, point in (("gcj02", (g_lon, g_lat)), ("bd09", (b_lon, b_lat))):
            back = to_wgs84(*point, frame)
            assert 1000 * haversine_km(lon, lat, *back) < 5, (frame, lon, lat)


def test_geocoding_accuracy_on_real_style_hospital_addresses():
    """Public hospital addresses with their approximate map coordinates (WGS-84, written here):
    the share located at each level and the error of the location from the address alone."""
    with ADDRESSES_CSV.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 200
    levels: dict[str, int] = {}
    errors = []
    with_road = with_township = 0
    for row in rows:
        parsed = parse_address(row["address"])
        levels[parsed.precision] = levels.get(parsed.precision, 0) + 1
        with_road += parsed.road is not None
        with_township += parsed.township is not None
        truth = float(row["longitude_wgs84"]), float(row["latitude_wgs84"])
        located = parsed.longitude is not None
        errors.append(haversine_km(parsed.longitude, parsed.latitude, *truth) if located else 1e9)
    errors.sort()
    median = errors[len(errors) // 2]
    p90 = errors[int(0.9 * len(errors))]
    shares = {level: round(n / len(rows), 3) for level, n in sorted(levels.items())}
    print(f"geocoding {len(rows)} addresses: located {shares}; road parsed "
          f"{with_road / len(rows):.3f}, township {with_township / len(rows):.3f}; "
          f"error median {median:.2f} km, p90 {p90:.2f} km")  # fmt: skip
    assert median < 5
    assert p90 < 15
    assert (levels.get("district", 0) + levels.get("zone", 0)) / len(rows) >= 0.9
