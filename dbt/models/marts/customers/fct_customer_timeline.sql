-- one row per event at a customer (opportunity, contract, order, device, service ticket,
-- visit), keyed by the golden customer, so the 360° page reads one mart
with customer_accounts as (
    select * from {{ ref('int_customer_accounts') }}
),

opportunities as (
    select * from {{ ref('int_opportunities') }}
),

contracts as (
    select * from {{ ref('stg_erp__contracts') }}
),

orders as (
    select * from {{ ref('stg_erp__orders') }}
),

devices as (
    select * from {{ ref('stg_service__devices') }}
),

tickets as (
    select * from {{ ref('stg_service__tickets') }}
),

visits as (
    select * from {{ ref('stg_crm__visits') }}
),

employees as (
    select * from {{ ref('int_employee_teams') }}
),

events as (
    select
        'opportunity' as event_type,
        opportunity_id as event_id,
        account_id,
        created_on as event_on,
        amount,
        current_stage as event_status,
        owner_id as employee_id,
        product_line as detail
    from opportunities
    union all
    select
        'contract' as event_type,
        contract_id as event_id,
        account_id,
        signed_on as event_on,
        contract_amount as amount,
        case when valid_to >= current_date then 'valid' else 'expired' end as event_status,
        owner_id as employee_id,
        contract_id as detail
    from contracts
    union all
    select
        'order' as event_type,
        order_id as event_id,
        any_value(account_id) as account_id,
        min(ordered_on) as event_on,
        sum(quantity * unit_price) as amount,
        case when any_value(contract_id) is null then 'no_contract' else 'contract' end
            as event_status,
        null as employee_id,
        {{ string_agg_ordered('sku', "', '", 'line_no') }} as detail
    from orders
    group by order_id
    union all
    select
        'device' as event_type,
        serial_no as event_id,
        account_id,
        installed_on as event_on,
        null as amount,
        case
            when warranty_ends_on >= current_date then 'warranty'
            when service_contract_ends_on >= current_date then 'service_contract'
            else 'out_of_cover'
        end as event_status,
        null as employee_id,
        sku as detail
    from devices
    union all
    select
        'service_ticket' as event_type,
        ticket_id as event_id,
        account_id,
        cast(created_at as date) as event_on,
        null as amount,
        ticket_status as event_status,
        engineer_id as employee_id,
        fault_type as detail
    from tickets
    union all
    select
        'visit' as event_type,
        visit_id as event_id,
        account_id,
        cast(checked_in_at as date) as event_on,
        null as amount,
        activity_type as event_status,
        employee_id,
        null as detail
    from visits
),

final as (
    select
        customer_accounts.golden_customer_id,
        events.account_id,
        customer_accounts.account_name,
        events.event_type,
        events.event_id,
        events.event_on,
        cast(events.amount as decimal(18, 2)) as amount,
        events.event_status,
        events.employee_id,
        employees.employee_name,
        cast(events.detail as string) as detail
    from events
    inner join customer_accounts on events.account_id = customer_accounts.account_id
    left join employees on events.employee_id = employees.employee_id
)

select * from final
