with history as (
    {{ latest_export_rows(source('service', 'svc_ticket_history'), ['ticket_id', 'change_no']) }}
),

final as (
    select
        ticket_id,
        change_no,
        changed_at,
        ticket_status,
        priority,
        _file_name as source_file_name,
        _row_number as source_row_number
    from history
)

select * from final
