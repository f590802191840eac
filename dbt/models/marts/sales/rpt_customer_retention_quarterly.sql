with customer_quarters as (
    select * from {{ ref('fct_customer_purchase_quarters') }}
),

final as (
    select
        quarter_start,
        region_id,
        region_name,
        province_unit_id,
        province_unit_name,
        team_id,
        team_name,
        bool_and(has_prior_history) as has_prior_history,
        bool_and(is_complete_quarter) as is_complete_quarter,
        count(*) filter (where is_active) as customers_active,
        count(*) filter (where is_first_purchase) as customers_new,
        count(*) filter (where is_returning) as customers_returning,
        count(*) filter (where was_active_previous_quarter) as customers_previous_quarter,
        count(*) filter (where is_active and was_active_previous_quarter) as customers_retained,
        count(*) filter (where not is_active and was_active_previous_quarter) as customers_churned,
        count(*) filter (where is_cross_sell) as customers_cross_sold,
        cast(coalesce(sum(revenue), 0) as decimal(18, 2)) as revenue,
        count(*) filter (where is_returning) / nullif(count(*) filter (where is_active), 0)
            as repeat_purchase_rate,
        count(*) filter (where is_active and was_active_previous_quarter)
        / nullif(count(*) filter (where was_active_previous_quarter), 0) as retention_rate,
        count(*) filter (where is_cross_sell)
        / nullif(count(*) filter (where is_returning), 0) as cross_sell_rate
    from customer_quarters
    group by all
)

select * from final
