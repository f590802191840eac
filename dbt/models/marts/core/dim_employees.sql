with employee_teams as (
    select * from {{ ref('int_employee_teams') }}
),

final as (
    select
        employee_id,
        employee_name,
        job_role,
        unit_id,
        unit_name,
        team_id,
        team_name,
        province_unit_id,
        province_unit_name,
        region_id,
        region_name,
        office_id,
        manager_id,
        {{ mask_personal_data('mobile', 'phone') }} as mobile,
        hired_on,
        left_on,
        left_on is null as is_active
    from employee_teams
)

select * from final
