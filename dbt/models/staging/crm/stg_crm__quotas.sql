with quotas as (
    {{ latest_export_rows(source('crm', 'crm_quotas'), ['employee_id', 'quota_month']) }}
),

final as (
    select
        employee_id,
        quota_month,
        cast(quota_amount as decimal(18, 2)) as quota_amount,
        _file_name as source_file_name,
        _row_number as source_row_number
    from quotas
)

select * from final
