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
                {{ date_diff_in('second', 'clock_intervals.interval_start', 'points.' ~ timestamp_column) }},
                clock_intervals.interval_seconds
            )
        end as {{ output_column }}
    from {{ points }} as points
    {{ join_interval_at_or_before(
        points, calendar_column, timestamp_column, 'interval_start', 'clock_intervals'
    ) }}
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
        + cast(points.{{ clock_column }} - moment_intervals.cumulative_seconds_before as bigint)
        * interval 1 second as {{ output_column }}
    from {{ points }} as points
    {{ join_interval_at_or_before(
        points, calendar_column, clock_column, 'cumulative_seconds_before', 'moment_intervals'
    ) }}
{%- endmacro %}

{#- A left join (for a from clause whose `points` are aliased `points`) to the calendar's
    working interval whose `interval_column` (interval_start, or cumulative_seconds_before) is
    the last at or before the point's `value_column`, aliased `alias`: an ASOF join on DuckDB. -#}
{% macro join_interval_at_or_before(points, calendar_column, value_column, interval_column, alias) -%}
    {{ return(adapter.dispatch('join_interval_at_or_before')(points, calendar_column, value_column, interval_column, alias)) }}
{%- endmacro %}

{% macro default__join_interval_at_or_before(points, calendar_column, value_column, interval_column, alias) -%}
    asof left join {{ ref('int_service_calendar_intervals') }} as {{ alias }}
        on
            points.{{ calendar_column }} = {{ alias }}.calendar_id
            and points.{{ value_column }} >= {{ alias }}.{{ interval_column }}
{%- endmacro %}

{#- Spark has no ASOF join, and a range join of every point with every interval of its calendar
    grows with their product. Instead the distinct (calendar, value) pairs of the points and the
    intervals run in one stream per calendar ordered by value, an interval before a point of the
    same value (`>=`, as the ASOF join), and each point takes the last interval seen; the points
    then join their pair. -#}
{% macro spark__join_interval_at_or_before(points, calendar_column, value_column, interval_column, alias) -%}
    left join (
        select
            calendar_id,
            looked_up_value,
            interval_start,
            interval_seconds,
            cumulative_seconds_before
        from (
            select
                calendar_id,
                looked_up_value,
                is_point,
                last(interval_start, true) over calendar_stream as interval_start,
                last(interval_seconds, true) over calendar_stream as interval_seconds,
                last(cumulative_seconds_before, true) over calendar_stream as cumulative_seconds_before
            from (
                select distinct
                    {{ calendar_column }} as calendar_id,
                    {{ value_column }} as looked_up_value,
                    true as is_point,
                    cast(null as timestamp) as interval_start,
                    cast(null as integer) as interval_seconds,
                    cast(null as bigint) as cumulative_seconds_before
                from {{ points }}
                where {{ value_column }} is not null
                union all
                select
                    calendar_id,
                    {{ interval_column }} as looked_up_value,
                    false as is_point,
                    interval_start,
                    interval_seconds,
                    cumulative_seconds_before
                from {{ ref('int_service_calendar_intervals') }}
            ) as calendar_stream_rows
            window calendar_stream as (
                partition by calendar_id
                order by looked_up_value, is_point
                rows between unbounded preceding and current row
            )
        ) as looked_up
        where is_point
    ) as {{ alias }}
        on
            points.{{ calendar_column }} = {{ alias }}.calendar_id
            and points.{{ value_column }} = {{ alias }}.looked_up_value
{%- endmacro %}
