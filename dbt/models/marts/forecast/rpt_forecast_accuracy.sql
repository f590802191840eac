-- One row per method, measure, series and months ahead: how far the backtest's forecasts were
-- from what actually happened, over every origin whose target month is complete.
-- MAPE: mean of |forecast - actual| / actual over those months with an actual above 0.
-- Bias: (total forecast - total actual) / total actual; above 0 means the method forecast too
-- much. Definitions: DECISIONLOG.md, "Forecast accuracy".
with backtest as (
    select * from {{ ref('rpt_forecast_backtest') }}
),

final as (
    select
        forecast_method,
        measure,
        series_level,
        series_key,
        any_value(series_name) as series_name,
        months_ahead,
        count(*) as months_compared,
        count(abs_pct_error) as months_with_actual,
        min(origin_month) as first_origin_month,
        max(origin_month) as last_origin_month,
        {{ exact_avg('abs_pct_error') }} as mape,
        case
            when {{ exact_sum('actual_amount') }} > 0
                then
                    ({{ exact_sum('forecast_amount') }} - {{ exact_sum('actual_amount') }})
                    / {{ exact_sum('actual_amount') }}
        end as bias,
        {{ exact_sum('forecast_amount') }} as forecast_total,
        {{ exact_sum('actual_amount') }} as actual_total,
        avg(
            case
                when lo_80 is not null
                    then cast(actual_amount between lo_80 and hi_80 as integer)
            end
        ) as interval_80_hit_rate
    from backtest
    where actual_amount is not null
    group by forecast_method, measure, series_level, series_key, months_ahead
)

select * from final
