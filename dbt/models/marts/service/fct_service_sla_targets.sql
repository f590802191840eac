-- one row per ticket per SLA target that applies to it, with the dimensions attainment is
-- read by (policy, tier, device class, priority in force, region, engineer, channel, month)
with sla as (
    select * from {{ ref('int_service_ticket_sla') }}
),

tickets as (
    select * from {{ ref('int_service_tickets') }}
),

engineers as (
    select * from {{ ref('int_employee_teams') }}
),

final as (
    select
        sla.ticket_id,
        sla.sla_target,
        sla.policy_version,
        tickets.service_tier,
        tickets.hospital_grade,
        tickets.device_class,
        tickets.sku,
        tickets.device_model,
        sla.priority_in_force,
        sla.is_default_policy,
        sla.clock,
        sla.calendar_id,
        tickets.region_id,
        tickets.region_name,
        tickets.province,
        tickets.channel,
        tickets.engineer_id,
        engineers.employee_name as engineer_name,
        sla.created_at,
        sla.reached_at,
        -- attainment is reported in the month the step happened; open targets in the as-of month
        cast(date_trunc('month', sla.measured_at) as date) as measured_month,
        sla.as_of_at,
        sla.target_minutes,
        sla.business_minutes,
        sla.paused_business_minutes,
        sla.parts_wait_business_minutes,
        sla.calendar_hours,
        sla.due_at,
        sla.sla_status,
        sla.is_reached,
        sla.sla_status = 'met' as is_met,
        sla.sla_status in ('breached', 'open_breached') as is_breached,
        sla.business_minutes_to_breach,
        sla.calendar_hours_to_breach,
        sla.is_breach_due_to_parts_wait
    from sla
    inner join tickets on sla.ticket_id = tickets.ticket_id
    left join engineers on tickets.engineer_id = engineers.employee_id
)

select * from final
