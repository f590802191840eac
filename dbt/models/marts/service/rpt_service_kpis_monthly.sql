-- one row per month of creation x region x device model x channel: ticket volumes and the
-- service KPIs of the tickets created in the month (durations in business hours on each
-- target's calendar; see DECISIONLOG.md, "Service KPIs")
with tickets as (
    select * from {{ ref('fct_service_tickets') }}
),

final as (
    select
        created_month as month_start,
        region_id,
        region_name,
        device_class,
        sku,
        device_model,
        channel,
        count(*) as tickets_created,
        count(first_resolved_at) as tickets_resolved,
        count(*) filter (where is_open) as tickets_open,
        -- each duration only over tickets that reached the step: an open target's minutes run
        -- up to the as-of moment, and an export without acceptance times must give blank
        {%- for step, reached_at in [
            ('accept', 'accepted_at'), ('arrive', 'arrived_at'), ('resolve', 'first_resolved_at')
        ] %}
            {{ exact_avg(
                'case when ' ~ reached_at ~ ' is not null then ' ~ step ~ '_business_minutes end'
            ) }} / 60.0 as mean_{{ step }}_business_hours,
            median({{ step }}_business_minutes) filter (where {{ reached_at }} is not null) / 60.0
                as median_{{ step }}_business_hours,
            percentile_cont(0.9) within group (
                order by {{ step }}_business_minutes
            ) filter (where {{ reached_at }} is not null) / 60.0 as p90_{{ step }}_business_hours,
        {%- endfor %}
        count(*) filter (where is_first_time_fix) as first_time_fixes,
        count(*) filter (where is_first_time_fix) / nullif(count(is_first_time_fix), 0) as first_time_fix_rate,
        count(*) filter (where is_followed_by_repeat_fault) as repeat_faults,
        count(*) filter (where is_followed_by_repeat_fault)
        / nullif(count(is_followed_by_repeat_fault), 0) as repeat_fault_rate,
        count(*) filter (where first_resolved_at is not null and resolution_mode = 'remote') as resolved_remotely,
        count(*) filter (where first_resolved_at is not null and resolution_mode = 'remote')
        / nullif(count(first_resolved_at), 0) as remote_share,
        count(*) filter (where is_reopened) as tickets_reopened,
        count(*) filter (where is_reopened) / nullif(count(first_closed_at), 0) as reopen_rate,
        count(satisfaction) as ratings,
        avg(satisfaction) as csat_average,
        count(*) filter (where satisfaction >= 4) / nullif(count(satisfaction), 0) as csat_satisfied_share
    from tickets
    group by all
)

select * from final
