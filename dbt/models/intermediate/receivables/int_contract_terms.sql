with contracts as (
    select * from {{ ref('stg_erp__contracts') }}
),

changes as (
    select * from {{ ref('stg_erp__contract_changes') }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

-- the first change after approval holds, as its old value, what was approved
first_discount_change_after_approval as (
    select
        changes.contract_id,
        changes.changed_on,
        changes.old_value,
        changes.changed_by
    from changes
    inner join contracts on changes.contract_id = contracts.contract_id
    where
        changes.changed_field = 'approved_discount'
        and changes.changed_on > contracts.approved_on
    qualify row_number() over (
        partition by changes.contract_id order by changes.changed_on, changes.change_id
    ) = 1
),

changes_after_approval as (
    select
        changes.contract_id,
        count(*) as changes_after_approval,
        min(changes.changed_on) as first_changed_after_approval_on
    from changes
    inner join contracts on changes.contract_id = contracts.contract_id
    where changes.changed_on > contracts.approved_on
    group by all
),

final as (
    select
        contracts.contract_id,
        contracts.account_id,
        contracts.owner_id,
        contracts.opportunity_id,
        contracts.signed_on,
        contracts.approved_on,
        contracts.valid_from,
        contracts.valid_to,
        contracts.currency,
        contracts.contract_amount,
        -- foreign-currency contracts at the rate of the month they were signed in
        case when contracts.currency = 'CNY' then 1.0 else fx_rates.rate_to_cny end
            as fx_rate_to_cny,
        -- a double (the seed's rates): cast to decimal as DuckDB casts on both engines
        {{ decimal_of_double(
            "contracts.contract_amount
            * case when contracts.currency = 'CNY' then 1.0 else fx_rates.rate_to_cny end",
            18, 2
        ) }} as contract_amount_cny,
        contracts.approved_discount as current_discount,
        coalesce(first_discount_change_after_approval.old_value, contracts.approved_discount)
            as approved_discount,
        contracts.payment_days,
        coalesce(changes_after_approval.changes_after_approval, 0) > 0 as changed_after_approval,
        coalesce(changes_after_approval.changes_after_approval, 0) as changes_after_approval,
        changes_after_approval.first_changed_after_approval_on
    from contracts
    left join fx_rates
        on
            contracts.currency = fx_rates.currency
            and {{ month_label('contracts.signed_on') }} = fx_rates.rate_month
    left join first_discount_change_after_approval
        on contracts.contract_id = first_discount_change_after_approval.contract_id
    left join changes_after_approval
        on contracts.contract_id = changes_after_approval.contract_id
)

select * from final
