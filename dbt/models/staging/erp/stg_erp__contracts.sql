with contracts as (
    {{ latest_export_rows(source('erp', 'erp_contracts'), ['contract_id']) }}
),

final as (
    select
        contract_id,
        account_id,
        owner_id,
        opportunity_id,
        signed_on,
        valid_from,
        valid_to,
        cast(contract_amount as decimal(18, 2)) as contract_amount,
        currency,
        approved_discount,
        payment_days,
        approved_on,
        _file_name as source_file_name,
        _row_number as source_row_number
    from contracts
)

select * from final
