{{ incremental_export_config(['payment_id']) }}
{%- set ledger = optional_relation(source('erp', 'erp_ar_invoice_ledger')) -%}
with payments as (
    {{ latest_export_rows(source('erp', 'erp_payments'), ['payment_id'], changed_only=true) }}
),

-- the export a payment first appeared in: when MedOps learned of it if the ERP gave no
-- posting date
first_exports as (
    select
        payment_id,
        min({{ exported_on(source('erp', 'erp_payments')) }}) as first_exported_on
    from {{ source('erp', 'erp_payments') }}
    where payment_id in (select payments.payment_id from payments)
    group by payment_id
),

-- the source's first export: the history a company starts MedOps with
source_start as (
    select min({{ exported_on(source('erp', 'erp_payments')) }}) as first_export_on
    from {{ source('erp', 'erp_payments') }}
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
        -- a payment counts for an as-of date only once it was posted (see DECISIONLOG); without
        -- a posting date, once exported, except that the first export's payments are the
        -- history before MedOps: known when paid
        coalesce(
            payments.recorded_on,
            case
                when first_exports.first_exported_on = source_start.first_export_on
                    then payments.paid_on
            end,
            first_exports.first_exported_on
        ) as known_on,
        payments._file_name as source_file_name,
        payments._row_number as source_row_number,
        payments._load_id as source_load_id
    from payments
    left join first_exports on payments.payment_id = first_exports.payment_id
    cross join source_start
    {%- if ledger %}
        union all
        -- an AR ledger has no payment rows: a settled invoice was paid in full on its settled
        -- date; the settled part of one not yet settled, on a day the ledger does not say,
        -- counts from the export that shows it (see DECISIONLOG, "Thin exports"); a ledger
        -- without settlement columns (an 应收单 list) adds no payment: its cash comes as payments
        {%- set settled_on = optional_column(ledger, 'settled_on', 'date') %}
        {%- set settled_amount = optional_column(ledger, 'settled_amount', 'decimal(18, 2)') %}
        select
            'ledger:' || invoice_id as payment_id,
            customer_id as account_id,
            invoice_id as statement_id,
            coalesce({{ settled_on }}, _exported_on) as paid_on,
            cast(
                case when {{ settled_on }} is not null then invoice_amount else {{ settled_amount }} end
                as decimal(18, 2)
            ) as payment_amount,
            cast(null as string) as payment_method,
            coalesce({{ settled_on }}, _exported_on) as recorded_on,
            _exported_on as first_exported_on,
            coalesce({{ settled_on }}, _exported_on) as known_on,
            _file_name as source_file_name,
            _row_number as source_row_number,
            _load_id as source_load_id
        from ({{ latest_export_rows(ledger, ['invoice_id']) }})
        where {{ settled_on }} is not null or {{ settled_amount }} > 0
    {%- endif %}
)

select * from final
