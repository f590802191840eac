{#- one block per grain: the column the chain is summed by -#}
{%- set grains = {
    'month': 'won_month',
    'product_line': 'product_line',
    'region': 'region_id',
    'province_unit': 'province_unit_id',
    'team': 'team_id',
    'rep': 'owner_id',
    'golden_customer': 'golden_customer_id',
} -%}
-- the chain summed by one dimension at a time (grain names it, grain_key holds its value)
with deals as (
    select * from {{ ref('fct_deal_to_cash') }}
),

final as (
    {%- for grain, column in grains.items() %}
        select
            '{{ grain }}' as grain,
            cast({{ column }} as string) as grain_key,
            count(*) as deals_won,
            count(*) filter (where contracts = 0) as deals_without_contract,
            count(*) filter (where contracts > 0 and order_lines = 0) as deals_without_order,
            sum(won_amount) as won_amount,
            sum(contract_amount) as contract_amount,
            sum(ordered_amount) as ordered_amount,
            sum(devices_installed) as devices_installed,
            sum(billed_amount) as billed_amount,
            sum(credited_amount) as credited_amount,
            sum(written_off_amount) as written_off_amount,
            sum(collected_amount) as collected_amount,
            sum(outstanding_amount) as outstanding_amount,
            median(days_won_to_contract) as median_days_won_to_contract,
            median(days_contract_to_order) as median_days_contract_to_order,
            median(days_order_to_install) as median_days_order_to_install,
            median(days_statement_to_payment) as median_days_statement_to_payment
        from deals
        group by {{ column }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from final
