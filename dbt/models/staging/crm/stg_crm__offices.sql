with offices as (
    {{ latest_export_rows(source('crm', 'crm_offices'), ['office_id']) }}
),

final as (
    select
        office_id,
        office_name,
        unit_id,
        province,
        city,
        district,
        address,
        longitude,
        latitude,
        _file_name as source_file_name,
        _row_number as source_row_number
    from offices
)

select * from final
