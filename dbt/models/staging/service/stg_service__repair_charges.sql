with charges as (
    {{ latest_export_rows(source('service', 'svc_repair_charges'), ['ticket_id']) }}
),

final as (
    select
        ticket_id,
        charged_on,
        cast(charge_amount as decimal(18, 2)) as charge_amount,
        _file_name as source_file_name,
        _row_number as source_row_number
    from charges
)

select * from final
