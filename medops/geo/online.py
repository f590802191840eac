"""Optional online geocoding of addresses (Amap or Baidu web API), cached in the warehouse.

For companies whose policy allows sending customer addresses to a map provider. The key comes
from an environment variable (``MEDOPS_AMAP_KEY`` or ``MEDOPS_BAIDU_AK``); every answer is kept
in ``geo_cache.online_geocodes`` of the warehouse, so an address is asked once and the nightly
build reads the cache without calling anything (the tests use a local HTTP server, never the
providers). Amap answers in GCJ-02 and Baidu in BD-09; both are stored as WGS-84 with the
precision the provider reports (point: a house number or a named place; street; township;
district; city; province).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import urllib.parse
import urllib.request
from dataclasses import dataclass

import duckdb

from medops.geo.coords import to_wgs84

CACHE_TABLE = "geo_cache.online_geocodes"
_CACHE_DDL = f"""
create schema if not exists geo_cache;
create table if not exists {CACHE_TABLE} (
    provider varchar not null,
    address varchar not null,
    city varchar not null,
    longitude double,
    latitude double,
    coordinate_precision varchar not null,
    provider_level varchar,
    fetched_at timestamp not null,
    primary key (provider, address, city)
)
"""
# the providers' answer levels -> our precision (none: the provider found nothing)
AMAP_LEVELS = {
    "门牌号": "point", "兴趣点": "point", "单元号": "point", "楼栋号": "point",
    "道路": "street", "道路交叉路口": "street",
    "乡镇": "township", "村庄": "township", "开发区": "township", "热点商圈": "township",
    "区县": "district", "市": "city", "省": "province",
}  # fmt: skip
BAIDU_LEVELS = {
    "门址": "point", "POI": "point", "NoClass": "point",
    "道路": "street", "交叉路口": "street",
    "乡镇": "township", "村庄": "township", "商圈": "township",
    "区县": "district", "城市": "city", "省份": "province",
}  # fmt: skip
PROVIDERS = {
    "amap": ("MEDOPS_AMAP_KEY", "https://restapi.amap.com/v3/geocode/geo"),
    "baidu": ("MEDOPS_BAIDU_AK", "https://api.map.baidu.com/geocoding/v3/"),
}


@dataclass(frozen=True)
class GeocodeHit:
    longitude: float | None  # WGS-84
    latitude: float | None
    coordinate_precision: str  # point | street | township | district | city | province | none
    provider_level: str | None


def parse_amap(payload: dict) -> GeocodeHit:
    geocodes = payload.get("geocodes") or []
    if str(payload.get("status")) != "1" or not geocodes or not geocodes[0].get("location"):
        return GeocodeHit(None, None, "none", None)
    lon, lat = (float(v) for v in geocodes[0]["location"].split(","))
    level = geocodes[0].get("level")
    wgs_lon, wgs_lat = to_wgs84(lon, lat, "gcj02")
    return GeocodeHit(wgs_lon, wgs_lat, AMAP_LEVELS.get(level, "city"), level)


def parse_baidu(payload: dict) -> GeocodeHit:
    result = payload.get("result") or {}
    location = result.get("location")
    if payload.get("status") != 0 or not location:
        return GeocodeHit(None, None, "none", None)
    level = result.get("level")
    precision = "point" if result.get("precise") == 1 else BAIDU_LEVELS.get(level, "city")
    wgs_lon, wgs_lat = to_wgs84(float(location["lng"]), float(location["lat"]), "bd09")
    return GeocodeHit(wgs_lon, wgs_lat, precision, level)


class GeocoderError(RuntimeError):
    """The provider could not be asked (no key, network, an answer that is not JSON)."""


class OnlineGeocoder:
    """Geocode addresses with one provider, through the warehouse's cache."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        provider: str,
        key: str | None = None,
        url: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        if provider not in PROVIDERS:
            raise GeocoderError(f"unknown provider {provider!r}: one of {sorted(PROVIDERS)}")
        key_variable, default_url = PROVIDERS[provider]
        self.key = key or os.environ.get(key_variable)
        if not self.key:
            raise GeocoderError(f"set {key_variable} to use the {provider} geocoder")
        self.con, self.provider, self.timeout_s = con, provider, timeout_s
        self.url = url or os.environ.get("MEDOPS_GEOCODER_URL") or default_url
        self.requests = 0
        con.execute(_CACHE_DDL)

    def cached(self, address: str, city: str | None) -> GeocodeHit | None:
        row = self.con.execute(
            f"select longitude, latitude, coordinate_precision, provider_level from {CACHE_TABLE}"
            " where provider = ? and address = ? and city = ?",
            [self.provider, address, city or ""],
        ).fetchone()
        return GeocodeHit(*row) if row else None

    def geocode(self, address: str, city: str | None = None) -> GeocodeHit:
        hit = self.cached(address, city)
        if hit is not None:
            return hit
        if self.provider == "amap":
            query = {"address": address, "city": city or "", "key": self.key, "output": "JSON"}
        else:
            query = {"address": address, "city": city or "", "ak": self.key, "output": "json"}
        request = f"{self.url}?{urllib.parse.urlencode(query)}"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:  # noqa: S310
                payload = json.loads(answer.read().decode("utf-8"))
        except (OSError, ValueError) as error:
            raise GeocoderError(f"{self.provider} geocoder: {error}") from error
        self.requests += 1
        hit = parse_amap(payload) if self.provider == "amap" else parse_baidu(payload)
        self.con.execute(
            f"insert into {CACHE_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?)",
            [self.provider, address, city or "", hit.longitude, hit.latitude,
             hit.coordinate_precision, hit.provider_level, dt.datetime.now(dt.UTC)],
        )  # fmt: skip
        return hit
