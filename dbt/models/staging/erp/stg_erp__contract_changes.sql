with contract_changes as (
    {{ latest_export_rows(source('erp', 'erp_contract_changes'), ['change_id']) }}
),

final as (
    select
        change_id,
        contract_id,
        changed_on,
        changed_field,
        old_value,
        new_value,
        changed_by,
        _file_name as source_file_name,
        _row_number as source_row_number
    from contract_changes
)

select * from final
