-- Which areas rest, at least partly, on exports thinner than a full CRM / ERP export (see
-- DECISIONLOG, "Thin exports"), so the pages they feed can say what is not available.
with opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

statements as (
    select * from {{ ref('stg_erp__statements') }}
),

tickets as (
    select * from {{ ref('stg_service__tickets') }}
),

shapes as (
    select
        'sales_funnel' as area,
        'current_stage_only' as source_shape,
        count(*) as source_rows
    from opportunities
    where is_current_stage_only
    union all
    select
        'receivables' as area,
        'invoice_ledger' as source_shape,
        count(*) as source_rows
    from statements
    where source_shape = 'invoice_ledger'
    union all
    -- a service desk's event log is the only ticket source that records no devices
    select
        'service' as area,
        'ticket_event_log' as source_shape,
        count(*) as source_rows
    from tickets
    where not source_records_devices
),

final as (
    select
        area,
        source_shape,
        source_rows
    from shapes
    where source_rows > 0
)

select * from final
