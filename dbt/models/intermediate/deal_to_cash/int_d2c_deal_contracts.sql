-- each won deal's contracts: by the opportunity key the ERP carries, else by rule (same
-- account, a contract without a deal key signed within the link window after the win);
-- see DECISIONLOG, "Deal to cash"
with won as (
    select * from {{ ref('int_opportunities') }}
    where current_stage = 'won'
),

contracts as (
    select * from {{ ref('dim_contracts') }}
),

settings as (
    select * from {{ ref('deal_to_cash_settings') }}
),

by_key as (
    select
        won.opportunity_id,
        contracts.contract_id,
        'key:opportunity_id' as link_method,
        1.0 as link_confidence
    from won
    inner join contracts on won.opportunity_id = contracts.opportunity_id
),

by_rule as (
    select
        won.opportunity_id,
        contracts.contract_id,
        'rule:account+signed_after_win' as link_method,
        0.6 as link_confidence
    from won
    cross join settings
    inner join contracts
        on
            won.account_id = contracts.account_id
            and contracts.opportunity_id is null
            and contracts.signed_on between won.closed_on
            and won.closed_on + settings.contract_link_window_days
    where won.opportunity_id not in (select by_key.opportunity_id from by_key)
    -- the contract signed nearest the win, and each contract to one deal only
    qualify
        row_number() over (
            partition by won.opportunity_id order by contracts.signed_on, contracts.contract_id
        ) = 1
        and row_number() over (
            partition by contracts.contract_id order by won.closed_on desc, won.opportunity_id asc
        ) = 1
),

final as (
    select
        links.opportunity_id,
        links.contract_id,
        links.link_method,
        links.link_confidence,
        contracts.signed_on,
        contracts.contract_amount_cny
    from (
        select * from by_key
        union all
        select * from by_rule
    ) as links
    inner join contracts on links.contract_id = contracts.contract_id
)

select * from final
