with installments as (
    {{ latest_export_rows(source('erp', 'erp_statement_installments'), ['statement_id', 'installment_no']) }}
),

final as (
    select
        statement_id,
        installment_no,
        due_on,
        cast(installment_amount as decimal(18, 2)) as installment_amount,
        _file_name as source_file_name,
        _row_number as source_row_number
    from installments
)

select * from final
