with employees as (
    {{ latest_export_rows(source('crm', 'crm_employees'), ['employee_id']) }}
),

final as (
    select
        employee_id,
        employee_name,
        job_role,
        unit_id,
        office_id,
        manager_id,
        mobile,
        hired_on,
        left_on,
        _file_name as source_file_name,
        _row_number as source_row_number
    from employees
)

select * from final
