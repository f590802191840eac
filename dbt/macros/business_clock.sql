{#- Business clock readings without per-minute loops (see DECISIONLOG.md, "Business calendars").
    int_service_calendar_intervals holds, per calendar, every working interval and the working
    seconds accumulated before it. A clock reading is one ASOF lookup of the last interval that
    started at or before the moment; a business duration is the difference of two readings, so
    a moment outside working hours reads like the next working minute. -#}

{#- `points`: a CTE or relation with a calendar column and a timestamp column. Returns its rows
    plus `output_column`: working seconds of the calendar up to that moment (null for a null
    moment). -#}
{% macro business_clock(points, calendar_column, timestamp_column, output_column) -%}
    select
        points.*,
        case
            when points.{{ timestamp_column }} is null then null
            when clock_intervals.interval_start is null then 0
            else clock_intervals.cumulative_seconds_before + least(
                date_diff('second', clock_intervals.interval_start, points.{{ timestamp_column }}),
                clock_intervals.interval_seconds
            )
        end as {{ output_column }}
    from {{ points }} as points
    asof left join {{ ref('int_service_calendar_intervals') }} as clock_intervals
        on
            points.{{ calendar_column }} = clock_intervals.calendar_id
            and points.{{ timestamp_column }} >= clock_intervals.interval_start
{%- endmacro %}

{#- `points`: a CTE or relation with a calendar column and a clock column (working seconds, as
    business_clock reads them). Returns its rows plus `output_column`: the moment the calendar's
    clock reaches that reading -- "add N working minutes" is business_clock, plus N * 60, then
    this. A reading on an interval boundary gives the start of the next interval: the last
    moment at which no more than that much working time has passed. -#}
{% macro business_moment(points, calendar_column, clock_column, output_column) -%}
    select
        points.*,
        moment_intervals.interval_start
        + to_seconds(
            cast(points.{{ clock_column }} - moment_intervals.cumulative_seconds_before as bigint)
        ) as {{ output_column }}
    from {{ points }} as points
    asof left join {{ ref('int_service_calendar_intervals') }} as moment_intervals
        on
            points.{{ calendar_column }} = moment_intervals.calendar_id
            and points.{{ clock_column }} >= moment_intervals.cumulative_seconds_before
{%- endmacro %}
