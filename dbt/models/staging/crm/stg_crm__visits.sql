{{ incremental_export_config(['visit_id']) }}
with visits as (
    {{ latest_export_rows(source('crm', 'crm_visits'), ['visit_id'], changed_only=true) }}
),

final as (
    select
        visit_id,
        employee_id,
        account_id,
        activity_type,
        checked_in_at,
        check_in_longitude,
        check_in_latitude,
        _file_name as source_file_name,
        _row_number as source_row_number,
        _load_id as source_load_id
    from visits
)

select * from final
