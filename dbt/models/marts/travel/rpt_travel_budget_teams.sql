-- one row per sales team: the fair monthly travel budget that its customers' visit plan needs
-- (round-trip road km x cost per km + the daily allowance, per planned visit), next to the
-- current budget (reps x the per-head budget of the office's province) and to what the team
-- claimed per month over the latest complete months
with employee_teams as (
    select * from {{ ref('int_employee_teams') }}
),

offices as (
    select * from {{ ref('stg_crm__offices') }}
),

plans as (
    select * from {{ ref('int_travel__customer_plans') }}
),

claims as (
    select * from {{ ref('stg_erp__expense_claims') }}
),

budgets as (
    select * from {{ ref('travel_budgets_current') }}
),

rules as (
    select * from {{ ref('travel_rules') }}
),

-- the latest complete months of claims: the month of the newest claim is still open
period as (
    select
        {{ months_after(
            "cast(date_trunc('month', max(claims.travelled_on)) as date)",
            '-any_value(rules.budget_months)'
        ) }} as period_start,
        cast(date_trunc('month', max(claims.travelled_on)) - interval 1 day as date) as period_end,
        any_value(rules.budget_months) as budget_months
    from claims
    cross join rules
),

reps as (
    select
        employee_teams.employee_id,
        employee_teams.team_id,
        employee_teams.team_name,
        employee_teams.province_unit_id,
        employee_teams.province_unit_name,
        employee_teams.region_id,
        employee_teams.region_name,
        offices.province as office_province,
        employee_teams.left_on is null or employee_teams.left_on > period.period_end as is_active
    from employee_teams
    cross join period
    left join offices on employee_teams.office_id = offices.office_id
    where employee_teams.job_role = 'sales_rep' and employee_teams.team_id is not null
),

teams as (
    select
        team_id,
        any_value(team_name) as team_name,
        any_value(province_unit_id) as province_unit_id,
        any_value(province_unit_name) as province_unit_name,
        any_value(region_id) as region_id,
        any_value(region_name) as region_name,
        mode(office_province) as office_province,
        count(*) filter (where is_active) as reps
    from reps
    group by team_id
),

needed as (
    select
        reps.team_id,
        count(*) as customers_served,
        count(*) filter (where plans.round_trip_road_km is null) as customers_without_distance,
        count(*) filter (where plans.customer_coordinate_precision = 'point')
            as customers_located_by_point,
        {{ exact_sum(
            "case when plans.customer_coordinate_precision = 'point'
            then plans.visits_per_month * plans.round_trip_road_km end"
        ) }} as point_km_month,
        {{ exact_sum('plans.visits_per_month') }} as planned_visits_month,
        {{ exact_sum('plans.visits_per_month * plans.round_trip_road_km') }} as planned_km_month,
        {{ exact_avg('plans.round_trip_road_km') }} as avg_round_trip_km,
        {{ exact_sum(
            'plans.visits_per_month
            * (plans.round_trip_road_km * rules.km_rate_cny + rules.daily_allowance_cny)'
        ) }} as fair_budget_month_cny
    from plans
    inner join reps on plans.owner_id = reps.employee_id
    cross join rules
    group by reps.team_id
),

claimed as (
    select
        reps.team_id,
        cast(sum(claims.claimed_amount) as double) / any_value(period.budget_months) as claimed_month_cny,
        {{ exact_sum('claims.claimed_km') }} / any_value(period.budget_months) as claimed_km_month
    from claims
    inner join reps on claims.employee_id = reps.employee_id
    cross join period
    where claims.travelled_on between period.period_start and period.period_end
    group by reps.team_id
),

final as (
    select
        teams.team_id,
        teams.team_name,
        teams.province_unit_id,
        teams.province_unit_name,
        teams.region_id,
        teams.region_name,
        teams.office_province,
        period.period_start,
        period.period_end,
        teams.reps,
        coalesce(needed.customers_served, 0) as customers_served,
        coalesce(needed.customers_without_distance, 0) as customers_without_distance,
        coalesce(needed.customers_located_by_point, 0) as customers_located_by_point,
        cast(needed.point_km_month / nullif(needed.planned_km_month, 0) as double)
            as planned_km_share_on_points,
        coalesce(needed.planned_visits_month, 0) as planned_visits_month,
        coalesce(needed.planned_km_month, 0) as planned_km_month,
        needed.avg_round_trip_km,
        coalesce(province_budget.budget_per_head_month_cny, default_budget.budget_per_head_month_cny)
            as budget_per_head_month_cny,
        cast(coalesce(needed.fair_budget_month_cny, 0) as double) as fair_budget_month_cny,
        cast(
            teams.reps
            * coalesce(province_budget.budget_per_head_month_cny, default_budget.budget_per_head_month_cny)
            as double
        ) as current_budget_month_cny,
        cast(coalesce(claimed.claimed_month_cny, 0) as double) as claimed_month_cny,
        coalesce(claimed.claimed_km_month, 0) as claimed_km_month,
        cast(needed.fair_budget_month_cny / nullif(teams.reps, 0) as double) as fair_budget_per_head_cny,
        cast(claimed.claimed_month_cny / nullif(teams.reps, 0) as double) as claimed_per_head_cny
    from teams
    cross join period
    left join needed on teams.team_id = needed.team_id
    left join claimed on teams.team_id = claimed.team_id
    left join budgets as province_budget on teams.office_province = province_budget.province
    left join budgets as default_budget on default_budget.province is null
)

select * from final
