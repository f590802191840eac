with opportunities as (
    select * from {{ ref('int_opportunities') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

contracts as (
    select * from {{ ref('stg_erp__contracts') }}
),

-- a deal with several contracts counts from its first signature
first_contracts as (
    select
        opportunity_id,
        contract_id,
        signed_on
    from contracts
    where opportunity_id is not null
    qualify row_number() over (partition by opportunity_id order by signed_on, contract_id) = 1
),

final as (
    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.owner_id,
        opportunities.owner_name,
        opportunities.team_id,
        opportunities.team_name,
        opportunities.province_unit_id,
        opportunities.province_unit_name,
        opportunities.region_id,
        opportunities.region_name,
        opportunities.product_line,
        opportunities.channel,
        opportunities.amount,
        opportunities.created_on,
        opportunities.closed_on,
        cast(date_trunc('month', opportunities.closed_on) as date) as closed_month,
        {{ date_diff_in('day', 'opportunities.created_on', 'opportunities.closed_on') }}
            as sales_cycle_days,
        opportunities.lead_id,
        leads.created_at as lead_created_at,
        first_contracts.contract_id,
        first_contracts.signed_on as contract_signed_on,
        {{ date_diff_in('day', 'cast(leads.created_at as date)', 'first_contracts.signed_on') }}
            as lead_to_contract_days
    from opportunities
    left join leads on opportunities.lead_id = leads.lead_id
    left join first_contracts on opportunities.opportunity_id = first_contracts.opportunity_id
    where opportunities.current_stage = 'won'
)

select * from final
