-- one row per month x SLA target x policy version x tier x device class x priority in force
-- x region x engineer x channel: targets measured, met and breached (attainment = met /
-- measured, over targets whose step happened in the month; open targets are not counted)
with sla as (
    select * from {{ ref('fct_service_sla_targets') }}
),

final as (
    select
        measured_month as month_start,
        sla_target,
        policy_version,
        service_tier,
        device_class,
        priority_in_force,
        region_id,
        region_name,
        engineer_id,
        engineer_name,
        channel,
        count(*) as targets_measured,
        count(*) filter (where is_met) as targets_met,
        count(*) filter (where is_breached) as targets_breached,
        count(*) filter (where is_breach_due_to_parts_wait) as breaches_due_to_parts_wait,
        count(*) filter (where is_met) / count(*) as attainment
    from sla
    where is_reached and sla_status in ('met', 'breached')
    group by all
)

select * from final
