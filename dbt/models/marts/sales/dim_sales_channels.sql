with sales_channels as (
    select * from {{ ref('sales_channels') }}
)

select
    channel,
    channel_name_zh,
    channel_name_en
from sales_channels
