with contracts as (
    {{ latest_export_rows(source('service', 'svc_service_contracts'), ['contract_no']) }}
),

final as (
    select
        contract_no,
        serial_no,
        account_id,
        starts_on,
        ends_on,
        coverage,
        cast(annual_fee as decimal(18, 2)) as annual_fee,
        _file_name as source_file_name,
        _row_number as source_row_number
    from contracts
)

select * from final
