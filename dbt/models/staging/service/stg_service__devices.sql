with devices as (
    {{ latest_export_rows(source('service', 'svc_devices'), ['serial_no']) }}
),

final as (
    select
        serial_no,
        sku,
        account_id,
        installed_on,
        warranty_ends_on,
        service_contract_ends_on,
        last_census_scan_at,
        _file_name as source_file_name,
        _row_number as source_row_number
    from devices
)

select * from final
