with parts_used as (
    {{ latest_export_rows(source('service', 'svc_parts_used'), ['ticket_id', 'part_id']) }}
),

final as (
    select
        ticket_id,
        part_id,
        quantity,
        cast(unit_cost as decimal(18, 2)) as unit_cost,
        _file_name as source_file_name,
        _row_number as source_row_number
    from parts_used
)

select * from final
