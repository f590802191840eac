-- working intervals of one calendar follow each other without overlap, so every moment has
-- exactly one clock reading
select
    calendar_id,
    interval_start
from {{ ref('int_service_calendar_intervals') }}
qualify interval_start < lag(interval_end) over (partition by calendar_id order by interval_start)
