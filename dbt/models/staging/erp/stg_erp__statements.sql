{{ incremental_export_config(['statement_id']) }}
{%- set ledger = optional_relation(source('erp', 'erp_ar_invoice_ledger')) -%}
with statements as (
    {{ latest_export_rows(source('erp', 'erp_statements'), ['statement_id'], changed_only=true) }}
),

final as (
    select
        statement_id,
        account_id,
        period,
        statement_on,
        due_on,
        cast(statement_amount as decimal(18, 2)) as statement_amount,
        owner_id,
        'statement' as source_shape,
        _file_name as source_file_name,
        _row_number as source_row_number,
        _load_id as source_load_id
    from statements
    {%- if ledger %}
        union all
        -- an AR ledger's invoice is billed and due like a statement due in one piece (see
        -- DECISIONLOG, "Thin exports"); its rep comes by name only, so it has no owner id
        select
            invoice_id as statement_id,
            customer_id as account_id,
            {{ month_label('invoiced_on') }} as period,
            invoiced_on as statement_on,
            due_on,
            cast(invoice_amount as decimal(18, 2)) as statement_amount,
            cast(null as string) as owner_id,
            'invoice_ledger' as source_shape,
            _file_name as source_file_name,
            _row_number as source_row_number,
            _load_id as source_load_id
        from ({{ latest_export_rows(ledger, ['invoice_id']) }})
    {%- endif %}
)

select * from final
