-- one row per ticket per SLA target that applies to it (accept; arrive for on-site tickets;
-- resolve): the priority in force at the event (or now, while open), the policy target and the
-- calendar it runs on, the business time elapsed since creation less the pauses, met or
-- breached, and when it falls (or fell) due. Business time comes from clock readings on the
-- working-interval spine (macros/business_clock.sql), never from loops over minutes.
with tickets as (
    select * from {{ ref('int_service_tickets') }}
),

history as (
    select * from {{ ref('stg_service__ticket_history') }}
),

policies as (
    select * from {{ ref('service_sla_policies') }}
),

statuses as (
    select * from {{ ref('service_ticket_statuses') }}
),

-- the service system's own clock: its latest recorded event, so a re-run on the same exports
-- measures open tickets the same way whatever day it runs
as_of as (
    select
        greatest(
            (select max(changed_at) from history),
            (
                select max(greatest(created_at, accepted_at, dispatched_at, arrived_at, resolved_at, closed_at))
                from tickets
            )
        ) as as_of_at
),

targets as (
    select
        tickets.ticket_id,
        kinds.sla_target,
        tickets.created_at,
        case kinds.sla_target
            when 'accept' then tickets.accepted_at
            when 'arrive' then tickets.arrived_at
            when 'resolve' then tickets.first_resolved_at
        end as reached_at,
        tickets.policy_version,
        tickets.service_tier,
        tickets.device_class,
        tickets.is_device_unknown,
        tickets.customer_calendar_id,
        tickets.current_priority
    from tickets
    cross join (values ('accept'), ('arrive'), ('resolve')) as kinds (sla_target)
    -- remote fixes have no on-site arrival to measure; an export without the 处理方式 says a
    -- ticket was on site by its arrival time
    where
        (kinds.sla_target != 'accept' or tickets.export_records_acceptance)
        and (
            kinds.sla_target != 'arrive'
            or coalesce(tickets.resolution_mode = 'on_site', tickets.arrived_at is not null)
        )
),

measured as (
    select
        targets.*,
        coalesce(targets.reached_at, as_of.as_of_at) as measured_at,
        as_of.as_of_at
    from targets
    cross join as_of
),

-- the priority in force at the moment measured: the last change at or before it; the
-- ticket's own priority when no status history comes with it (a ticket export alone)
with_priority as (
    select
        measured.*,
        coalesce(history.priority, measured.current_priority) as priority
    from measured
    left join history
        on
            measured.ticket_id = history.ticket_id
            and measured.measured_at >= history.changed_at
    qualify row_number() over (
        partition by measured.ticket_id, measured.sla_target
        order by history.changed_at desc, history.change_no desc
    ) = 1
),

with_policy as (
    select
        with_priority.*,
        policies.clock,
        case with_priority.sla_target
            when 'accept' then policies.accept_minutes
            when 'arrive' then policies.arrive_minutes
            when 'resolve' then policies.resolve_minutes
        end as target_minutes,
        case when policies.clock = '24x7' then 'cn_24x7' else with_priority.customer_calendar_id end
            as calendar_id,
        coalesce(policies.device_class = '*', false) as is_default_policy
    from with_priority
    left join policies
        on
            with_priority.policy_version = policies.policy_version
            and with_priority.service_tier = policies.service_tier
            and with_priority.priority = policies.priority
            and (
                with_priority.device_class = policies.device_class
                -- the default policy of the priority (device class '*'): for a desk that
                -- records no devices, or a device class the policy names no row for
                or (policies.device_class = '*' and not coalesce(with_priority.is_device_unknown, true))
            )
    -- the device class's own row wins over the default
    qualify row_number() over (
        partition by with_priority.ticket_id, with_priority.sla_target
        order by policies.device_class = '*'
    ) = 1
),

created_clock as (
    {{ business_clock('with_policy', 'calendar_id', 'created_at', 'created_clock_seconds') }}
),

measured_clock as (
    {{ business_clock('created_clock', 'calendar_id', 'measured_at', 'measured_clock_seconds') }}
),

-- status spells that stop the clock, and waits for spare parts (which may not stop it but
-- explain breaches), cut to [created, measured] of each target
pause_spells as (
    select
        history.ticket_id,
        history.changed_at as paused_at,
        lead(history.changed_at) over (partition by history.ticket_id order by history.change_no)
            as resumed_at,
        statuses.pauses_sla_clock,
        history.ticket_status = 'waiting_parts' as is_parts_wait
    from history
    inner join statuses on history.ticket_status = statuses.status_code
),

pause_windows as (
    select
        measured_clock.ticket_id,
        measured_clock.sla_target,
        measured_clock.calendar_id,
        greatest(pause_spells.paused_at, measured_clock.created_at) as pause_start,
        least(coalesce(pause_spells.resumed_at, measured_clock.measured_at), measured_clock.measured_at)
            as pause_end,
        pause_spells.pauses_sla_clock,
        pause_spells.is_parts_wait
    from measured_clock
    inner join pause_spells on measured_clock.ticket_id = pause_spells.ticket_id
    where
        (pause_spells.pauses_sla_clock or pause_spells.is_parts_wait)
        and pause_spells.paused_at < measured_clock.measured_at
        and coalesce(pause_spells.resumed_at, measured_clock.measured_at) > measured_clock.created_at
),

pause_start_clock as (
    {{ business_clock('pause_windows', 'calendar_id', 'pause_start', 'start_clock_seconds') }}
),

pause_clock as (
    {{ business_clock('pause_start_clock', 'calendar_id', 'pause_end', 'end_clock_seconds') }}
),

paused as (
    select
        ticket_id,
        sla_target,
        sum(end_clock_seconds - start_clock_seconds) filter (where pauses_sla_clock) as paused_seconds,
        sum(end_clock_seconds - start_clock_seconds) filter (where is_parts_wait) as parts_wait_seconds
    from pause_clock
    group by all
),

elapsed as (
    select
        measured_clock.*,
        coalesce(paused.paused_seconds, 0) as paused_seconds,
        coalesce(paused.parts_wait_seconds, 0) as parts_wait_seconds,
        measured_clock.measured_clock_seconds
        - measured_clock.created_clock_seconds
        - coalesce(paused.paused_seconds, 0) as business_seconds,
        -- the clock reading at which the target is used up, if no further pause comes
        measured_clock.created_clock_seconds
        + coalesce(paused.paused_seconds, 0)
        + measured_clock.target_minutes * 60 as due_clock_seconds
    from measured_clock
    left join paused
        on
            measured_clock.ticket_id = paused.ticket_id
            and measured_clock.sla_target = paused.sla_target
),

due as (
    {{ business_moment('elapsed', 'calendar_id', 'due_clock_seconds', 'due_at') }}
),

final as (
    select
        ticket_id,
        sla_target,
        policy_version,
        priority as priority_in_force,
        is_default_policy,
        clock,
        calendar_id,
        created_at,
        reached_at,
        measured_at,
        as_of_at,
        target_minutes,
        cast(business_seconds as double) / 60.0 as business_minutes,
        cast(paused_seconds as double) / 60.0 as paused_business_minutes,
        cast(parts_wait_seconds as double) / 60.0 as parts_wait_business_minutes,
        cast({{ date_diff_in('second', 'created_at', 'measured_at') }} as double) / 3600.0 as calendar_hours,
        due_at,
        reached_at is not null as is_reached,
        target_minutes is not null as has_policy,
        case
            when target_minutes is null then 'no_policy'
            when reached_at is not null and business_seconds <= target_minutes * 60 then 'met'
            when reached_at is not null then 'breached'
            when business_seconds > target_minutes * 60 then 'open_breached'
            else 'open_in_time'
        end as sla_status,
        case
            when reached_at is null and target_minutes is not null
                then target_minutes - cast(business_seconds as double) / 60.0
        end as business_minutes_to_breach,
        -- a breach the wait for spare parts explains: without the wait the target was kept
        coalesce(
            business_seconds > target_minutes * 60
            and parts_wait_seconds > 0
            and business_seconds - parts_wait_seconds <= target_minutes * 60,
            false
        ) as is_breach_due_to_parts_wait,
        case
            when reached_at is null and target_minutes is not null
                then cast({{ date_diff_in('second', 'as_of_at', 'due_at') }} as double) / 3600.0
        end as calendar_hours_to_breach
    from due
)

select * from final
