with visits as (
    select * from {{ ref('stg_crm__visits') }}
),

employee_teams as (
    select * from {{ ref('int_employee_teams') }}
),

-- iso weeks start on monday; isoyear keeps the days around new year in the right week
activity_weeks as (
    select
        employee_id,
        activity_type,
        cast(date_trunc('week', checked_in_at) as date) as week_start,
        isoyear(checked_in_at) as iso_year,
        weekofyear(checked_in_at) as iso_week
    from visits
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
        count(*) as activities
    from activity_weeks
    left join employee_teams on activity_weeks.employee_id = employee_teams.employee_id
    group by all
)

select * from final
