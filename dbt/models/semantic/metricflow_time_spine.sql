-- One row per day: the time spine MetricFlow joins metrics to for time grains and windows.
-- The range covers every date the exports can carry (CRM history back to 2015, plans ahead).
with spine as (
    select {{ series_of("date '2015-01-01'", "date '2035-12-31'", 'interval 1 day') }} as spine_day
)

select cast(spine_day as date) as date_day
from spine
