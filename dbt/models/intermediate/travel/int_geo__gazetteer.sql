-- one row per gazetteer place, with its centre in WGS-84 and its province's bounding box
with gazetteer as (
    select * from {{ ref('geo_gazetteer') }}
),

rules as (
    select * from {{ ref('travel_rules') }}
),

converted as (
    select
        adcode,
        admin_level,
        province,
        city,
        district,
        {{ gcj02_to_wgs84_lon('longitude_gcj02', 'latitude_gcj02') }} as longitude,
        {{ gcj02_to_wgs84_lat('longitude_gcj02', 'latitude_gcj02') }} as latitude
    from gazetteer
),

-- the box around a province's district centres, widened by the margin of the rules
province_bounds as (
    select
        converted.province,
        min(converted.longitude) - any_value(rules.province_margin_deg) as min_longitude,
        max(converted.longitude) + any_value(rules.province_margin_deg) as max_longitude,
        min(converted.latitude) - any_value(rules.province_margin_deg) as min_latitude,
        max(converted.latitude) + any_value(rules.province_margin_deg) as max_latitude
    from converted
    cross join rules
    group by converted.province
),

final as (
    select
        converted.adcode,
        converted.admin_level,
        converted.province,
        converted.city,
        converted.district,
        converted.longitude,
        converted.latitude,
        province_bounds.min_longitude as province_min_longitude,
        province_bounds.max_longitude as province_max_longitude,
        province_bounds.min_latitude as province_min_latitude,
        province_bounds.max_latitude as province_max_latitude
    from converted
    inner join province_bounds on converted.province = province_bounds.province
)

select * from final
