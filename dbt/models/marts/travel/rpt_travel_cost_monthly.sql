-- one row per sales rep and month employed: the visit plan's km, the km actually driven (day
-- routes), the km and CNY claimed, and what a visit and a CNY of revenue cost in travel. The
-- org columns (team, province unit, region) and the office let the cockpit roll up any level.
with employee_teams as (
    select * from {{ ref('int_employee_teams') }}
),

offices as (
    select * from {{ ref('stg_crm__offices') }}
),

plans as (
    select * from {{ ref('int_travel__customer_plans') }}
),

checkins as (
    select * from {{ ref('int_geo__visit_checkins') }}
),

routes as (
    select * from {{ ref('fct_rep_day_routes') }}
),

claims as (
    select * from {{ ref('stg_erp__expense_claims') }}
),

orders as (
    select * from {{ ref('stg_erp__orders') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

activity_months as (
    select cast(date_trunc('month', checked_in_at) as date) as month_start from checkins
    union
    select cast(date_trunc('month', travelled_on) as date) as month_start from claims
),

month_starts as (
    select {{ series_of('min(month_start)', 'max(month_start)', 'interval 1 month') }} as month_start
    from activity_months
),

months as (
    select
        cast(month_start as date) as month_start,
        cast(month_start + interval 1 month - interval 1 day as date) as month_end
    from month_starts
),

rep_months as (
    select
        months.month_start,
        months.month_end,
        employee_teams.employee_id
    from employee_teams
    inner join months
        on
            employee_teams.hired_on <= months.month_end
            and (employee_teams.left_on is null or employee_teams.left_on >= months.month_start)
    where employee_teams.job_role = 'sales_rep'
),

-- the plan counts the customers the rep owns today that existed by the month's end
planned as (
    select
        rep_months.month_start,
        rep_months.employee_id,
        count(*) as customers_planned,
        {{ exact_sum('plans.visits_per_month') }} as planned_visits,
        {{ exact_sum('plans.visits_per_month * plans.round_trip_road_km') }} as planned_km
    from rep_months
    inner join plans
        on
            rep_months.employee_id = plans.owner_id
            and (plans.created_on is null or rep_months.month_end >= plans.created_on)
    group by rep_months.month_start, rep_months.employee_id
),

visited as (
    select
        cast(date_trunc('month', visited_on) as date) as month_start,
        employee_id,
        count(*) as visits
    from checkins
    group by all
),

driven as (
    select
        month_start,
        employee_id,
        count(*) as field_days,
        {{ exact_sum('route_km') }} as route_km
    from routes
    group by all
),

claimed as (
    select
        cast(date_trunc('month', travelled_on) as date) as month_start,
        employee_id,
        count(*) as claims,
        {{ exact_sum('claimed_km') }} as claimed_km,
        sum(claimed_amount) as claimed_amount
    from claims
    group by all
),

earned as (
    select
        cast(date_trunc('month', orders.ordered_on) as date) as month_start,
        accounts.owner_id as employee_id,
        sum(orders.quantity * orders.unit_price) as revenue
    from orders
    inner join accounts on orders.account_id = accounts.account_id
    group by all
),

final as (
    select
        rep_months.month_start,
        rep_months.employee_id,
        employee_teams.employee_name,
        employee_teams.team_id,
        employee_teams.team_name,
        employee_teams.province_unit_id,
        employee_teams.province_unit_name,
        employee_teams.region_id,
        employee_teams.region_name,
        employee_teams.office_id,
        offices.office_name,
        offices.province as office_province,
        coalesce(planned.customers_planned, 0) as customers_planned,
        coalesce(planned.planned_visits, 0) as planned_visits,
        coalesce(planned.planned_km, 0) as planned_km,
        coalesce(visited.visits, 0) as visits,
        coalesce(driven.field_days, 0) as field_days,
        coalesce(driven.route_km, 0) as route_km,
        coalesce(claimed.claims, 0) as claims,
        coalesce(claimed.claimed_km, 0) as claimed_km,
        cast(coalesce(claimed.claimed_amount, 0) as decimal(18, 2)) as claimed_amount,
        cast(coalesce(earned.revenue, 0) as decimal(18, 2)) as revenue,
        cast(claimed.claimed_amount as double) / nullif(visited.visits, 0) as cost_per_visit,
        cast(claimed.claimed_amount as double) / nullif(earned.revenue, 0) as cost_per_revenue_cny
    from rep_months
    inner join employee_teams on rep_months.employee_id = employee_teams.employee_id
    left join offices on employee_teams.office_id = offices.office_id
    left join planned
        on rep_months.month_start = planned.month_start and rep_months.employee_id = planned.employee_id
    left join visited
        on rep_months.month_start = visited.month_start and rep_months.employee_id = visited.employee_id
    left join driven
        on rep_months.month_start = driven.month_start and rep_months.employee_id = driven.employee_id
    left join claimed
        on rep_months.month_start = claimed.month_start and rep_months.employee_id = claimed.employee_id
    left join earned
        on rep_months.month_start = earned.month_start and rep_months.employee_id = earned.employee_id
)

select * from final
