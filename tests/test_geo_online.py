"""The optional online geocoder against a local HTTP server that answers as Amap and Baidu do
(their documented JSON), never the providers themselves: the request, the frame conversion to
WGS-84, the precision, and the warehouse cache that makes each address asked once."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import duckdb
import pytest
from test_travel_geo import gcj02_to_bd09, haversine_km, wgs84_to_gcj02

from medops.geo.online import GeocoderError, OnlineGeocoder

# the WGS-84 truth of the answers (北京协和医院, roughly)
TRUTH = (116.4125, 39.9120)


class _Provider(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(self.path).query))
        type(self).requests.append(query)
        g_lon, g_lat = wgs84_to_gcj02(*TRUTH)
        known = "帅府园" in query["address"]
        if "key" in query:  # Amap: GCJ-02 "lon,lat" text
            geocodes = [{"location": f"{g_lon:.6f},{g_lat:.6f}", "level": "门牌号"}]
            body = {"status": "1", "count": "1" if known else "0",
                    "geocodes": geocodes if known else []}  # fmt: skip
        else:  # Baidu: BD-09 numbers
            b_lon, b_lat = gcj02_to_bd09(g_lon, g_lat)
            result = {"location": {"lng": b_lon, "lat": b_lat}, "precise": 0, "level": "道路"}
            body = {"status": 0, "result": result} if known else {"status": 1, "msg": "无结果"}
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def provider_url():
    server = HTTPServer(("127.0.0.1", 0), _Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/geocode"
    server.shutdown()
    server.server_close()


def test_amap_answers_are_converted_to_wgs84_and_cached(tmp_path: Path, provider_url: str):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    geocoder = OnlineGeocoder(con, "amap", key="test-key", url=provider_url)
    hit = geocoder.geocode("北京市东城区帅府园1号", "北京市")
    assert hit.coordinate_precision == "point" and hit.provider_level == "门牌号"
    assert 1000 * haversine_km(hit.longitude, hit.latitude, *TRUTH) < 5
    sent = _Provider.requests[-1]
    assert (sent["address"], sent["city"], sent["key"]) == (
        "北京市东城区帅府园1号",
        "北京市",
        "test-key",
    )
    # asked again, the cache answers: no second request
    assert geocoder.geocode("北京市东城区帅府园1号", "北京市") == hit
    assert geocoder.requests == 1
    # an address the provider does not know is cached as such, not asked again
    assert geocoder.geocode("不存在的地址", "北京市").coordinate_precision == "none"
    geocoder.geocode("不存在的地址", "北京市")
    assert geocoder.requests == 2
    rows = con.execute("select count(*) from geo_cache.online_geocodes").fetchone()
    assert rows == (2,)


def test_baidu_answers_are_converted_from_bd09(tmp_path: Path, provider_url: str):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    hit = OnlineGeocoder(con, "baidu", key="ak", url=provider_url).geocode("帅府园1号", "北京市")
    assert hit.coordinate_precision == "street"
    assert 1000 * haversine_km(hit.longitude, hit.latitude, *TRUTH) < 5


def test_no_key_or_no_provider_is_a_clear_error(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("MEDOPS_AMAP_KEY", raising=False)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    with pytest.raises(GeocoderError, match="MEDOPS_AMAP_KEY"):
        OnlineGeocoder(con, "amap")
    geocoder = OnlineGeocoder(con, "amap", key="k", url="http://127.0.0.1:9/nothing-listens")
    with pytest.raises(GeocoderError, match="amap geocoder"):
        geocoder.geocode("北京市东城区帅府园1号", "北京市")


def test_the_warehouse_model_takes_the_finest_cached_answer_per_address(tmp_path: Path):
    """int_geo__address_parsed (a dbt Python model) reads the cache: point before street,
    nothing for an address the providers did not place; no cache table, no online column."""
    import importlib.util

    import polars as pl

    from medops.settings import DBT_PROJECT_DIR

    path = DBT_PROJECT_DIR / "models" / "intermediate" / "travel" / "int_geo__address_parsed.py"
    spec = importlib.util.spec_from_file_location("int_geo__address_parsed", path)
    model = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(model)

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    assert model._online_hits(con) == {}
    OnlineGeocoder(con, "amap", key="k")  # creates the cache table
    rows = [
        ("amap", "杭州市上城区庆春路79号", "杭州市", 120.17, 30.25, "street"),
        ("baidu", "杭州市上城区庆春路79号", "杭州市", 120.176, 30.258, "point"),
        ("amap", "无此地址", "杭州市", None, None, "none"),
    ]
    for row in rows:
        con.execute(
            "insert into geo_cache.online_geocodes values (?, ?, ?, ?, ?, ?, null, now())", row
        )
    online = model._online_hits(con)
    assert online == {("杭州市上城区庆春路79号", "杭州市"): (120.176, 30.258, "point")}
    accounts = pl.DataFrame(
        {
            "account_id": ["A1", "A2"],
            "province": ["浙江省", "浙江省"],
            "city": ["杭州市", "杭州市"],
            "district": [None, None],
            "address": ["杭州市上城区庆春路79号", "无此地址"],
        }
    )
    parsed = model._parsed_rows(accounts, "customer", "account_id", online)
    assert [(r["online_precision"], r["parsed_district"]) for r in parsed] == [
        ("point", "上城区"),
        (None, None),
    ]
