-- one row per device model: installed base, device-years observed, failures (tickets),
-- failure rate per device-year, mean time between failures and mean time to repair
with devices as (
    select * from {{ ref('dim_service_devices') }}
),

tickets as (
    select * from {{ ref('fct_service_tickets') }}
),

-- exposure runs over the window the ticket history covers: from its first ticket to as-of
ticket_window as (
    select
        cast(min(created_at) as date) as window_start,
        cast(max(as_of_at) as date) as window_end
    from tickets
),

exposure as (
    select
        devices.sku,
        any_value(devices.device_model) as device_model,
        any_value(devices.device_class) as device_class,
        count(*) as devices_installed,
        cast(
            sum(
                greatest(
                    {{ date_diff_in(
                        'day', 'greatest(devices.installed_on, ticket_window.window_start)', 'ticket_window.window_end'
                    ) }},
                    0
                )
            ) as double
        ) / 365.25 as device_years
    from devices
    cross join ticket_window
    group by devices.sku
),

failures as (
    select
        sku,
        count(*) as tickets,
        {{ exact_avg('resolve_calendar_hours') }} as mean_time_to_repair_hours,
        {{ exact_avg('resolve_business_minutes') }} / 60.0 as mean_time_to_repair_business_hours
    from tickets
    where sku is not null
    group by sku
),

final as (
    select
        exposure.sku,
        exposure.device_model,
        exposure.device_class,
        exposure.devices_installed,
        exposure.device_years,
        coalesce(failures.tickets, 0) as tickets,
        coalesce(failures.tickets, 0) / nullif(exposure.device_years, 0) as failures_per_device_year,
        exposure.device_years * 365.25 / nullif(failures.tickets, 0) as mean_days_between_failures,
        failures.mean_time_to_repair_hours,
        failures.mean_time_to_repair_business_hours
    from exposure
    left join failures on exposure.sku = failures.sku
)

select * from final
