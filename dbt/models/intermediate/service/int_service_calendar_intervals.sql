-- one row per calendar per working interval of a working day, with the working seconds of the
-- calendar accumulated before the interval starts: the business clock of a moment t is
-- cumulative_seconds_before + (t - interval_start) inside an interval, and the whole running
-- total between intervals, so a business duration is a difference of two clock readings
with working_days as (
    select
        calendar_id,
        calendar_date
    from {{ ref('int_service_calendar_days') }}
    where is_working_day
),

hours as (
    select
        calendar_id,
        -- 'HH:MM' as minutes after midnight; '24:00' is the end of the day
        cast(split_part(start_time, ':', 1) as integer) * 60
        + cast(split_part(start_time, ':', 2) as integer) as start_minute,
        cast(split_part(end_time, ':', 1) as integer) * 60
        + cast(split_part(end_time, ':', 2) as integer) as end_minute
    from {{ ref('service_calendar_hours') }}
),

intervals as (
    select
        working_days.calendar_id,
        working_days.calendar_date,
        cast(working_days.calendar_date as timestamp)
        + hours.start_minute * interval 1 minute as interval_start,
        cast(working_days.calendar_date as timestamp)
        + hours.end_minute * interval 1 minute as interval_end,
        (hours.end_minute - hours.start_minute) * 60 as interval_seconds
    from working_days
    inner join hours on working_days.calendar_id = hours.calendar_id
),

final as (
    select
        calendar_id,
        calendar_date,
        interval_start,
        interval_end,
        interval_seconds,
        -- bigint: DuckDB would sum into a hugeint, which Spark does not have
        cast(
            coalesce(
                sum(interval_seconds) over (
                    partition by calendar_id
                    order by interval_start
                    rows between unbounded preceding and 1 preceding
                ),
                0
            ) as bigint
        ) as cumulative_seconds_before
    from intervals
)

select * from final
