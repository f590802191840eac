-- one row per travel claim: the km it claims against the km of the rep's route that day
-- (office -> visited customers -> office); with no visit that day, against a round trip from
-- the office to the claimed customer. Flagged when the claim exceeds the route by more than
-- the tolerance of the rules.
with claims as (
    select * from {{ ref('stg_erp__expense_claims') }}
),

employee_teams as (
    select * from {{ ref('int_employee_teams') }}
),

routes as (
    select * from {{ ref('fct_rep_day_routes') }}
),

checkins as (
    select * from {{ ref('int_geo__visit_checkins') }}
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

visited_claimed_customer as (
    select distinct
        employee_id,
        visited_on,
        account_id
    from checkins
),

-- the fallback route of a claim without visits: office -> claimed customer -> office
claimed_round_trips as (
    select
        claims.claim_id,
        {{ road_km(
            '2 * ' ~ haversine_km('offices.longitude', 'offices.latitude', 'customers.longitude', 'customers.latitude'),
            'coalesce(province_detour.road_detour_factor, default_detour.road_detour_factor)',
            'rules.min_round_trip_km'
        ) }} as round_trip_km
    from claims
    cross join rules
    left join employee_teams on claims.employee_id = employee_teams.employee_id
    left join locations as offices
        on offices.location_type = 'office' and employee_teams.office_id = offices.location_id
    left join locations as customers
        on customers.location_type = 'customer' and claims.account_id = customers.location_id
    left join detour_factors as province_detour on offices.province = province_detour.province
    left join detour_factors as default_detour on default_detour.province is null
),

compared as (
    select
        claims.claim_id,
        claims.employee_id,
        claims.travelled_on,
        claims.account_id,
        claims.claimed_km,
        claims.claimed_amount,
        routes.employee_id is not null as has_visit_on_day,
        visited_claimed_customer.account_id is not null as visited_claimed_customer,
        case
            when routes.employee_id is not null then 'visit_route'
            when claimed_round_trips.round_trip_km is not null then 'claimed_customer_round_trip'
            else 'none'
        end as route_basis,
        case
            when routes.employee_id is not null then routes.route_km
            else claimed_round_trips.round_trip_km
        end as route_km
    from claims
    left join routes
        on claims.employee_id = routes.employee_id and claims.travelled_on = routes.visited_on
    left join visited_claimed_customer
        on
            claims.employee_id = visited_claimed_customer.employee_id
            and claims.travelled_on = visited_claimed_customer.visited_on
            and claims.account_id = visited_claimed_customer.account_id
    left join claimed_round_trips on claims.claim_id = claimed_round_trips.claim_id
),

final as (
    select
        compared.claim_id,
        compared.employee_id,
        employee_teams.employee_name,
        employee_teams.team_id,
        employee_teams.team_name,
        employee_teams.province_unit_id,
        employee_teams.province_unit_name,
        employee_teams.region_id,
        employee_teams.region_name,
        employee_teams.office_id,
        compared.travelled_on,
        cast(date_trunc('month', compared.travelled_on) as date) as month_start,
        compared.account_id,
        compared.claimed_km,
        compared.claimed_amount,
        compared.has_visit_on_day,
        compared.visited_claimed_customer,
        compared.route_basis,
        compared.route_km,
        compared.claimed_km - compared.route_km as excess_km,
        compared.claimed_km / nullif(compared.route_km, 0) - 1 as excess_share,
        rules.claim_km_tolerance_share,
        coalesce(
            compared.claimed_km > compared.route_km * (1 + rules.claim_km_tolerance_share), false
        ) as is_km_over_route
    from compared
    cross join rules
    left join employee_teams on compared.employee_id = employee_teams.employee_id
)

select * from final
