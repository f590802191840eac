-- one row per in-person visit (visit or academic meeting): its check-in in WGS-84 and whether
-- the check-in is plausible as a measurement of the customer's location (inside the
-- province's box and near the centre the customer's address resolves to)
with visits as (
    select * from {{ ref('stg_crm__visits') }}
),

address_places as (
    select * from {{ ref('int_geo__address_places') }}
    where location_type = 'customer'
),

precision_levels as (
    select * from {{ ref('geo_precision_levels') }}
),

in_person as (
    select
        visit_id,
        employee_id,
        account_id,
        activity_type,
        checked_in_at,
        cast(check_in_longitude as double) as check_in_longitude_gcj02,
        cast(check_in_latitude as double) as check_in_latitude_gcj02
    from visits
    where activity_type in ('visit', 'academic_meeting')
),

converted as (
    select
        visit_id,
        employee_id,
        account_id,
        activity_type,
        checked_in_at,
        {{ gcj02_to_wgs84_lon('check_in_longitude_gcj02', 'check_in_latitude_gcj02') }}
            as check_in_longitude,
        {{ gcj02_to_wgs84_lat('check_in_longitude_gcj02', 'check_in_latitude_gcj02') }}
            as check_in_latitude
    from in_person
),

measured as (
    select
        converted.visit_id,
        converted.employee_id,
        converted.account_id,
        converted.activity_type,
        converted.checked_in_at,
        converted.check_in_longitude,
        converted.check_in_latitude,
        address_places.place_precision,
        precision_levels.checkin_plausible_radius_km,
        {{ address_fit_columns('converted.check_in_longitude', 'converted.check_in_latitude') }}
    from converted
    left join address_places on converted.account_id = address_places.location_id
    left join precision_levels on address_places.place_precision = precision_levels.coordinate_precision
),

final as (
    select
        visit_id,
        employee_id,
        account_id,
        activity_type,
        checked_in_at,
        cast(checked_in_at as date) as visited_on,
        check_in_longitude,
        check_in_latitude,
        km_from_address_centre,
        coalesce(
            is_in_province
            and (
                checkin_plausible_radius_km is null
                or km_from_address_centre <= checkin_plausible_radius_km
            ),
            false
        ) as is_plausible_location
    from measured
)

select * from final
