with opportunities as (
    {{ latest_export_rows(source('crm', 'crm_opportunities'), ['opportunity_id']) }}
),

final as (
    select
        opportunity_id,
        opportunity_name,
        account_id,
        owner_id,
        product_line,
        channel,
        lead_id,
        cast(amount as decimal(18, 2)) as amount,
        created_on,
        expected_close_on,
        current_stage,
        closed_on,
        lost_reason,
        _exported_on as exported_on,
        _file_name as source_file_name,
        _row_number as source_row_number
    from opportunities
)

select * from final
