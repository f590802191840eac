"""Real places: provinces, cities and districts with coordinates from cpca's bundled adcodes.

cpca ships the national administrative division codes with centre coordinates (GCJ-02, as
used by Chinese map services). Customers are placed in real districts near those centres, so
a downstream geocoder that resolves an address to its district centre lands within a few km.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import polars as pl

# code, name, short name, capital, telephone area code of the capital, sales region,
# relative market size (roughly hospital beds x spending). Ordered by roll-out priority: the
# first four cover four regions, so a tiny scale still has a multi-region company.
PROVINCES: list[tuple[str, str, str, str, str, str, float]] = [
    ("31", "上海市", "上海", "上海市", "021", "华东大区", 4.0),
    ("44", "广东省", "广东", "广州市", "020", "华南大区", 6.0),
    ("11", "北京市", "北京", "北京市", "010", "华北大区", 4.0),
    ("51", "四川省", "四川", "成都市", "028", "西南大区", 4.5),
    ("32", "江苏省", "江苏", "南京市", "025", "华东大区", 5.5),
    ("33", "浙江省", "浙江", "杭州市", "0571", "华东大区", 4.5),
    ("37", "山东省", "山东", "济南市", "0531", "华东大区", 5.0),
    ("42", "湖北省", "湖北", "武汉市", "027", "华中大区", 3.5),
    ("41", "河南省", "河南", "郑州市", "0371", "华中大区", 4.5),
    ("35", "福建省", "福建", "福州市", "0591", "华东大区", 2.5),
    ("43", "湖南省", "湖南", "长沙市", "0731", "华中大区", 3.5),
    ("13", "河北省", "河北", "石家庄市", "0311", "华北大区", 3.5),
    ("61", "陕西省", "陕西", "西安市", "029", "西北大区", 2.5),
    ("21", "辽宁省", "辽宁", "沈阳市", "024", "东北大区", 2.5),
    ("34", "安徽省", "安徽", "合肥市", "0551", "华东大区", 3.0),
    ("50", "重庆市", "重庆", "重庆市", "023", "西南大区", 2.0),
    ("12", "天津市", "天津", "天津市", "022", "华北大区", 1.5),
    ("53", "云南省", "云南", "昆明市", "0871", "西南大区", 2.5),
    ("36", "江西省", "江西", "南昌市", "0791", "华东大区", 2.2),
    ("45", "广西壮族自治区", "广西", "南宁市", "0771", "华南大区", 2.2),
    ("14", "山西省", "山西", "太原市", "0351", "华北大区", 1.8),
    ("23", "黑龙江省", "黑龙江", "哈尔滨市", "0451", "东北大区", 1.8),
    ("22", "吉林省", "吉林", "长春市", "0431", "东北大区", 1.4),
    ("52", "贵州省", "贵州", "贵阳市", "0851", "西南大区", 1.6),
    ("15", "内蒙古自治区", "内蒙古", "呼和浩特市", "0471", "华北大区", 1.2),
    ("65", "新疆维吾尔自治区", "新疆", "乌鲁木齐市", "0991", "西北大区", 1.2),
    ("62", "甘肃省", "甘肃", "兰州市", "0931", "西北大区", 1.1),
    ("46", "海南省", "海南", "海口市", "0898", "华南大区", 0.7),
    ("64", "宁夏回族自治区", "宁夏", "银川市", "0951", "西北大区", 0.4),
    ("63", "青海省", "青海", "西宁市", "0971", "西北大区", 0.4),
    ("54", "西藏自治区", "西藏", "拉萨市", "0891", "西南大区", 0.2),
]
MUNICIPALITIES = {"11", "12", "31", "50"}


@dataclass
class Province:
    code: str
    name: str
    short: str
    capital: str
    area_code: str
    region: str
    weight: float
    # One row per district: city, district, lon, lat, is_capital, city_is_capital.
    districts: pl.DataFrame


@cache
def _adcodes() -> pl.DataFrame:
    path = resources.files("cpca").joinpath("resources/adcodes.csv")
    with resources.as_file(path) as p:
        df = pl.read_csv(p, schema_overrides={"adcode": pl.Utf8})
    return df.with_columns(pl.col("adcode").str.slice(0, 6).alias("code6")).sort("code6")


def load_provinces(n: int) -> list[Province]:
    """The first `n` provinces in roll-out order, each with its real districts."""
    ad = _adcodes()
    cities = ad.filter(
        pl.col("code6").str.ends_with("00") & ~pl.col("code6").str.ends_with("0000")
    ).select(
        pl.col("code6").str.slice(0, 4).alias("city_code"),
        pl.col("name").alias("city"),
    )
    districts = ad.filter(~pl.col("code6").str.ends_with("00")).with_columns(
        pl.col("code6").str.slice(0, 4).alias("city_code"),
        pl.col("code6").str.slice(0, 2).alias("prov_code"),
    )
    out = []
    for code, name, short, capital, area, region, weight in PROVINCES[:n]:
        d = districts.filter(pl.col("prov_code") == code)
        if code in MUNICIPALITIES:
            d = d.with_columns(pl.lit(name).alias("city"))
        else:
            # Districts of county-level cities directly under the province have no city row.
            d = d.join(cities, on="city_code", how="inner")
        d = d.filter(
            ~pl.col("name").is_in(["市辖区", "县"]) & pl.col("longitude").is_not_null()
        ).select(
            "code6",
            "city",
            pl.col("name").alias("district"),
            pl.col("longitude").alias("lon"),
            pl.col("latitude").alias("lat"),
            (pl.col("city") == capital).alias("in_capital"),
        )
        out.append(Province(code, name, short, capital, area, region, weight, d.sort("code6")))
    return out


def n_provinces_for_scale(scale: float) -> int:
    """All 31 mainland provinces from scale 0.5; fewer (never under 4) for a smaller company."""
    if scale >= 0.5:
        return len(PROVINCES)
    return int(np.clip(round(len(PROVINCES) * np.sqrt(scale / 0.5)), 4, len(PROVINCES)))
