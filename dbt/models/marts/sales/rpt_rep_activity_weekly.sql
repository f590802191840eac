with visits as (
    select * from {{ ref('stg_crm__visits') }}
),

employee_teams as (
    select * from {{ ref('int_employee_teams') }}
),

checkins as (
    select * from {{ ref('fct_visit_checkins') }}
),

-- iso weeks start on monday (date_trunc's week on both engines); a week's iso year is the year
-- of its thursday, which keeps the days around new year in the right week
activity_weeks as (
    select
        visits.employee_id,
        visits.activity_type,
        cast(date_trunc('week', visits.checked_in_at) as date) as week_start,
        cast(year(date_trunc('week', visits.checked_in_at) + interval 3 day) as bigint) as iso_year,
        cast(weekofyear(visits.checked_in_at) as bigint) as iso_week,
        checkins.checkin_distance_km,
        checkins.is_far_from_customer
    from visits
    left join checkins on visits.visit_id = checkins.visit_id
),

final as (
    select
        activity_weeks.week_start,
        activity_weeks.iso_year,
        activity_weeks.iso_week,
        activity_weeks.employee_id,
        employee_teams.employee_name,
        employee_teams.job_role,
        employee_teams.team_id,
        employee_teams.team_name,
        employee_teams.province_unit_id,
        employee_teams.province_unit_name,
        employee_teams.region_id,
        employee_teams.region_name,
        count(*) filter (where activity_weeks.activity_type = 'visit') as visits,
        count(*) filter (where activity_weeks.activity_type = 'call') as calls,
        count(*) filter (where activity_weeks.activity_type = 'academic_meeting') as academic_meetings,
        count(*) as activities,
        count(activity_weeks.checkin_distance_km) as checkins_located,
        median(activity_weeks.checkin_distance_km) as median_checkin_distance_km,
        count(*) filter (where activity_weeks.is_far_from_customer) as checkins_far_from_customer
    from activity_weeks
    left join employee_teams on activity_weeks.employee_id = employee_teams.employee_id
    group by all
)

select * from final
