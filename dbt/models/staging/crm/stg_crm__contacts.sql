with contacts as (
    {{ latest_export_rows(source('crm', 'crm_contacts'), ['contact_id']) }}
),

final as (
    select
        contact_id,
        account_id,
        contact_name,
        department,
        title,
        mobile,
        _file_name as source_file_name,
        _row_number as source_row_number
    from contacts
)

select * from final
