-- one row per office and per customer account: the finest gazetteer place its record names,
-- as the Python address parser (int_geo__address_parsed) read the record's province, city and
-- district columns and its address together (full and short names, renamed places, townships,
-- development zones); a development zone with its own centre and no district is located there
-- (precision zone).
{% set online_inside_province -%}
    parsed.online_longitude between provinces.province_min_longitude and provinces.province_max_longitude
    and parsed.online_latitude between provinces.province_min_latitude and provinces.province_max_latitude
{%- endset %}

with gazetteer as (
    select * from {{ ref('int_geo__gazetteer') }}
),

parsed as (
    select * from {{ python_model_ref('int_geo__address_parsed') }}
),

final as (
    select
        parsed.location_type,
        parsed.location_id,
        parsed.parsed_province as province,
        parsed.parsed_city as city,
        parsed.parsed_district as district,
        parsed.parsed_zone as development_zone,
        parsed.parsed_township as township,
        parsed.parsed_road as road,
        coalesce(districts.adcode, cities.adcode, provinces.adcode) as adcode,
        case
            when districts.adcode is null and parsed.parsed_precision = 'zone' then 'zone'
            else coalesce(districts.admin_level, cities.admin_level, provinces.admin_level, 'none')
        end as place_precision,
        case
            when districts.adcode is null and parsed.parsed_precision = 'zone'
                then parsed.parsed_longitude
            else coalesce(districts.longitude, cities.longitude, provinces.longitude)
        end as place_longitude,
        case
            when districts.adcode is null and parsed.parsed_precision = 'zone'
                then parsed.parsed_latitude
            else coalesce(districts.latitude, cities.latitude, provinces.latitude)
        end as place_latitude,
        case when {{ online_inside_province }} then parsed.online_longitude end as online_longitude,
        case when {{ online_inside_province }} then parsed.online_latitude end as online_latitude,
        case when {{ online_inside_province }} then parsed.online_precision end as online_precision,
        provinces.province_min_longitude,
        provinces.province_max_longitude,
        provinces.province_min_latitude,
        provinces.province_max_latitude
    from parsed
    left join gazetteer as districts
        on
            districts.admin_level = 'district'
            and parsed.parsed_province = districts.province
            and parsed.parsed_city = districts.city
            and parsed.parsed_district = districts.district
    left join gazetteer as cities
        on
            cities.admin_level = 'city'
            and parsed.parsed_province = cities.province
            and parsed.parsed_city = cities.city
    left join gazetteer as provinces
        on
            provinces.admin_level = 'province'
            and parsed.parsed_province = provinces.province
)

select * from final
