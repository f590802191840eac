with won_deals as (
    select * from {{ ref('rpt_sales_cycle') }}
),

final as (
    select
        closed_month as month_start,
        region_id,
        region_name,
        province_unit_id,
        province_unit_name,
        team_id,
        team_name,
        product_line,
        channel,
        count(*) as deals_won,
        cast(coalesce(sum(amount), 0) as decimal(18, 2)) as won_amount,
        cast(avg(amount) as decimal(18, 2)) as average_deal_size,
        cast({{ decimal_median('amount', 2) }} as decimal(18, 2)) as median_deal_size
    from won_deals
    group by all
)

select * from final
