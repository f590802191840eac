with visits as (
    {{ latest_export_rows(source('service', 'svc_pm_visits'), ['pm_id']) }}
),

final as (
    select
        pm_id,
        serial_no,
        planned_on,
        done_on,
        engineer_id,
        _file_name as source_file_name,
        _row_number as source_row_number
    from visits
)

select * from final
