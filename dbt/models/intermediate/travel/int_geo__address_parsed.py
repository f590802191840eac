"""One row per office and customer account: its address parsed by medops.geo.address (full
and short names, renamed places, county-level cities, development zones, townships, road),
read with the record's own province, city and district columns, which the parser normalises
(浙江 -> 浙江省, 闸北区 -> 静安区). int_geo__address_places joins the result to the gazetteer and
takes a development zone's own centre. Where the
optional online geocoder (`medops geocode`) has cached a point or street for the address, that
coordinate comes along (nothing is asked online here)."""

import polars as pl

from medops.geo.address import parse_address

PARSED_SCHEMA = {
    "location_type": pl.Utf8,
    "location_id": pl.Utf8,
    "parsed_province": pl.Utf8,
    "parsed_city": pl.Utf8,
    "parsed_district": pl.Utf8,
    "parsed_zone": pl.Utf8,
    "parsed_township": pl.Utf8,
    "parsed_road": pl.Utf8,
    "parsed_precision": pl.Utf8,
    "parsed_longitude": pl.Float64,
    "parsed_latitude": pl.Float64,
    "online_longitude": pl.Float64,
    "online_latitude": pl.Float64,
    "online_precision": pl.Utf8,
}
CACHE_TABLE_QUERY = (
    "select count(*) from information_schema.tables"
    " where table_schema = 'geo_cache' and table_name = 'online_geocodes'"
)
# the finest answer per address and city, whichever provider gave it
CACHE_QUERY = """
select address, city, min_by(longitude, coordinate_precision != 'point') as longitude,
    min_by(latitude, coordinate_precision != 'point') as latitude,
    min(coordinate_precision) as coordinate_precision
from geo_cache.online_geocodes
where coordinate_precision in ('point', 'street') and longitude is not null
group by address, city
"""


def _online_hits(session) -> dict[tuple[str, str], tuple[float, float, str]]:
    if not session.execute(CACHE_TABLE_QUERY).fetchone()[0]:
        return {}
    return {
        (address, city): (lon, lat, precision)
        for address, city, lon, lat, precision in session.execute(CACHE_QUERY).fetchall()
    }


def _parsed_rows(
    frame: pl.DataFrame, location_type: str, id_column: str, online: dict
) -> list[dict]:
    rows = []
    for record in frame.iter_rows(named=True):
        lon, lat, precision = online.get(
            (record["address"] or "", record["city"] or ""), (None, None, None)
        )
        parsed = parse_address(
            record["address"] or "",
            (record["province"] or "").strip() or None,
            (record["city"] or "").strip() or None,
            (record["district"] or "").strip() or None,
        )
        rows.append(
            {
                "location_type": location_type,
                "location_id": record[id_column],
                "parsed_province": parsed.province,
                "parsed_city": parsed.city,
                "parsed_district": parsed.district,
                "parsed_zone": parsed.zone,
                "parsed_township": parsed.township,
                "parsed_road": parsed.road,
                "parsed_precision": parsed.precision,
                "parsed_longitude": parsed.longitude,
                "parsed_latitude": parsed.latitude,
                "online_longitude": lon,
                "online_latitude": lat,
                "online_precision": precision,
            }
        )
    return rows


def model(dbt, session):
    dbt.config(materialized="table")
    columns = ["province", "city", "district", "address"]
    offices = dbt.ref("stg_crm__offices").select(", ".join(["office_id", *columns])).pl()
    accounts = dbt.ref("stg_crm__accounts").select(", ".join(["account_id", *columns])).pl()
    online = _online_hits(session)
    rows = _parsed_rows(offices, "office", "office_id", online) + _parsed_rows(
        accounts, "customer", "account_id", online
    )
    return pl.DataFrame(rows, schema=PARSED_SCHEMA)
