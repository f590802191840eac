with contract_terms as (
    select * from {{ ref('int_contract_terms') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

employee_teams as (
    select * from {{ ref('int_employee_teams') }}
),

final as (
    select
        contract_terms.contract_id,
        contract_terms.account_id,
        accounts.account_name,
        contract_terms.owner_id,
        employee_teams.employee_name as owner_name,
        employee_teams.team_id,
        employee_teams.team_name,
        employee_teams.region_name,
        contract_terms.opportunity_id,
        contract_terms.signed_on,
        contract_terms.approved_on,
        contract_terms.valid_from,
        contract_terms.valid_to,
        contract_terms.currency,
        contract_terms.contract_amount,
        cast(contract_terms.fx_rate_to_cny as double) as fx_rate_to_cny,
        contract_terms.contract_amount_cny,
        cast(contract_terms.approved_discount as double) as approved_discount,
        cast(contract_terms.current_discount as double) as current_discount,
        cast(contract_terms.payment_days as integer) as payment_days,
        contract_terms.changed_after_approval,
        cast(contract_terms.changes_after_approval as bigint) as changes_after_approval,
        contract_terms.first_changed_after_approval_on
    from contract_terms
    left join accounts on contract_terms.account_id = accounts.account_id
    left join employee_teams on contract_terms.owner_id = employee_teams.employee_id
)

select * from final
