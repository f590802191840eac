-- one row per warehouse x part on its latest stock-take: quantity and value on hand, what the
-- warehouse's province used in the window before, and the days that stock covers
with stock as (
    select * from {{ ref('stg_service__parts_stock') }}
    qualify snapshot_on = max(snapshot_on) over (partition by warehouse_id)
),

parts as (
    select * from {{ ref('stg_service__parts_used') }}
),

tickets as (
    select * from {{ ref('fct_service_tickets') }}
),

parameters as (
    select max(value) filter (where parameter = 'parts_consumption_window_days') as window_days
    from {{ ref('service_parameters') }}
),

used as (
    select
        stock.warehouse_id,
        stock.part_id,
        cast(sum(parts.quantity) as bigint) as quantity_used
    from stock
    cross join parameters
    inner join tickets on stock.warehouse_province = tickets.province
    inner join parts on tickets.ticket_id = parts.ticket_id and stock.part_id = parts.part_id
    where
        cast(tickets.first_resolved_at as date) > stock.snapshot_on - cast(parameters.window_days as integer)
        and cast(tickets.first_resolved_at as date) <= stock.snapshot_on
    group by all
),

final as (
    select
        stock.warehouse_id,
        stock.warehouse_province,
        stock.part_id,
        stock.snapshot_on,
        stock.on_hand_qty,
        stock.unit_cost,
        cast(stock.on_hand_qty * stock.unit_cost as decimal(18, 2)) as stock_value,
        coalesce(used.quantity_used, 0) as quantity_used_in_window,
        cast(parameters.window_days as integer) as window_days,
        case
            when coalesce(used.quantity_used, 0) > 0
                then stock.on_hand_qty / (used.quantity_used / parameters.window_days)
        end as days_of_cover,
        stock.on_hand_qty = 0 as is_out_of_stock
    from stock
    cross join parameters
    left join used on stock.warehouse_id = used.warehouse_id and stock.part_id = used.part_id
)

select * from final
