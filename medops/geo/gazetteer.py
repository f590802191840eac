"""Build `seeds/geo_gazetteer.csv` from the administrative division codes that cpca ships.

One row per province, prefecture-level city and district (county) with the centre cpca gives
it. Those centres are Amap's (高德) administrative centres, so they are GCJ-02, the frame of
every coordinate in the CRM exports too; dbt converts all of them to WGS-84 with one macro
(`gcj02_to_wgs84_lon` / `_lat`). A province's "centre" in cpca is its seat of government (the
capital), not the area centroid; the travel marts use it only as the coarsest fallback.

Run `python -m medops.geo.gazetteer` after upgrading cpca; the seed is committed so that the
dbt build needs nothing but dbt.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import polars as pl

SEED_PATH = Path(__file__).resolve().parents[2] / "seeds" / "geo_gazetteer.csv"
MUNICIPALITY_CODES = {"11", "12", "31", "50"}  # 直辖市: their districts sit directly under them
# placeholder rows of the code table that are not places
PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def read_adcodes() -> pl.DataFrame:
    """cpca's adcode table: 12-digit code, name, longitude, latitude (GCJ-02)."""
    path = resources.files("cpca").joinpath("resources/adcodes.csv")
    with resources.as_file(path) as csv_path:
        table = pl.read_csv(csv_path, schema_overrides={"adcode": pl.Utf8})
    return table.select(
        pl.col("adcode").str.slice(0, 6).alias("adcode"),
        "name",
        pl.col("longitude").alias("longitude_gcj02"),
        pl.col("latitude").alias("latitude_gcj02"),
    )


def build_gazetteer(adcodes: pl.DataFrame) -> pl.DataFrame:
    """Provinces, cities and districts with their names up the tree and their centres."""
    coded = adcodes.with_columns(
        pl.col("adcode").str.slice(0, 2).alias("province_code"),
        pl.col("adcode").str.slice(0, 4).alias("city_code"),
        pl.when(pl.col("adcode").str.ends_with("0000"))
        .then(pl.lit("province"))
        .when(pl.col("adcode").str.ends_with("00"))
        .then(pl.lit("city"))
        .otherwise(pl.lit("district"))
        .alias("admin_level"),
    )
    provinces = coded.filter(pl.col("admin_level") == "province").select(
        "province_code", pl.col("name").alias("province")
    )
    cities = coded.filter(
        (pl.col("admin_level") == "city") & ~pl.col("name").is_in(PLACEHOLDER_NAMES)
    ).select("city_code", pl.col("name").alias("city"))
    named = coded.join(provinces, on="province_code", how="left").join(
        cities, on="city_code", how="left"
    )
    is_municipality = pl.col("province_code").is_in(MUNICIPALITY_CODES)
    named = named.with_columns(
        # a municipality is its own city; a county-level city directly under the province
        # (济源市, 仙桃市 ...) stands for its own city
        pl.when(pl.col("admin_level") == "province")
        .then(None)
        .when(is_municipality)
        .then(pl.col("province"))
        .otherwise(pl.coalesce("city", pl.col("name")))
        .alias("city"),
        pl.when(pl.col("admin_level") == "district").then(pl.col("name")).alias("district"),
    )
    # the municipality's own "市辖区" row is its city row
    municipality_city = (
        (pl.col("admin_level") == "city") & is_municipality & (pl.col("name") == "市辖区")
    )
    places = named.filter(
        pl.col("longitude_gcj02").is_not_null()
        & (~pl.col("name").is_in(PLACEHOLDER_NAMES) | municipality_city)
    )
    return places.select(
        "adcode",
        "admin_level",
        "province",
        "city",
        "district",
        "longitude_gcj02",
        "latitude_gcj02",
    ).sort("adcode")


def write_seed(path: Path = SEED_PATH) -> int:
    gazetteer = build_gazetteer(read_adcodes())
    gazetteer.write_csv(path)
    return gazetteer.height


if __name__ == "__main__":
    sys.stdout.write(f"{write_seed()} places written to {SEED_PATH}\n")
