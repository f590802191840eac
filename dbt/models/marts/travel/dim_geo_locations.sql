-- one row per sales office and per customer account: the WGS-84 coordinate the travel marts
-- use, its source and precision; for a customer also its class, serving office, owner's team,
-- round-trip road km from the office and revenue to date (the cockpit's map)
with locations as (
    select * from {{ ref('int_geo__locations') }}
),

offices as (
    select * from {{ ref('stg_crm__offices') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

plans as (
    select * from {{ ref('int_travel__customer_plans') }}
),

employee_teams as (
    select * from {{ ref('int_employee_teams') }}
),

orders as (
    select * from {{ ref('stg_erp__orders') }}
),

revenue as (
    select
        account_id,
        sum(quantity * unit_price) as revenue
    from orders
    group by account_id
),

final as (
    select
        locations.location_type,
        locations.location_id,
        coalesce(offices.office_name, accounts.account_name) as location_name,
        locations.province,
        locations.city,
        locations.district,
        locations.adcode,
        locations.longitude,
        locations.latitude,
        locations.coordinate_source,
        locations.coordinate_precision,
        locations.plausible_checkins,
        locations.account_coordinate_status,
        locations.account_coordinate_km_from_checkins,
        accounts.account_type,
        accounts.hospital_grade,
        -- the class the visit plan is keyed by until the customer value tier replaces it
        case
            when accounts.account_type = 'hospital' and accounts.hospital_grade is not null
                then 'hospital_' || accounts.hospital_grade
            else accounts.account_type
        end as customer_class,
        plans.visits_per_month,
        coalesce(plans.office_id, locations.location_id) as serving_office_id,
        accounts.owner_id,
        employee_teams.team_id,
        employee_teams.team_name,
        employee_teams.province_unit_name,
        plans.round_trip_road_km,
        cast(coalesce(revenue.revenue, 0) as decimal(18, 2)) as revenue
    from locations
    left join offices
        on locations.location_type = 'office' and locations.location_id = offices.office_id
    left join accounts
        on locations.location_type = 'customer' and locations.location_id = accounts.account_id
    left join plans
        on locations.location_type = 'customer' and locations.location_id = plans.account_id
    left join employee_teams on accounts.owner_id = employee_teams.employee_id
    left join revenue
        on locations.location_type = 'customer' and locations.location_id = revenue.account_id
)

select * from final
