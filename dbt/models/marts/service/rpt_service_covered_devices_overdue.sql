with devices as (
    select * from {{ ref('dim_service_devices') }}
),

customer_accounts as (
    select * from {{ ref('int_customer_accounts') }}
),

aging as (
    select * from {{ ref('fct_ar_aging_snapshot') }}
),

-- what each golden customer owes past due on the latest aging date, over all its records
overdue_customers as (
    select
        golden_customer_id,
        any_value(as_of_date) as aging_as_of_date,
        sum(open_amount) as overdue_amount,
        max(days_past_due) as max_days_overdue,
        count(distinct statement_id) as overdue_statements
    from aging
    where is_latest and days_past_due > 0 and open_amount > 0
    group by golden_customer_id
),

final as (
    select
        devices.serial_no,
        devices.device_model,
        devices.device_class,
        devices.account_id,
        devices.account_name,
        customer_accounts.golden_customer_id,
        devices.region_id,
        devices.region_name,
        devices.coverage_status,
        devices.warranty_ends_on,
        devices.service_contract_ends_on,
        devices.as_of_date as coverage_as_of_date,
        overdue_customers.aging_as_of_date,
        cast(overdue_customers.overdue_amount as decimal(18, 2)) as customer_overdue_amount,
        overdue_customers.max_days_overdue as customer_max_days_overdue,
        overdue_customers.overdue_statements as customer_overdue_statements,
        devices.open_tickets
    from devices
    inner join customer_accounts on devices.account_id = customer_accounts.account_id
    inner join overdue_customers
        on customer_accounts.golden_customer_id = overdue_customers.golden_customer_id
    where devices.coverage_status in ('warranty', 'service_contract')
)

select * from final
