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
-- the chain summed by one dimension at a time (grain names it, grain_key holds its value);
-- sums cast to the types DuckDB gives them, which Spark's differ from (decimal(28, 2) for a
-- sum of decimal(18, 2); no hugeint, and a count of devices needs none)
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
            cast(sum(won_amount) as decimal(38, 2)) as won_amount,
            cast(sum(contract_amount) as decimal(38, 2)) as contract_amount,
            cast(sum(ordered_amount) as decimal(38, 2)) as ordered_amount,
            cast(sum(devices_installed) as bigint) as devices_installed,
            cast(sum(billed_amount) as decimal(38, 2)) as billed_amount,
            cast(sum(credited_amount) as decimal(38, 2)) as credited_amount,
            cast(sum(written_off_amount) as decimal(38, 2)) as written_off_amount,
            cast(sum(collected_amount) as decimal(38, 2)) as collected_amount,
            cast(sum(outstanding_amount) as decimal(38, 2)) as outstanding_amount,
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
