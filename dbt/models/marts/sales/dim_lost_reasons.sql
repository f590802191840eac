with lost_reasons as (
    select * from {{ ref('lost_reasons') }}
)

select
    lost_reason,
    lost_reason_name_en,
    lost_reason_group
from lost_reasons
