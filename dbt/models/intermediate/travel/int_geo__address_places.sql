-- one row per office and per customer account: the finest gazetteer place its address names
-- (district > city > province). A blank province, city or district column is filled from the
-- address text when exactly one place of that level under the known parent occurs in it, else
-- from the Python address parser (short names, townships, development zones); a development
-- zone with its own centre and no district is located there (precision zone).
{% set online_inside_province -%}
    named.online_longitude between provinces.province_min_longitude and provinces.province_max_longitude
    and named.online_latitude between provinces.province_min_latitude and provinces.province_max_latitude
{%- endset %}

with offices as (
    select * from {{ ref('stg_crm__offices') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

gazetteer as (
    select * from {{ ref('int_geo__gazetteer') }}
),

parsed as (
    select * from {{ python_model_ref('int_geo__address_parsed') }}
),

addresses as (
    select
        'office' as location_type,
        office_id as location_id,
        nullif(trim(province), '') as province,
        nullif(trim(city), '') as city,
        nullif(trim(district), '') as district,
        coalesce(address, '') as address
    from offices
    union all
    select
        'customer' as location_type,
        account_id as location_id,
        nullif(trim(province), '') as province,
        nullif(trim(city), '') as city,
        nullif(trim(district), '') as district,
        coalesce(address, '') as address
    from accounts
),

province_from_address as (
    select
        addresses.location_type,
        addresses.location_id,
        any_value(gazetteer.province) as province
    from addresses
    inner join gazetteer
        on
            addresses.province is null
            and gazetteer.admin_level = 'province'
            and contains(addresses.address, gazetteer.province)
    group by addresses.location_type, addresses.location_id
    having count(*) = 1
),

with_province as (
    select
        addresses.location_type,
        addresses.location_id,
        addresses.city,
        addresses.district,
        addresses.address,
        coalesce(addresses.province, province_from_address.province) as province
    from addresses
    left join province_from_address
        on
            addresses.location_type = province_from_address.location_type
            and addresses.location_id = province_from_address.location_id
),

city_from_address as (
    select
        with_province.location_type,
        with_province.location_id,
        any_value(gazetteer.city) as city
    from with_province
    inner join gazetteer
        on
            with_province.city is null
            and gazetteer.admin_level = 'city'
            and with_province.province = gazetteer.province
            and contains(with_province.address, gazetteer.city)
    group by with_province.location_type, with_province.location_id
    having count(*) = 1
),

with_city as (
    select
        with_province.location_type,
        with_province.location_id,
        with_province.province,
        with_province.district,
        with_province.address,
        coalesce(with_province.city, city_from_address.city) as city
    from with_province
    left join city_from_address
        on
            with_province.location_type = city_from_address.location_type
            and with_province.location_id = city_from_address.location_id
),

district_from_address as (
    select
        with_city.location_type,
        with_city.location_id,
        any_value(gazetteer.district) as district
    from with_city
    inner join gazetteer
        on
            with_city.district is null
            and gazetteer.admin_level = 'district'
            and with_city.province = gazetteer.province
            and with_city.city = gazetteer.city
            and contains(with_city.address, gazetteer.district)
    group by with_city.location_type, with_city.location_id
    having count(*) = 1
),

named as (
    select
        with_city.location_type,
        with_city.location_id,
        with_city.province,
        coalesce(
            with_city.city,
            case when parsed.parsed_province = with_city.province then parsed.parsed_city end
        ) as city,
        coalesce(
            with_city.district,
            district_from_address.district,
            case when parsed.parsed_city = with_city.city then parsed.parsed_district end
        ) as district,
        parsed.parsed_zone as development_zone,
        parsed.parsed_township as township,
        parsed.parsed_road as road,
        parsed.online_longitude,
        parsed.online_latitude,
        parsed.online_precision,
        case
            when parsed.parsed_precision = 'zone' and parsed.parsed_city = with_city.city
                then parsed.parsed_longitude
        end as zone_longitude,
        case
            when parsed.parsed_precision = 'zone' and parsed.parsed_city = with_city.city
                then parsed.parsed_latitude
        end as zone_latitude
    from with_city
    left join district_from_address
        on
            with_city.location_type = district_from_address.location_type
            and with_city.location_id = district_from_address.location_id
    left join parsed
        on
            with_city.location_type = parsed.location_type
            and with_city.location_id = parsed.location_id
),

final as (
    select
        named.location_type,
        named.location_id,
        named.province,
        named.city,
        named.district,
        named.development_zone,
        named.township,
        named.road,
        coalesce(districts.adcode, cities.adcode, provinces.adcode) as adcode,
        case
            when districts.adcode is null and named.zone_longitude is not null then 'zone'
            else coalesce(districts.admin_level, cities.admin_level, provinces.admin_level, 'none')
        end as place_precision,
        coalesce(
            districts.longitude, named.zone_longitude, cities.longitude, provinces.longitude
        ) as place_longitude,
        coalesce(
            districts.latitude, named.zone_latitude, cities.latitude, provinces.latitude
        ) as place_latitude,
        case when {{ online_inside_province }} then named.online_longitude end as online_longitude,
        case when {{ online_inside_province }} then named.online_latitude end as online_latitude,
        case when {{ online_inside_province }} then named.online_precision end as online_precision,
        provinces.province_min_longitude,
        provinces.province_max_longitude,
        provinces.province_min_latitude,
        provinces.province_max_latitude
    from named
    left join gazetteer as districts
        on
            districts.admin_level = 'district'
            and named.province = districts.province
            and named.city = districts.city
            and named.district = districts.district
    left join gazetteer as cities
        on
            cities.admin_level = 'city'
            and named.province = cities.province
            and named.city = cities.city
    left join gazetteer as provinces
        on
            provinces.admin_level = 'province'
            and named.province = provinces.province
)

select * from final
