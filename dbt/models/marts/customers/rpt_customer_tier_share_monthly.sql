with value_monthly as (
    select * from {{ ref('int_customer_value_monthly') }}
),

final as (
    select
        month_start,
        customer_tier,
        count(*) as customers,
        count(*) / sum(count(*)) over (partition by month_start) as share_of_customers,
        cast(sum(revenue_12m) as decimal(18, 2)) as revenue_12m,
        {{ exact_avg('value_score') }} as avg_value_score
    from value_monthly
    group by month_start, customer_tier
)

select * from final
