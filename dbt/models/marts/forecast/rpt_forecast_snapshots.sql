-- One row per forecast date, method, measure, series and target month: every nightly forecast
-- as it was frozen that night (the source table is append-only), so a forecast can be compared
-- later with what happened without being redone with hindsight.
with snapshots as (
    select * from {{ source('forecast', 'forecast_snapshots') }}
),

final as (
    select
        forecast_date,
        frozen_at,
        data_as_of_at,
        forecast_method,
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
    from snapshots
)

select * from final
