with lead_sources as (
    select * from {{ ref('lead_sources') }}
)

select
    lead_source,
    lead_source_name_zh,
    lead_source_name_en
from lead_sources
