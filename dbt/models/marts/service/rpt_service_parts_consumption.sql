-- one row per device model x fault type x part x month of first resolution: parts used,
-- their cost, and the tickets they went into
with parts as (
    select * from {{ ref('stg_service__parts_used') }}
),

tickets as (
    select * from {{ ref('fct_service_tickets') }}
),

final as (
    select
        cast(date_trunc('month', coalesce(tickets.first_resolved_at, tickets.resolved_at)) as date) as month_start,
        tickets.sku,
        tickets.device_model,
        tickets.device_class,
        tickets.fault_type,
        tickets.region_id,
        tickets.region_name,
        parts.part_id,
        count(distinct parts.ticket_id) as tickets,
        cast(sum(parts.quantity) as bigint) as quantity,
        cast(sum(parts.quantity * parts.unit_cost) as decimal(18, 2)) as parts_cost
    from parts
    inner join tickets on parts.ticket_id = tickets.ticket_id
    group by all
)

select * from final
