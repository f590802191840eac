with leads as (
    select * from {{ ref('stg_crm__leads') }}
),

employee_teams as (
    select * from {{ ref('int_employee_teams') }}
),

-- the response clock starts at assignment; a lead never assigned is measured from creation
response as (
    select
        *,
        coalesce(assigned_at, created_at) as response_clock_start_at,
        cast(
            {{ date_diff_in('second', 'coalesce(assigned_at, created_at)', 'first_contact_at') }}
            as double
        ) / 3600 as response_hours
    from leads
),

final as (
    select
        response.lead_id,
        response.lead_source,
        response.product_line,
        response.account_id,
        response.campaign_id,
        response.owner_id,
        employee_teams.employee_name as owner_name,
        employee_teams.team_id,
        employee_teams.team_name,
        employee_teams.province_unit_id,
        employee_teams.province_unit_name,
        employee_teams.region_id,
        employee_teams.region_name,
        response.lead_status,
        response.created_at,
        cast(date_trunc('month', response.created_at) as date) as created_month,
        response.assigned_at,
        response.first_contact_at,
        response.response_clock_start_at,
        response.response_hours,
        response.first_contact_at is not null as is_contacted,
        coalesce(response.response_hours <= 24, false) as is_contacted_within_24h,
        response.lead_status = 'converted' as is_converted
    from response
    left join employee_teams on response.owner_id = employee_teams.employee_id
)

select * from final
