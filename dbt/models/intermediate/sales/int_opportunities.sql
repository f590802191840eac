with opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

employees as (
    select * from {{ ref('stg_crm__employees') }}
),

org_units as (
    select * from {{ ref('int_org_unit_hierarchy') }}
),

final as (
    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.owner_id,
        employees.employee_name as owner_name,
        employees.unit_id as owner_unit_id,
        org_units.team_id,
        org_units.team_name,
        org_units.province_unit_id,
        org_units.province_unit_name,
        org_units.region_id,
        org_units.region_name,
        opportunities.product_line,
        opportunities.channel,
        opportunities.lead_id,
        opportunities.amount,
        opportunities.created_on,
        opportunities.expected_close_on,
        opportunities.current_stage,
        opportunities.closed_on,
        opportunities.lost_reason
    from opportunities
    left join employees on opportunities.owner_id = employees.employee_id
    left join org_units on employees.unit_id = org_units.unit_id
)

select * from final
