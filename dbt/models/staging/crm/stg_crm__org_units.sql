with org_units as (
    {{ latest_export_rows(source('crm', 'crm_org_units'), ['unit_id']) }}
),

final as (
    select
        unit_id,
        unit_name,
        unit_level,
        parent_unit_id,
        _file_name as source_file_name,
        _row_number as source_row_number
    from org_units
)

select * from final
