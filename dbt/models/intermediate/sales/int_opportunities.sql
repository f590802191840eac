with opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

owners as (
    select * from {{ ref('int_employee_teams') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

final as (
    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.owner_id,
        owners.employee_name as owner_name,
        owners.unit_id as owner_unit_id,
        owners.team_id,
        owners.team_name,
        owners.province_unit_id,
        owners.province_unit_name,
        owners.region_id,
        owners.region_name,
        opportunities.product_line,
        opportunities.channel,
        opportunities.lead_id,
        leads.lead_source,
        opportunities.amount,
        opportunities.created_on,
        opportunities.expected_close_on,
        opportunities.current_stage,
        opportunities.closed_on,
        opportunities.lost_reason
    from opportunities
    left join owners on opportunities.owner_id = owners.employee_id
    left join leads on opportunities.lead_id = leads.lead_id
)

select * from final
