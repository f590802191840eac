"""Customers located by the map position their CRM account record holds.

Two real-style account exports of real hospitals, written here: a 纷享销客-style workbook with
经度 / 纬度 and a 坐标系 column (Amap GCJ-02 and Baidu BD-09 rows), and a workbook with one
经纬度 "lng,lat" column and no frame (the contract's default, GCJ-02). Their positions are the
hospitals' WGS-84 map positions (approximate, as in tests/data/geo_hospital_addresses.csv)
put through the published forward transforms written in tests/test_travel_geo.py, so the
warehouse must take them back. Both files go through the real ingest with the bundled
contract, visits through the visits contract, and dim_geo_locations is built by real dbt.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl
import pytest
from test_travel_geo import gcj02_to_bd09, haversine_km, wgs84_to_gcj02
from thin_exports import dbt, rows

from ingest.contracts import load_contracts
from ingest.load import ingest_path

pytestmark = pytest.mark.slow

# account id, name, province, city, district, street address, WGS-84 position (blank: the
# record holds none)
HOSPITAL_ROWS = """
KH0001 北京协和医院 北京市 北京市 东城区 帅府园1号 116.4125 39.9120
KH0002 复旦大学附属中山医院 上海市 上海市 徐汇区 枫林路180号 121.4520 31.1970
KH0003 四川大学华西医院 四川省 成都市 武侯区 国学巷37号 104.0620 30.6420
KH0004 中山大学附属第一医院 广东省 广州市 越秀区 中山二路58号 113.2930 23.1290
KH0005 南京鼓楼医院 江苏省 南京市 鼓楼区 中山路321号 118.7790 32.0600
KH0006 华中科技大学同济医学院附属协和医院 湖北省 武汉市 江汉区 解放大道1277号 114.2720 30.5870
KH0007 郑州大学第一附属医院 河南省 郑州市 二七区 建设东路1号 113.6480 34.7550
KH0008 浙江大学医学院附属第一医院 浙江省 杭州市 上城区 庆春路79号 120.1760 30.2580
KH0009 浙江省人民医院 浙江省 杭州市 拱墅区 上塘路158号 120.1630 30.2880
KH0010 杭州市第一人民医院 浙江省 杭州市 上城区 浣纱路261号
"""
HOSPITALS = {
    parts[0]: (*parts[1:6], (float(parts[6]), float(parts[7])) if len(parts) == 8 else None)
    for parts in (line.split() for line in HOSPITAL_ROWS.strip().splitlines())
}
# account id, name, province / city / district columns as some CRMs fill them (blank, short,
# a district merged away, traditional characters), address, and the place they all name
COLUMNS_AS_WRITTEN = [
    ("KH0011", "吉林大学第一医院", "", "长春", "", "朝阳区新民大街71号",
     ("吉林省", "长春市", "朝阳区")),
    ("KH0012", "上海市第十人民医院", "上海", "上海", "闸北区", "延长中路301号",
     ("上海市", "上海市", "静安区")),
    ("KH0013", "浙江大学医学院附属第二医院", "", "", "", "杭州市上城区解放路88号",
     ("浙江省", "杭州市", "上城区")),
    ("KH0014", "廣東省人民醫院", "廣東省", "廣州市", "越秀區", "中山二路106號",
     ("广东省", "广州市", "越秀区")),
]  # fmt: skip
HEADER = ["客户编码", "客户名称", "客户类型", "医院等级", "上级客户编码", "省份", "城市", "区县",
          "详细地址", "联系电话", "统一社会信用代码", "负责人工号", "创建日期"]  # fmt: skip


def _account_cells(account_id: str) -> list:
    name, province, city, district, address, _ = HOSPITALS[account_id]
    full_address = province + city + district + address
    return [account_id, name, "医院", "三甲", None, province, city, district, full_address, None,
            None, "E001", "2019-03-12"]  # fmt: skip


def _gcj02(account_id: str) -> tuple[float, float]:
    return wgs84_to_gcj02(*HOSPITALS[account_id][5])


def _bd09(account_id: str) -> tuple[float, float]:
    return gcj02_to_bd09(*_gcj02(account_id))


def _workbook(path: Path, header: list[str], data: list[list]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in data:
        sheet.append(row)
    book.save(path)


def _write_exports(drop: Path) -> None:
    drop.mkdir()
    six = lambda point: [round(point[0], 6), round(point[1], 6)]  # noqa: E731 (as exported)
    beijing_gcj02 = six(_gcj02("KH0001"))
    _workbook(
        drop / "crm_accounts_20261201.xlsx",
        [*HEADER, "经度", "纬度", "坐标系"],
        [
            [*_account_cells("KH0001"), *six(_gcj02("KH0001")), "GCJ-02"],
            [*_account_cells("KH0002"), *six(_gcj02("KH0002")), "高德"],
            [*_account_cells("KH0003"), *six(_bd09("KH0003")), "BD-09"],
            [*_account_cells("KH0004"), *six(_bd09("KH0004")), "百度"],
            [*_account_cells("KH0005"), 0, 0, "GCJ-02"],  # a blank exported as 0
            [*_account_cells("KH0006"), *reversed(six(_gcj02("KH0006"))), "GCJ-02"],  # swapped
            # a Zhengzhou hospital holding the Beijing account's pin (copied record)
            [*_account_cells("KH0007"), *beijing_gcj02, "GCJ-02"],
        ],
    )
    lng_lat = "{:.6f},{:.6f}"
    _workbook(
        drop / "crm_accounts_20261202.xlsx",
        [*HEADER, "经纬度"],
        [
            [*_account_cells("KH0008"), lng_lat.format(*_gcj02("KH0008"))],
            [*_account_cells("KH0009"), "未定位"],
            [*_account_cells("KH0010"), None],
        ],
    )
    _workbook(
        drop / "crm_accounts_20261203.xlsx",
        HEADER,
        [
            [account_id, name, "医院", "三甲", None, province, city, district, address, None,
             None, "E001", "2019-03-12"]
            for account_id, name, province, city, district, address, _ in COLUMNS_AS_WRITTEN
        ],
    )  # fmt: skip
    # 北京协和医院: three check-ins at the gates, 100-250 m off the CRM's pin (enough to come
    # first); 四川大学华西医院: one (too few: the CRM's pin comes first)
    visits = [("V1", "KH0001", 0.0012, 0.0009), ("V2", "KH0001", -0.0015, 0.0004),
              ("V3", "KH0001", 0.0010, -0.0013), ("V4", "KH0003", 0.0020, 0.0010)]  # fmt: skip
    lines = ["活动记录编号,员工工号,客户编码,活动类型,签到时间,签到经度,签到纬度"]
    for visit_id, account_id, d_lon, d_lat in visits:
        lon, lat = _gcj02(account_id)
        lines.append(f"{visit_id},E001,{account_id},拜访,2026-11-0{visit_id[1]} 10:00,"
                     f"{lon + d_lon:.6f},{lat + d_lat:.6f}")  # fmt: skip
    (drop / "crm_visits_20261201.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> tuple[Path, list]:
    home = tmp_path_factory.mktemp("medops_account_coordinates")
    _write_exports(home / "drop")
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        reports = ingest_path(con, home / "drop", load_contracts())
    finally:
        con.close()
    dbt(home, "build", "--select", "+dim_geo_locations", "--quiet")
    return home / "warehouse.duckdb", reports


def _locations(db: Path) -> dict[str, dict]:
    columns = [
        "location_id", "longitude", "latitude", "coordinate_source", "coordinate_precision",
        "account_coordinate_status", "account_coordinate_km_from_checkins", "plausible_checkins",
    ]  # fmt: skip
    found = rows(
        db,
        f"select {', '.join(columns)} from marts.dim_geo_locations "
        "where location_type = 'customer'",
    )
    return {row[0]: dict(zip(columns, row, strict=True)) for row in found}


def _error_m(location: dict, account_id: str) -> float:
    truth = HOSPITALS[account_id][5]
    return 1000 * haversine_km(location["longitude"], location["latitude"], *truth)


def test_exports_with_coordinates_load_whole_and_without_schema_drift(warehouse):
    _, reports = warehouse
    accounts = [r for r in reports if r.source == "crm_accounts"]
    assert [(r.rows_read, r.rows_loaded, r.rows_quarantined) for r in accounts] == [
        (7, 7, 0),
        (3, 3, 0),
        (4, 4, 0),
    ]
    assert all(not r.missing_columns and not r.unmapped_columns for r in accounts)
    assert all(not r.warnings for r in accounts)


def test_gcj02_and_bd09_positions_locate_their_hospitals_at_point_precision(warehouse):
    located = _locations(warehouse[0])
    errors = {
        a: round(_error_m(located[a], a), 2) for a in ("KH0002", "KH0003", "KH0004", "KH0008")
    }
    print(f"account coordinates: error from the known position, m: {errors}")
    for account_id in ("KH0002", "KH0003", "KH0004", "KH0008"):
        location = located[account_id]
        assert location["coordinate_source"] == "crm_account_coordinates", account_id
        assert location["coordinate_precision"] == "point"
        assert location["account_coordinate_status"] == "used"
        assert _error_m(location, account_id) < 100, (account_id, _error_m(location, account_id))
    # the raw GCJ-02 and BD-09 pins themselves are hundreds of metres off: the conversion counts
    for account_id, pin in (("KH0002", _gcj02("KH0002")), ("KH0004", _bd09("KH0004"))):
        assert 1000 * haversine_km(*pin, *HOSPITALS[account_id][5]) > 300


def test_enough_check_ins_come_first_and_fewer_do_not(warehouse):
    located = _locations(warehouse[0])
    xiehe = located["KH0001"]
    assert (xiehe["coordinate_source"], xiehe["account_coordinate_status"]) == (
        "check_ins",
        "check_ins_preferred",
    )
    assert xiehe["plausible_checkins"] == 3
    assert 50 < 1000 * xiehe["account_coordinate_km_from_checkins"] < 250
    assert _error_m(xiehe, "KH0001") < 250
    huaxi = located["KH0003"]  # one check-in 230 m off: the CRM's pin wins
    assert huaxi["coordinate_source"] == "crm_account_coordinates"
    assert huaxi["plausible_checkins"] == 0
    assert 150 < 1000 * huaxi["account_coordinate_km_from_checkins"] < 300


def test_implausible_positions_fall_back_to_the_address_with_their_reason(warehouse):
    located = _locations(warehouse[0])
    expected = {
        "KH0005": "zero",
        "KH0006": "swapped",
        "KH0007": "outside_province",
        "KH0009": "unreadable",
        "KH0010": None,  # the record holds no position
    }
    for account_id, reason in expected.items():
        location = located[account_id]
        assert location["account_coordinate_status"] == reason, account_id
        assert (location["coordinate_source"], location["coordinate_precision"]) == (
            "gazetteer",
            "district",
        ), account_id
        # the district centre, not the rejected pin: within the district's radius
        if HOSPITALS[account_id][5] is not None:
            assert _error_m(location, account_id) < 15_000, account_id


def test_short_blank_merged_and_traditional_columns_name_their_district(warehouse):
    """The record's columns as some CRMs fill them, read with the address by the parser: the
    customer lands at its district's centre, named as the gazetteer names it."""
    found = rows(
        warehouse[0],
        "select location_id, province, city, district, coordinate_precision"
        " from marts.dim_geo_locations where location_type = 'customer'",
    )
    located = {row[0]: row[1:] for row in found}
    for account_id, *_, expected in COLUMNS_AS_WRITTEN:
        assert located[account_id] == (*expected, "district"), account_id
