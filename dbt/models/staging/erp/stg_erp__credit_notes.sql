with credit_notes as (
    {{ latest_export_rows(source('erp', 'erp_credit_notes'), ['credit_note_id']) }}
),

final as (
    select
        credit_note_id,
        statement_id,
        account_id,
        issued_on,
        cast(credit_amount as decimal(18, 2)) as credit_amount,
        credit_reason,
        _file_name as source_file_name,
        _row_number as source_row_number
    from credit_notes
)

select * from final
