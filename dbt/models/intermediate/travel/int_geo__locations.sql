-- one row per office and per customer account: the coordinate the travel marts use (WGS-84),
-- where it came from and how precise it is. A customer's location is the median of its
-- plausible check-ins (robust to the odd check-in made elsewhere); an office's is the CRM's
-- own coordinate when plausible; then a point or street the optional online geocoder cached
-- for the address (inside its province); otherwise the centre of the finest place it names.
with address_places as (
    select * from {{ ref('int_geo__address_places') }}
),

offices as (
    select * from {{ ref('stg_crm__offices') }}
),

checkins as (
    select * from {{ ref('int_geo__visit_checkins') }}
),

precision_levels as (
    select * from {{ ref('geo_precision_levels') }}
),

customer_measured as (
    select
        account_id,
        count(*) as plausible_checkins,
        median(check_in_longitude) as longitude,
        median(check_in_latitude) as latitude
    from checkins
    where is_plausible_location
    group by account_id
),

office_converted as (
    select
        office_id,
        {{ gcj02_to_wgs84_lon('cast(longitude as double)', 'cast(latitude as double)') }} as longitude,
        {{ gcj02_to_wgs84_lat('cast(longitude as double)', 'cast(latitude as double)') }} as latitude
    from offices
    where longitude is not null and latitude is not null
),

office_measured as (
    select
        office_converted.office_id,
        office_converted.longitude,
        office_converted.latitude
    from office_converted
    inner join address_places
        on
            address_places.location_type = 'office'
            and office_converted.office_id = address_places.location_id
    left join precision_levels on address_places.place_precision = precision_levels.coordinate_precision
    where
        office_converted.longitude
        between address_places.province_min_longitude and address_places.province_max_longitude
        and office_converted.latitude
        between address_places.province_min_latitude and address_places.province_max_latitude
        and (
            precision_levels.checkin_plausible_radius_km is null
            or {{ haversine_km(
                'address_places.place_longitude', 'address_places.place_latitude',
                'office_converted.longitude', 'office_converted.latitude'
            ) }} <= precision_levels.checkin_plausible_radius_km
        )
),

measured as (
    select
        'customer' as location_type,
        account_id as location_id,
        'check_ins' as coordinate_source,
        plausible_checkins,
        longitude,
        latitude
    from customer_measured
    union all
    select
        'office' as location_type,
        office_id as location_id,
        'crm_export' as coordinate_source,
        null as plausible_checkins,
        longitude,
        latitude
    from office_measured
),

final as (
    select
        address_places.location_type,
        address_places.location_id,
        address_places.province,
        address_places.city,
        address_places.district,
        address_places.adcode,
        coalesce(
            measured.longitude, address_places.online_longitude, address_places.place_longitude
        ) as longitude,
        coalesce(
            measured.latitude, address_places.online_latitude, address_places.place_latitude
        ) as latitude,
        case
            when measured.location_id is not null then measured.coordinate_source
            when address_places.online_longitude is not null then 'online_geocoder'
            when address_places.place_precision != 'none' then 'gazetteer'
            else 'none'
        end as coordinate_source,
        case
            when measured.location_id is not null then 'point'
            when address_places.online_longitude is not null then address_places.online_precision
            else address_places.place_precision
        end as coordinate_precision,
        coalesce(measured.plausible_checkins, 0) as plausible_checkins
    from address_places
    left join measured
        on
            address_places.location_type = measured.location_type
            and address_places.location_id = measured.location_id
)

select * from final
