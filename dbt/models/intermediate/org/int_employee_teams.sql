with employees as (
    select * from {{ ref('stg_crm__employees') }}
),

org_units as (
    select * from {{ ref('int_org_unit_hierarchy') }}
),

offices as (
    select * from {{ ref('stg_crm__offices') }}
),

final as (
    select
        employees.employee_id,
        employees.employee_name,
        employees.job_role,
        employees.unit_id,
        org_units.unit_name,
        -- a unit the org tree does not know (no org-unit export): a flat company > team, the
        -- team being the employee's manager's group, else the office, else the company
        -- (DECISIONLOG, "Thin exports")
        case
            when org_units.unit_id is not null then org_units.team_id
            when employees.manager_id is not null then 'manager:' || employees.manager_id
            when employees.office_id is not null then 'office:' || employees.office_id
            else 'company'
        end as team_id,
        case
            when org_units.unit_id is not null then org_units.team_name
            when employees.manager_id is not null
                then coalesce(managers.employee_name, employees.manager_id) || '组'
            when employees.office_id is not null
                then coalesce(offices.office_name, employees.office_id)
            else '全公司'
        end as team_name,
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
    left join employees as managers on employees.manager_id = managers.employee_id
    left join offices on employees.office_id = offices.office_id
    union all
    -- owners an export names instead of giving an id (owner_id 'name:<name>', see
    -- stg_crm__opportunities): an employee of that name, in one flat unit, the company, as
    -- such an export brings no org tree (DECISIONLOG, "Thin exports")
    select distinct
        opportunities.owner_id as employee_id,
        substr(opportunities.owner_id, length('name:') + 1) as employee_name,
        'sales_rep' as job_role,
        cast(null as string) as unit_id,
        cast(null as string) as unit_name,
        'company' as team_id,
        '全公司' as team_name,
        cast(null as string) as province_unit_id,
        cast(null as string) as province_unit_name,
        cast(null as string) as region_id,
        cast(null as string) as region_name,
        cast(null as string) as office_id,
        cast(null as string) as manager_id,
        cast(null as string) as mobile,
        cast(null as date) as hired_on,
        cast(null as date) as left_on
    from {{ ref('stg_crm__opportunities') }} as opportunities
    where
        opportunities.owner_id like 'name:%'
        and opportunities.owner_id not in (select employees.employee_id from employees)
)

select * from final
