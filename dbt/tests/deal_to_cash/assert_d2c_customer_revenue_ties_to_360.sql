-- revenue of the last 12 months per golden customer: the customer 360 (dim_customers
-- .revenue_12m) = the sum of that customer's order lines in the chain (deal-linked or not)
-- ordered in the 12 months ending with the 360's latest month
with tolerance as (
    select tolerance from {{ ref('deal_to_cash_tolerances') }}
    where tie_out = 'customer_revenue'
),

latest as (
    select max(month_start) as month_start from {{ ref('int_customer_value_monthly') }}
),

customer_360 as (
    select
        golden_customer_id,
        revenue_12m
    from {{ ref('dim_customers') }}
    where revenue_12m is not null
),

chain as (
    select
        customer_accounts.golden_customer_id,
        sum(chain_lines.line_amount) as revenue_12m,
        {{ string_agg_ordered(
            "chain_lines.order_id || '/' || chain_lines.line_no", "','", 'chain_lines.order_id'
        ) }} as explaining_order_lines
    from {{ ref('int_d2c_order_lines') }} as chain_lines
    cross join latest
    inner join {{ ref('int_customer_accounts') }} as customer_accounts
        on chain_lines.account_id = customer_accounts.account_id
    where
        chain_lines.ordered_on >= latest.month_start - interval 11 month
        and chain_lines.ordered_on < latest.month_start + interval 1 month
    group by all
)

select
    'customer_revenue' as tie_out,
    coalesce(customer_360.golden_customer_id, chain.golden_customer_id) as golden_customer_id,
    customer_360.revenue_12m as customer_360_revenue_12m,
    chain.revenue_12m as chain_revenue_12m,
    coalesce(chain.revenue_12m, 0) - coalesce(customer_360.revenue_12m, 0) as difference,
    chain.explaining_order_lines
from customer_360
full outer join chain
    on customer_360.golden_customer_id is not distinct from chain.golden_customer_id
cross join tolerance
where abs(coalesce(chain.revenue_12m, 0) - coalesce(customer_360.revenue_12m, 0)) > tolerance.tolerance
