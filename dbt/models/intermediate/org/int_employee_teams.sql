with employees as (
    select * from {{ ref('stg_crm__employees') }}
),

org_units as (
    select * from {{ ref('int_org_unit_hierarchy') }}
),

final as (
    select
        employees.employee_id,
        employees.employee_name,
        employees.job_role,
        employees.unit_id,
        org_units.unit_name,
        org_units.team_id,
        org_units.team_name,
        org_units.province_unit_id,
        org_units.province_unit_name,
        org_units.region_id,
        org_units.region_name,
        employees.office_id,
        employees.manager_id,
        employees.mobile,
        employees.hired_on,
        employees.left_on
    from employees
    left join org_units on employees.unit_id = org_units.unit_id
)

select * from final
