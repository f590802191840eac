with statements as (
    {{ latest_export_rows(source('erp', 'erp_statements'), ['statement_id']) }}
),

final as (
    select
        statement_id,
        account_id,
        period,
        statement_on,
        due_on,
        cast(statement_amount as decimal(18, 2)) as statement_amount,
        owner_id,
        _file_name as source_file_name,
        _row_number as source_row_number
    from statements
)

select * from final
