{{ incremental_export_config(['invoice_id']) }}
with invoices as (
    {{ latest_export_rows(source('erp', 'erp_invoices'), ['invoice_id'], changed_only=true) }}
),

final as (
    select
        invoice_id,
        statement_id,
        invoiced_on,
        cast(invoice_amount as decimal(18, 2)) as invoice_amount,
        _file_name as source_file_name,
        _row_number as source_row_number,
        _load_id as source_load_id
    from invoices
)

select * from final
