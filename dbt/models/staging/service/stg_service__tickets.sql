with tickets as (
    {{ latest_export_rows(source('service', 'svc_tickets'), ['ticket_id']) }}
),

final as (
    select
        ticket_id,
        serial_no,
        account_id,
        channel,
        priority,
        fault_type,
        created_at,
        accepted_at,
        dispatched_at,
        arrived_at,
        resolved_at,
        closed_at,
        engineer_id,
        resolution_mode,
        ticket_status,
        satisfaction,
        _file_name as source_file_name,
        _row_number as source_row_number
    from tickets
)

select * from final
