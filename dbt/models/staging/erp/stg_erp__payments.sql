with payments as (
    {{ latest_export_rows(source('erp', 'erp_payments'), ['payment_id']) }}
),

-- the export a payment first appeared in: when MedOps learned of it if the ERP gave no
-- posting date
first_exports as (
    select
        payment_id,
        min({{ exported_on(source('erp', 'erp_payments')) }}) as first_exported_on
    from {{ source('erp', 'erp_payments') }}
    group by payment_id
),

final as (
    select
        payments.payment_id,
        payments.account_id,
        payments.statement_id,
        payments.paid_on,
        cast(payments.payment_amount as decimal(18, 2)) as payment_amount,
        payments.payment_method,
        payments.recorded_on,
        first_exports.first_exported_on,
        -- a payment counts for an as-of date only once it was posted (see DECISIONLOG)
        coalesce(payments.recorded_on, first_exports.first_exported_on) as known_on,
        payments._file_name as source_file_name,
        payments._row_number as source_row_number
    from payments
    left join first_exports on payments.payment_id = first_exports.payment_id
)

select * from final
