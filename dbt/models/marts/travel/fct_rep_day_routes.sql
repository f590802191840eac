{#- a stop's leg from the stop before (the office for the first) and, after the last stop, back
    to the office -#}
{% set leg_km -%}
            case
                when legs.stop_number = 1
                    then {{ haversine_km('offices.longitude', 'offices.latitude', 'legs.longitude', 'legs.latitude') }}
                else {{ haversine_km(
                    'legs.previous_longitude', 'legs.previous_latitude', 'legs.longitude', 'legs.latitude'
                ) }}
            end
            + case
                when legs.stop_number = legs.stop_count
                    then {{ haversine_km('legs.longitude', 'legs.latitude', 'offices.longitude', 'offices.latitude') }}
                else 0
            end
{%- endset %}
-- one row per rep and day with in-person visits: the day's route from the rep's office through
-- the visited customers in check-in order and back, in road km
with checkins as (
    select * from {{ ref('int_geo__visit_checkins') }}
),

employees as (
    select * from {{ ref('stg_crm__employees') }}
),

locations as (
    select * from {{ ref('int_geo__locations') }}
),

detour_factors as (
    select * from {{ ref('road_detour_factors') }}
),

rules as (
    select * from {{ ref('travel_rules') }}
),

stops as (
    select
        checkins.employee_id,
        checkins.visited_on,
        checkins.visit_id,
        checkins.account_id,
        checkins.checked_in_at,
        customers.longitude,
        customers.latitude,
        row_number() over (
            partition by checkins.employee_id, checkins.visited_on
            order by checkins.checked_in_at, checkins.visit_id
        ) as stop_number
    from checkins
    left join locations as customers
        on customers.location_type = 'customer' and checkins.account_id = customers.location_id
),

-- the legs: office -> first stop, stop -> next stop, last stop -> office
legs as (
    select
        stops.employee_id,
        stops.visited_on,
        stops.longitude,
        stops.latitude,
        lag(stops.longitude) over day_order as previous_longitude,
        lag(stops.latitude) over day_order as previous_latitude,
        stops.stop_number,
        count(*) over (partition by stops.employee_id, stops.visited_on) as stop_count
    from stops
    window day_order as (partition by stops.employee_id, stops.visited_on order by stops.stop_number)
),

day_legs as (
    select
        legs.employee_id,
        legs.visited_on,
        any_value(legs.stop_count) as stops,
        count(*) filter (where legs.longitude is null) as stops_without_location,
        {{ exact_sum(leg_km) }} as straight_line_km,
        any_value(employees.office_id) as office_id,
        any_value(offices.province) as office_province,
        bool_or(offices.longitude is null) as office_without_location
    from legs
    left join employees on legs.employee_id = employees.employee_id
    left join locations as offices
        on offices.location_type = 'office' and employees.office_id = offices.location_id
    group by legs.employee_id, legs.visited_on
),

checked_days as (
    select
        *,
        -- a stop or the office without a location leaves the day's km unknown, not short
        stops_without_location = 0 and not office_without_location as is_route_complete
    from day_legs
),

final as (
    select
        checked_days.employee_id,
        checked_days.visited_on,
        cast(date_trunc('month', checked_days.visited_on) as date) as month_start,
        checked_days.office_id,
        checked_days.office_province,
        checked_days.stops,
        checked_days.is_route_complete,
        case when checked_days.is_route_complete then checked_days.straight_line_km end
            as straight_line_km,
        coalesce(province_detour.road_detour_factor, default_detour.road_detour_factor)
            as road_detour_factor,
        case
            when checked_days.is_route_complete
                then {{ road_km(
                    'checked_days.straight_line_km',
                    'coalesce(province_detour.road_detour_factor, default_detour.road_detour_factor)',
                    'rules.min_round_trip_km'
                ) }}
        end as route_km
    from checked_days
    cross join rules
    left join detour_factors as province_detour
        on checked_days.office_province = province_detour.province
    left join detour_factors as default_detour on default_detour.province is null
)

select * from final
