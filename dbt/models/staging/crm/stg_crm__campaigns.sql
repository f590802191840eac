with campaigns as (
    {{ latest_export_rows(source('crm', 'crm_campaigns'), ['campaign_id']) }}
),

final as (
    select
        campaign_id,
        campaign_name,
        campaign_type,
        starts_on,
        ends_on,
        city,
        cast(budget as decimal(18, 2)) as budget,
        _file_name as source_file_name,
        _row_number as source_row_number
    from campaigns
)

select * from final
