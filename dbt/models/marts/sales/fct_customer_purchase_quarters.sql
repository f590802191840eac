with orders as (
    select * from {{ ref('stg_erp__orders') }}
),

products as (
    select * from {{ ref('stg_erp__products') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

employee_teams as (
    select * from {{ ref('int_employee_teams') }}
),

order_lines as (
    select
        orders.account_id,
        orders.order_id,
        cast(date_trunc('quarter', orders.ordered_on) as date) as quarter_start,
        products.product_line,
        orders.quantity * orders.unit_price as line_revenue
    from orders
    left join products on orders.sku = products.sku
    where orders.account_id is not null
),

history_bounds as (
    select
        min(quarter_start) as first_quarter,
        max(quarter_start) as last_quarter
    from order_lines
),

first_line_purchases as (
    select
        account_id,
        product_line,
        min(quarter_start) as first_quarter
    from order_lines
    group by all
),

active_quarters as (
    select
        order_lines.account_id,
        order_lines.quarter_start,
        count(distinct order_lines.order_id) as orders,
        sum(order_lines.line_revenue) as revenue,
        count(distinct order_lines.product_line) as product_lines_bought
    from order_lines
    group by all
),

first_purchases as (
    select
        account_id,
        min(quarter_start) as first_quarter
    from active_quarters
    group by account_id
),

new_lines as (
    select
        account_id,
        first_quarter as quarter_start,
        count(*) as new_product_lines
    from first_line_purchases
    group by all
),

-- a customer counts in the quarter it bought and in the quarter after (to see it churn)
customer_quarters as (
    select
        account_id,
        quarter_start
    from active_quarters
    union
    select
        active_quarters.account_id,
        cast(active_quarters.quarter_start + interval 3 month as date) as quarter_start
    from active_quarters
    cross join history_bounds
    where active_quarters.quarter_start < history_bounds.last_quarter
),

final as (
    select
        customer_quarters.account_id,
        customer_quarters.quarter_start,
        accounts.owner_id,
        employee_teams.team_id,
        employee_teams.team_name,
        employee_teams.province_unit_id,
        employee_teams.province_unit_name,
        employee_teams.region_id,
        employee_teams.region_name,
        coalesce(active_quarters.orders, 0) as orders,
        cast(coalesce(active_quarters.revenue, 0) as decimal(18, 2)) as revenue,
        coalesce(active_quarters.product_lines_bought, 0) as product_lines_bought,
        coalesce(new_lines.new_product_lines, 0) as new_product_lines,
        active_quarters.account_id is not null as is_active,
        previous_quarter.account_id is not null as was_active_previous_quarter,
        first_purchases.first_quarter = customer_quarters.quarter_start as is_first_purchase,
        coalesce(
            active_quarters.account_id is not null
            and first_purchases.first_quarter < customer_quarters.quarter_start,
            false
        ) as is_returning,
        coalesce(
            active_quarters.account_id is not null
            and first_purchases.first_quarter < customer_quarters.quarter_start
            and new_lines.new_product_lines > 0,
            false
        ) as is_cross_sell,
        -- the first quarter of the exports has no earlier purchases to compare with
        customer_quarters.quarter_start > history_bounds.first_quarter as has_prior_history,
        customer_quarters.quarter_start < history_bounds.last_quarter as is_complete_quarter
    from customer_quarters
    cross join history_bounds
    left join active_quarters
        on
            customer_quarters.account_id = active_quarters.account_id
            and customer_quarters.quarter_start = active_quarters.quarter_start
    left join active_quarters as previous_quarter
        on
            customer_quarters.account_id = previous_quarter.account_id
            and customer_quarters.quarter_start = previous_quarter.quarter_start + interval 3 month
    left join new_lines
        on
            customer_quarters.account_id = new_lines.account_id
            and customer_quarters.quarter_start = new_lines.quarter_start
    left join first_purchases on customer_quarters.account_id = first_purchases.account_id
    left join accounts on customer_quarters.account_id = accounts.account_id
    left join employee_teams on accounts.owner_id = employee_teams.employee_id
)

select * from final
