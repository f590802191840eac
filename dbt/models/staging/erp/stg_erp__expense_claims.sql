{{ incremental_export_config(['claim_id']) }}
with expense_claims as (
    {{ latest_export_rows(source('erp', 'erp_expense_claims'), ['claim_id'], changed_only=true) }}
),

final as (
    select
        claim_id,
        employee_id,
        travelled_on,
        account_id,
        claimed_km,
        cast(claimed_amount as decimal(18, 2)) as claimed_amount,
        _file_name as source_file_name,
        _row_number as source_row_number,
        _load_id as source_load_id
    from expense_claims
)

select * from final
