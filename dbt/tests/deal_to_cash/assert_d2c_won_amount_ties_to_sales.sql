-- won amount per month: the sales page (rpt_deal_size_monthly) = the deal-to-cash chain;
-- a failing row names the month, both figures, the difference and the deals of that month
with tolerance as (
    select tolerance from {{ ref('deal_to_cash_tolerances') }}
    where tie_out = 'won_amount_monthly'
),

sales as (
    select
        month_start,
        sum(won_amount) as won_amount
    from {{ ref('rpt_deal_size_monthly') }}
    group by all
),

chain as (
    select
        won_month as month_start,
        sum(won_amount) as won_amount,
        {{ string_agg_ordered('opportunity_id', "','", 'opportunity_id') }} as deals
    from {{ ref('fct_deal_to_cash') }}
    group by all
)

select
    'won_amount_monthly' as tie_out,
    coalesce(sales.month_start, chain.month_start) as month_start,
    sales.won_amount as sales_won_amount,
    chain.won_amount as chain_won_amount,
    coalesce(chain.won_amount, 0) - coalesce(sales.won_amount, 0) as difference,
    chain.deals as explaining_deals
from sales
-- a won deal without a close date (a CRM gap) sits in both under a null month
full outer join chain on sales.month_start is not distinct from chain.month_start
cross join tolerance
where abs(coalesce(chain.won_amount, 0) - coalesce(sales.won_amount, 0)) > tolerance.tolerance
