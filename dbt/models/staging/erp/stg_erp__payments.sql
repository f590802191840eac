with payments as (
    {{ latest_export_rows(source('erp', 'erp_payments'), ['payment_id']) }}
),

final as (
    select
        payment_id,
        account_id,
        statement_id,
        paid_on,
        cast(payment_amount as decimal(18, 2)) as payment_amount,
        payment_method,
        _file_name as source_file_name,
        _row_number as source_row_number
    from payments
)

select * from final
