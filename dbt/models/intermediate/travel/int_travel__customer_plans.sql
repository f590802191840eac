-- one row per customer account: the office that serves it (its owner rep's office), the road
-- km of a round trip from that office, and the visits per month the plan requires
with accounts as (
    select * from {{ ref('stg_crm__accounts') }}
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

visit_frequency as (
    select * from {{ ref('visit_frequency') }}
),

rules as (
    select * from {{ ref('travel_rules') }}
),

served as (
    select
        accounts.account_id,
        accounts.account_type,
        accounts.hospital_grade,
        accounts.owner_id,
        accounts.created_on,
        employees.office_id,
        offices.province as office_province,
        offices.longitude as office_longitude,
        offices.latitude as office_latitude,
        customers.longitude as customer_longitude,
        customers.latitude as customer_latitude,
        customers.coordinate_precision as customer_coordinate_precision,
        coalesce(province_detour.road_detour_factor, default_detour.road_detour_factor)
            as road_detour_factor
    from accounts
    left join employees on accounts.owner_id = employees.employee_id
    left join locations as offices
        on offices.location_type = 'office' and employees.office_id = offices.location_id
    left join locations as customers
        on customers.location_type = 'customer' and accounts.account_id = customers.location_id
    left join detour_factors as province_detour on offices.province = province_detour.province
    left join detour_factors as default_detour on default_detour.province is null
),

final as (
    select
        served.account_id,
        served.account_type,
        served.hospital_grade,
        served.owner_id,
        served.created_on,
        served.office_id,
        served.office_province,
        served.customer_coordinate_precision,
        served.road_detour_factor,
        {{ haversine_km(
            'served.office_longitude', 'served.office_latitude',
            'served.customer_longitude', 'served.customer_latitude'
        ) }} as office_distance_km,
        {{ road_km(
            '2 * ' ~ haversine_km(
                'served.office_longitude', 'served.office_latitude',
                'served.customer_longitude', 'served.customer_latitude'
            ),
            'served.road_detour_factor',
            'rules.min_round_trip_km'
        ) }} as round_trip_road_km,
        coalesce(by_grade.visits_per_month, by_type.visits_per_month, 0) as visits_per_month
    from served
    cross join rules
    left join visit_frequency as by_grade
        on
            served.account_type = by_grade.account_type
            and served.hospital_grade = by_grade.hospital_grade
    left join visit_frequency as by_type
        on
            served.account_type = by_type.account_type
            and by_type.hospital_grade is null
)

select * from final
