with worklogs as (
    {{ latest_export_rows(source('service', 'svc_engineer_worklogs'), ['worklog_id']) }}
),

final as (
    select
        worklog_id,
        engineer_id,
        ticket_id,
        worked_on,
        cast(work_hours as double) as work_hours,
        cast(travel_km as double) as travel_km,
        _file_name as source_file_name,
        _row_number as source_row_number
    from worklogs
)

select * from final
