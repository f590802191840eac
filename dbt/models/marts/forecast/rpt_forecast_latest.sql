-- One row per method, measure, series and target month: tonight's forecast (the time series
-- from the current month's origin, the weighted pipeline from the latest export moment), with
-- its prediction intervals and, beside it, the method's backtest accuracy for the same series
-- and months ahead.
with time_series as (
    select * from {{ source('forecast', 'time_series_forecasts') }}
),

weighted as (
    select * from {{ ref('int_forecast_weighted_series') }}
),

accuracy as (
    select * from {{ ref('rpt_forecast_accuracy') }}
),

actuals as (
    select * from {{ ref('rpt_forecast_actuals_monthly') }}
),

latest_time_series_origin as (
    select max(origin_month) as origin_month from time_series
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
    where origin_month = (select latest.origin_month from latest_time_series_origin as latest)
    union all
    select
        'weighted_pipeline' as forecast_method,
        'bookings' as measure,
        series_level,
        series_key,
        origin_month,
        months_ahead,
        target_month,
        forecast_amount,
        null as lo_80,
        null as hi_80,
        null as lo_95,
        null as hi_95
    from weighted
    where is_latest
),

series_names as (
    select distinct
        measure,
        series_level,
        series_key,
        series_name
    from actuals
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
        accuracy.mape as backtest_mape,
        accuracy.bias as backtest_bias,
        accuracy.months_compared as backtest_months
    from forecasts
    left join series_names
        on
            forecasts.measure = series_names.measure
            and forecasts.series_level = series_names.series_level
            and forecasts.series_key = series_names.series_key
    left join accuracy
        on
            forecasts.forecast_method = accuracy.forecast_method
            and forecasts.measure = accuracy.measure
            and forecasts.series_level = accuracy.series_level
            and forecasts.series_key = accuracy.series_key
            and forecasts.months_ahead = accuracy.months_ahead
)

select * from final
