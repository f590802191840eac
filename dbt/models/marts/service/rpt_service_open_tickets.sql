-- one row per ticket not yet resolved at the as-of moment (the backlog): its age bucket, the
-- next SLA target to fall due and whether that falls within the at-risk horizon
with tickets as (
    select * from {{ ref('fct_service_tickets') }}
),

buckets as (
    select * from {{ ref('service_backlog_buckets') }}
),

parameters as (
    select max(value) filter (where parameter = 'at_risk_within_business_hours') * 60 as at_risk_minutes
    from {{ ref('service_parameters') }}
),

final as (
    select
        tickets.ticket_id,
        tickets.ticket_status,
        tickets.current_priority,
        tickets.channel,
        tickets.region_id,
        tickets.region_name,
        tickets.province,
        tickets.account_id,
        tickets.account_name,
        tickets.service_tier,
        tickets.device_class,
        tickets.device_model,
        tickets.serial_no,
        tickets.engineer_id,
        tickets.engineer_name,
        tickets.created_at,
        tickets.as_of_at,
        tickets.open_age_days,
        buckets.bucket_label as age_bucket,
        -- an integer on both engines (a seed integer is a bigint in a Spark build of the seeds)
        cast(buckets.bucket_order as integer) as age_bucket_order,
        -- breached: an open target is past due; a step already done late shows separately
        coalesce(tickets.business_minutes_to_next_breach < 0, false) as is_breached,
        tickets.any_breached as has_late_step,
        tickets.next_due_at,
        tickets.business_minutes_to_next_breach,
        cast({{ date_diff_in('second', 'tickets.as_of_at', 'tickets.next_due_at') }} as double)
        / 3600.0 as calendar_hours_to_next_breach,
        -- at risk: not breached yet, but the next target falls due within the horizon
        coalesce(
            tickets.business_minutes_to_next_breach between 0 and parameters.at_risk_minutes, false
        ) as is_at_risk,
        cast(tickets.next_due_at as date) = cast(tickets.as_of_at as date) as is_due_today,
        parameters.at_risk_minutes / 60.0 as at_risk_horizon_business_hours
    from tickets
    cross join parameters
    left join buckets
        on
            tickets.open_age_days >= buckets.min_days
            and (tickets.open_age_days < buckets.max_days or buckets.max_days is null)
    where tickets.is_open
)

select * from final
