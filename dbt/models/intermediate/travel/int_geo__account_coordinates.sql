-- one row per customer account whose CRM record holds a map position: the position as given,
-- in WGS-84, and why it cannot locate the customer (null when it can). Plausible = the same
-- rule as for visit check-ins: inside the province's box and near the centre the address
-- resolves to; before that, the mistakes real exports make: a blank read as 0, latitude and
-- longitude swapped, a "lng,lat" text that does not read as two numbers.
{#- a "lng,lat" text: two numbers and a separator, spaces around them allowed (a set block
    keeps the backslashes as written; string_literal quotes them for each engine) -#}
{% set lng_lat_text %}^\s*(-?[0-9.]+)\s*[,;/ ]\s*(-?[0-9.]+)\s*${% endset %}

with accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

address_places as (
    select * from {{ ref('int_geo__address_places') }}
    where location_type = 'customer'
),

precision_levels as (
    select * from {{ ref('geo_precision_levels') }}
),

given as (
    select
        account_id,
        coordinate_system,
        coalesce(
            longitude,
            try_cast(regexp_extract(coordinates, {{ string_literal(lng_lat_text) }}, 1) as double)
        ) as given_longitude,
        coalesce(
            latitude,
            try_cast(regexp_extract(coordinates, {{ string_literal(lng_lat_text) }}, 2) as double)
        ) as given_latitude
    from accounts
    where longitude is not null or latitude is not null or coordinates is not null
),

-- Baidu's frame goes to GCJ-02 first; then GCJ-02 (Amap, Tencent) to WGS-84; a WGS-84 (GPS)
-- position has no GCJ-02 form here and passes through
gcj02 as (
    select
        account_id,
        coordinate_system,
        given_longitude,
        given_latitude,
        case coordinate_system
            when 'bd09' then {{ bd09_to_gcj02_lon('given_longitude', 'given_latitude') }}
            when 'gcj02' then given_longitude
        end as gcj02_longitude,
        case coordinate_system
            when 'bd09' then {{ bd09_to_gcj02_lat('given_longitude', 'given_latitude') }}
            when 'gcj02' then given_latitude
        end as gcj02_latitude
    from given
),

converted as (
    select
        account_id,
        coordinate_system,
        given_longitude,
        given_latitude,
        coalesce(
            {{ gcj02_to_wgs84_lon('gcj02_longitude', 'gcj02_latitude') }}, given_longitude
        ) as longitude,
        coalesce(
            {{ gcj02_to_wgs84_lat('gcj02_longitude', 'gcj02_latitude') }}, given_latitude
        ) as latitude
    from gcj02
),

measured as (
    select
        converted.*,
        precision_levels.checkin_plausible_radius_km,
        {{ address_fit_columns('converted.longitude', 'converted.latitude') }}
    from converted
    left join address_places on converted.account_id = address_places.location_id
    left join precision_levels on address_places.place_precision = precision_levels.coordinate_precision
),

final as (
    select
        account_id,
        coordinate_system,
        given_longitude,
        given_latitude,
        longitude,
        latitude,
        km_from_address_centre,
        -- China spans longitude 73.5-135.1 and latitude 3.8-53.6: the ranges do not overlap,
        -- so a swapped pair is recognisable (and not silently swapped back: the export's
        -- column mapping is wrong and the analyst should see it)
        case
            when given_longitude is null or given_latitude is null then 'unreadable'
            when given_longitude = 0 or given_latitude = 0 then 'zero'
            when
                given_latitude between 73.5 and 135.1 and given_longitude between 3.8 and 53.6
                then 'swapped'
            when
                not (given_longitude between 73.5 and 135.1 and given_latitude between 3.8 and 53.6)
                then 'outside_china'
            when is_in_province is null then 'province_unknown'
            when not is_in_province then 'outside_province'
            when km_from_address_centre > checkin_plausible_radius_km then 'far_from_address'
        end as rejected_reason
    from measured
)

select
    *,
    rejected_reason is null as is_plausible
from final
