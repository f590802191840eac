"""One row per office and customer account: its address parsed by medops.geo.address (short
district names, county-level cities, development zones, townships, road), read with the
record's own province and city. int_geo__address_places fills a district the columns and the
full-name SQL match left blank from here, and takes a development zone's own centre."""

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
}


def _parsed_rows(frame: pl.DataFrame, location_type: str, id_column: str) -> list[dict]:
    rows = []
    for record in frame.iter_rows(named=True):
        parsed = parse_address(
            record["address"] or "",
            (record["province"] or "").strip() or None,
            (record["city"] or "").strip() or None,
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
            }
        )
    return rows


def model(dbt, session):
    dbt.config(materialized="table")
    columns = ["province", "city", "address"]
    offices = dbt.ref("stg_crm__offices").select(", ".join(["office_id", *columns])).pl()
    accounts = dbt.ref("stg_crm__accounts").select(", ".join(["account_id", *columns])).pl()
    rows = _parsed_rows(offices, "office", "office_id") + _parsed_rows(
        accounts, "customer", "account_id"
    )
    return pl.DataFrame(rows, schema=PARSED_SCHEMA)
