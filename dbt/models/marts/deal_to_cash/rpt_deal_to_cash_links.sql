-- how the chain's rows were linked, per kind of row and link method: every contract, order
-- line and device is counted, linked to a won deal or not (unlinked rows are never dropped)
with contracts as (
    select * from {{ ref('dim_contracts') }}
),

deal_contracts as (
    select * from {{ ref('int_d2c_deal_contracts') }}
),

order_lines as (
    select * from {{ ref('int_d2c_order_lines') }}
),

devices as (
    select * from {{ ref('int_d2c_device_links') }}
),

links as (
    select
        'contract' as row_kind,
        coalesce(deal_contracts.link_method, 'unlinked') as link_method,
        deal_contracts.link_confidence,
        contracts.contract_amount_cny as amount
    from contracts
    left join deal_contracts on contracts.contract_id = deal_contracts.contract_id
    union all
    select
        'order_line' as row_kind,
        case
            when opportunity_id is not null then 'key:contract_id'
            when contract_id is null then 'unlinked:no_contract'
            else 'unlinked:contract_without_deal'
        end as link_method,
        case when opportunity_id is not null then 1.0 end as link_confidence,
        line_amount as amount
    from order_lines
    union all
    select
        'device' as row_kind,
        case
            when opportunity_id is not null then link_method
            when order_id is not null then 'unlinked:order_without_deal'
            else 'unlinked:no_order'
        end as link_method,
        link_confidence,
        null as amount
    from devices
),

final as (
    select
        row_kind,
        link_method,
        link_confidence,
        count(*) as row_count,
        cast(sum(amount) as decimal(18, 2)) as amount
    from links
    group by all
)

select * from final
