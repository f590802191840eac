-- one row per in-person visit (visit or academic meeting): how far its check-in was from the
-- customer's location, and whether that is farther than the rules allow
with checkins as (
    select * from {{ ref('int_geo__visit_checkins') }}
),

locations as (
    select * from {{ ref('int_geo__locations') }}
    where location_type = 'customer'
),

employee_teams as (
    select * from {{ ref('int_employee_teams') }}
),

rules as (
    select * from {{ ref('travel_rules') }}
),

measured as (
    select
        checkins.visit_id,
        checkins.employee_id,
        checkins.account_id,
        checkins.activity_type,
        checkins.checked_in_at,
        checkins.visited_on,
        checkins.check_in_longitude,
        checkins.check_in_latitude,
        checkins.is_plausible_location,
        locations.longitude as customer_longitude,
        locations.latitude as customer_latitude,
        locations.coordinate_source as customer_coordinate_source,
        locations.coordinate_precision as customer_coordinate_precision,
        {{ haversine_km(
            'locations.longitude', 'locations.latitude',
            'checkins.check_in_longitude', 'checkins.check_in_latitude'
        ) }} as checkin_distance_km
    from checkins
    left join locations on checkins.account_id = locations.location_id
),

final as (
    select
        measured.visit_id,
        measured.employee_id,
        employee_teams.team_id,
        employee_teams.team_name,
        employee_teams.province_unit_name,
        employee_teams.region_name,
        measured.account_id,
        measured.activity_type,
        measured.checked_in_at,
        measured.visited_on,
        measured.check_in_longitude is not null as has_check_in,
        measured.check_in_longitude,
        measured.check_in_latitude,
        measured.customer_longitude,
        measured.customer_latitude,
        measured.customer_coordinate_source,
        measured.customer_coordinate_precision,
        measured.checkin_distance_km,
        rules.checkin_far_km,
        coalesce(measured.checkin_distance_km > rules.checkin_far_km, false) as is_far_from_customer,
        measured.is_plausible_location
    from measured
    cross join rules
    left join employee_teams on measured.employee_id = employee_teams.employee_id
)

select * from final
