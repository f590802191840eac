-- one row per engineer per month: tickets resolved, SLA kept, speed, first-time fixes, CSAT,
-- hours and travel logged, and utilization (hours logged / hours available on the working
-- days of the standard calendar while employed)
with tickets as (
    select * from {{ ref('fct_service_tickets') }}
),

sla as (
    select * from {{ ref('fct_service_sla_targets') }}
),

worklogs as (
    select * from {{ ref('stg_service__engineer_worklogs') }}
),

engineers as (
    select * from {{ ref('int_employee_teams') }}
    where job_role = 'service_engineer'
),

working_days as (
    select calendar_date
    from {{ ref('int_service_calendar_days') }}
    where calendar_id = 'cn_standard' and is_working_day
),

parameters as (
    select max(value) filter (where parameter = 'engineer_hours_per_workday') as hours_per_day
    from {{ ref('service_parameters') }}
),

months as (
    select distinct created_month as month_start from tickets
),

resolved as (
    select
        engineer_id,
        cast(date_trunc('month', first_resolved_at) as date) as month_start,
        count(*) as tickets_resolved,
        count(*) filter (where is_first_time_fix) as first_time_fixes,
        median(resolve_business_minutes) / 60.0 as median_resolve_business_hours,
        count(satisfaction) as ratings,
        avg(satisfaction) as csat_average,
        count(*) filter (where is_reopened) as tickets_reopened
    from tickets
    where first_resolved_at is not null and engineer_id is not null
    group by all
),

kept as (
    select
        engineer_id,
        measured_month as month_start,
        count(*) as targets_measured,
        count(*) filter (where is_met) as targets_met
    from sla
    where is_reached and sla_status in ('met', 'breached') and engineer_id is not null
    group by all
),

logged as (
    select
        engineer_id,
        cast(date_trunc('month', worked_on) as date) as month_start,
        {{ exact_sum('work_hours') }} as work_hours,
        {{ exact_sum('travel_km') }} as travel_km,
        count(distinct ticket_id) as tickets_worked
    from worklogs
    group by all
),

available as (
    select
        engineers.employee_id as engineer_id,
        months.month_start,
        count(working_days.calendar_date) * any_value(parameters.hours_per_day) as available_hours
    from engineers
    cross join months
    cross join parameters
    inner join working_days
        on
            months.month_start <= working_days.calendar_date
            and working_days.calendar_date < months.month_start + interval 1 month
            and working_days.calendar_date >= coalesce(engineers.hired_on, date '1900-01-01')
            and working_days.calendar_date <= coalesce(engineers.left_on, date '2999-12-31')
    group by all
),

final as (
    select
        engineers.employee_id as engineer_id,
        engineers.employee_name as engineer_name,
        engineers.team_id,
        engineers.team_name,
        engineers.region_id,
        engineers.region_name,
        available.month_start,
        coalesce(resolved.tickets_resolved, 0) as tickets_resolved,
        coalesce(logged.tickets_worked, 0) as tickets_worked,
        coalesce(resolved.first_time_fixes, 0) as first_time_fixes,
        resolved.first_time_fixes / nullif(resolved.tickets_resolved, 0) as first_time_fix_rate,
        resolved.median_resolve_business_hours,
        coalesce(resolved.tickets_reopened, 0) as tickets_reopened,
        coalesce(kept.targets_measured, 0) as sla_targets_measured,
        coalesce(kept.targets_met, 0) as sla_targets_met,
        kept.targets_met / nullif(kept.targets_measured, 0) as sla_attainment,
        coalesce(resolved.ratings, 0) as ratings,
        resolved.csat_average,
        coalesce(logged.work_hours, 0) as work_hours,
        coalesce(logged.travel_km, 0) as travel_km,
        available.available_hours,
        coalesce(logged.work_hours, 0) / nullif(available.available_hours, 0) as utilization
    from available
    inner join engineers on available.engineer_id = engineers.employee_id
    left join resolved
        on available.engineer_id = resolved.engineer_id and available.month_start = resolved.month_start
    left join kept
        on available.engineer_id = kept.engineer_id and available.month_start = kept.month_start
    left join logged
        on available.engineer_id = logged.engineer_id and available.month_start = logged.month_start
)

select * from final
