-- One row per method, measure, series, origin month and target month: what each method
-- forecast at that origin and what was actually booked or collected in the target month.
-- The weighted pipeline is replayed on the same origins as the time series, and a series the
-- pipeline had no open deal for at an origin is forecast 0 (that is what the method said).
with time_series as (
    select * from {{ source('forecast', 'time_series_forecasts') }}
),

weighted as (
    select * from {{ ref('int_forecast_weighted_series') }}
),

actuals as (
    select * from {{ ref('rpt_forecast_actuals_monthly') }}
),

settings as (
    select * from {{ ref('forecast_settings') }}
),

series_names as (
    select distinct
        measure,
        series_level,
        series_key,
        series_name
    from actuals
),

origins as (
    select distinct origin_month from time_series
),

horizon as (
    select {{ series_of('0', 'cast(settings.horizon_months as bigint) - 1', '1') }} as months_ahead
    from settings
),

bookings_series as (
    select distinct
        series_level,
        series_key
    from actuals
    where measure = 'bookings'
),

weighted_grid as (
    select
        'weighted_pipeline' as forecast_method,
        'bookings' as measure,
        bookings_series.series_level,
        bookings_series.series_key,
        origins.origin_month,
        horizon.months_ahead,
        {{ months_after('origins.origin_month', 'horizon.months_ahead') }} as target_month,
        coalesce(weighted.forecast_amount, 0) as forecast_amount,
        cast(null as double) as lo_80,
        cast(null as double) as hi_80,
        cast(null as double) as lo_95,
        cast(null as double) as hi_95
    from origins
    cross join horizon
    cross join bookings_series
    left join weighted
        on
            not weighted.is_latest
            and origins.origin_month = weighted.origin_month
            and horizon.months_ahead = weighted.months_ahead
            and bookings_series.series_level = weighted.series_level
            and bookings_series.series_key = weighted.series_key
),

forecasts as (
    select
        'time_series' as forecast_method,
        measure,
        series_level,
        series_key,
        origin_month,
        months_ahead,
        target_month,
        forecast_amount,
        lo_80,
        hi_80,
        lo_95,
        hi_95
    from time_series
    union all
    select * from weighted_grid
),

final as (
    select
        forecasts.forecast_method,
        forecasts.measure,
        forecasts.series_level,
        forecasts.series_key,
        series_names.series_name,
        forecasts.origin_month,
        cast(forecasts.months_ahead as integer) as months_ahead,
        forecasts.target_month,
        forecasts.forecast_amount,
        forecasts.lo_80,
        forecasts.hi_80,
        forecasts.lo_95,
        forecasts.hi_95,
        cast(actuals.actual_amount as double) as actual_amount,
        forecasts.forecast_amount - actuals.actual_amount as error_amount,
        case
            when actuals.actual_amount > 0
                then
                    abs(forecasts.forecast_amount - actuals.actual_amount)
                    / actuals.actual_amount
        end as abs_pct_error
    from forecasts
    left join actuals
        on
            forecasts.measure = actuals.measure
            and forecasts.series_level = actuals.series_level
            and forecasts.series_key = actuals.series_key
            and forecasts.target_month = actuals.month_start
            and actuals.is_complete
    left join series_names
        on
            forecasts.measure = series_names.measure
            and forecasts.series_level = series_names.series_level
            and forecasts.series_key = series_names.series_key
)

select * from final
