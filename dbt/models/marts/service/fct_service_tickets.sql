-- one row per service ticket: every lifecycle timestamp, calendar and business durations,
-- the SLA outcome of each target, and the KPI flags (first-time fix, repeat fault, reopen)
with tickets as (
    select * from {{ ref('int_service_tickets') }}
),

sla as (
    select * from {{ ref('int_service_ticket_sla') }}
),

engineers as (
    select * from {{ ref('int_employee_teams') }}
),

parts as (
    select
        ticket_id,
        cast(sum(quantity) as bigint) as parts_quantity,
        cast(sum(quantity * unit_cost) as decimal(18, 2)) as parts_cost
    from {{ ref('stg_service__parts_used') }}
    group by ticket_id
),

worklogs as (
    select
        ticket_id,
        {{ exact_sum('work_hours') }} as work_hours,
        {{ exact_sum('travel_km') }} as travel_km
    from {{ ref('stg_service__engineer_worklogs') }}
    where ticket_id is not null
    group by ticket_id
),

charges as (
    select * from {{ ref('stg_service__repair_charges') }}
),

parameters as (
    select max(value) filter (where parameter = 'repeat_fault_window_days') as repeat_window_days
    from {{ ref('service_parameters') }}
),

sla_wide as (
    select
        ticket_id,
        any_value(as_of_at) as as_of_at,
        max(target_minutes) filter (where sla_target = 'accept') as accept_target_minutes,
        max(business_minutes) filter (where sla_target = 'accept') as accept_business_minutes,
        max(sla_status) filter (where sla_target = 'accept') as accept_sla_status,
        max(target_minutes) filter (where sla_target = 'arrive') as arrive_target_minutes,
        max(business_minutes) filter (where sla_target = 'arrive') as arrive_business_minutes,
        max(sla_status) filter (where sla_target = 'arrive') as arrive_sla_status,
        max(target_minutes) filter (where sla_target = 'resolve') as resolve_target_minutes,
        max(business_minutes) filter (where sla_target = 'resolve') as resolve_business_minutes,
        max(paused_business_minutes) filter (where sla_target = 'resolve') as resolve_paused_business_minutes,
        max(sla_status) filter (where sla_target = 'resolve') as resolve_sla_status,
        bool_or(sla_status in ('breached', 'open_breached')) as any_breached,
        min(due_at) filter (where sla_status in ('open_in_time', 'open_breached')) as next_due_at,
        min(business_minutes_to_breach) filter (where sla_status in ('open_in_time', 'open_breached'))
            as business_minutes_to_next_breach,
        bool_or(is_breach_due_to_parts_wait) as breached_by_parts_wait
    from sla
    group by ticket_id
),

-- the next ticket on the same device, for repeat faults
next_on_device as (
    select
        ticket_id,
        lead(created_at) over (partition by serial_no order by created_at, ticket_id) as next_ticket_created_at
    from tickets
    where serial_no is not null
),

final as (
    select
        tickets.ticket_id,
        tickets.serial_no,
        tickets.sku,
        tickets.device_model,
        tickets.device_class,
        tickets.account_id,
        tickets.account_name,
        tickets.hospital_grade,
        tickets.service_tier,
        tickets.province,
        tickets.region_id,
        tickets.region_name,
        tickets.channel,
        tickets.initial_priority,
        tickets.current_priority,
        tickets.priority_changed,
        tickets.fault_type,
        tickets.engineer_id,
        engineers.employee_name as engineer_name,
        engineers.region_name as engineer_region_name,
        tickets.resolution_mode,
        tickets.ticket_status,
        tickets.created_at,
        cast(date_trunc('month', tickets.created_at) as date) as created_month,
        tickets.accepted_at,
        tickets.dispatched_at,
        tickets.arrived_at,
        tickets.first_resolved_at,
        tickets.resolved_at,
        tickets.first_closed_at,
        tickets.closed_at,
        tickets.first_reopened_at,
        tickets.reopen_count,
        tickets.reopen_count > 0 as is_reopened,
        tickets.first_resolved_at is null as is_open,
        cast({{ date_diff_in('second', 'tickets.created_at', 'tickets.accepted_at') }} as double)
        / 3600.0 as accept_calendar_hours,
        cast({{ date_diff_in('second', 'tickets.created_at', 'tickets.dispatched_at') }} as double)
        / 3600.0 as dispatch_calendar_hours,
        cast({{ date_diff_in('second', 'tickets.created_at', 'tickets.arrived_at') }} as double)
        / 3600.0 as arrive_calendar_hours,
        cast({{ date_diff_in('second', 'tickets.created_at', 'tickets.first_resolved_at') }} as double)
        / 3600.0 as resolve_calendar_hours,
        cast({{ date_diff_in('second', 'tickets.first_resolved_at', 'tickets.first_closed_at') }} as double)
        / 3600.0 as close_calendar_hours,
        case
            when tickets.first_resolved_at is null
                then cast({{ date_diff_in('second', 'tickets.created_at', 'sla_wide.as_of_at') }} as double) / 86400.0
        end as open_age_days,
        sla_wide.as_of_at,
        sla_wide.accept_target_minutes,
        sla_wide.accept_business_minutes,
        sla_wide.accept_sla_status,
        sla_wide.arrive_target_minutes,
        sla_wide.arrive_business_minutes,
        sla_wide.arrive_sla_status,
        sla_wide.resolve_target_minutes,
        sla_wide.resolve_business_minutes,
        sla_wide.resolve_paused_business_minutes,
        sla_wide.resolve_sla_status,
        coalesce(sla_wide.any_breached, false) as any_breached,
        sla_wide.next_due_at,
        sla_wide.business_minutes_to_next_breach,
        coalesce(sla_wide.breached_by_parts_wait, false) as breached_by_parts_wait,
        tickets.waited_for_parts,
        tickets.waited_for_customer,
        -- fixed at the first attempt: resolved, never reopened, no return trip for a part
        case
            when tickets.first_resolved_at is not null
                then tickets.reopen_count = 0 and not tickets.waited_for_parts
        end as is_first_time_fix,
        -- the device failed again within the window after this ticket's first resolution;
        -- null while the window is not over yet (or the device is unknown)
        case
            when
                next_on_device.next_ticket_created_at is not null
                and next_on_device.next_ticket_created_at
                <= tickets.first_resolved_at + cast(parameters.repeat_window_days as integer) * interval 1 day
                then true
            when
                tickets.first_resolved_at + cast(parameters.repeat_window_days as integer) * interval 1 day
                <= sla_wide.as_of_at
                and tickets.serial_no is not null
                then false
        end as is_followed_by_repeat_fault,
        tickets.satisfaction,
        tickets.under_warranty,
        tickets.under_service_contract,
        tickets.has_all_hours_contract,
        tickets.customer_calendar_id,
        tickets.policy_version,
        coalesce(parts.parts_quantity, 0) as parts_quantity,
        coalesce(parts.parts_cost, 0) as parts_cost,
        coalesce(worklogs.work_hours, 0) as work_hours,
        coalesce(worklogs.travel_km, 0) as travel_km,
        charges.charge_amount as repair_charge_amount
    from tickets
    cross join parameters
    left join sla_wide on tickets.ticket_id = sla_wide.ticket_id
    left join engineers on tickets.engineer_id = engineers.employee_id
    left join parts on tickets.ticket_id = parts.ticket_id
    left join worklogs on tickets.ticket_id = worklogs.ticket_id
    left join charges on tickets.ticket_id = charges.ticket_id
    left join next_on_device on tickets.ticket_id = next_on_device.ticket_id
)

select * from final
