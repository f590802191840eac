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

product_lines as (
    select * from {{ ref('product_lines') }}
),

-- revenue is what the order line was sold for: quantity x the (already discounted) unit price
order_lines as (
    select
        orders.order_id,
        orders.account_id,
        cast(date_trunc('month', orders.ordered_on) as date) as month_start,
        products.product_line,
        orders.quantity,
        orders.quantity * orders.unit_price as line_revenue
    from orders
    left join products on orders.sku = products.sku
),

final as (
    select
        order_lines.month_start,
        employee_teams.region_id,
        employee_teams.region_name,
        employee_teams.province_unit_id,
        employee_teams.province_unit_name,
        employee_teams.team_id,
        employee_teams.team_name,
        order_lines.product_line,
        product_lines.product_line_name_zh,
        count(distinct order_lines.order_id) as orders,
        count(*) as order_lines,
        cast(sum(order_lines.quantity) as bigint) as quantity,
        cast(sum(order_lines.line_revenue) as decimal(18, 2)) as revenue
    from order_lines
    left join accounts on order_lines.account_id = accounts.account_id
    left join employee_teams on accounts.owner_id = employee_teams.employee_id
    left join product_lines on order_lines.product_line = product_lines.product_line
    group by all
)

select * from final
