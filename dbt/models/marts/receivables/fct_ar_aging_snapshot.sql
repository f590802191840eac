with balances as (
    select * from {{ ref('int_ar_installment_balances') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

customer_accounts as (
    select * from {{ ref('int_customer_accounts') }}
),

customer_hierarchy as (
    select * from {{ ref('int_customer_hierarchy') }}
),

employee_teams as (
    select * from {{ ref('int_employee_teams') }}
),

offices as (
    select * from {{ ref('stg_crm__offices') }}
),

buckets as (
    select * from {{ ref('aging_buckets') }}
),

final as (
    select
        balances.as_of_date,
        balances.is_month_end,
        balances.is_latest,
        balances.statement_id,
        balances.installment_no,
        balances.account_id,
        accounts.account_name,
        customer_accounts.golden_customer_id,
        customer_hierarchy.top_group_customer_id,
        balances.owner_id,
        employee_teams.employee_name as owner_name,
        employee_teams.team_id,
        employee_teams.team_name,
        employee_teams.province_unit_id,
        employee_teams.province_unit_name,
        employee_teams.region_id,
        employee_teams.region_name,
        employee_teams.office_id,
        offices.office_name,
        balances.product_line,
        balances.period,
        balances.statement_on,
        balances.due_on,
        balances.statement_amount,
        balances.installment_amount,
        cast(balances.allocated_amount as decimal(18, 2)) as allocated_amount,
        balances.open_amount,
        balances.days_past_due,
        balances.days_since_statement,
        balances.days_past_due > 0 as is_overdue,
        due_buckets.bucket_code as due_bucket_code,
        due_buckets.bucket_order as due_bucket_order,
        document_buckets.bucket_code as document_bucket_code,
        document_buckets.bucket_order as document_bucket_order,
        cast(balances.late_fee_days as integer) as late_fee_days,
        balances.late_fee_accrued
    from balances
    left join accounts on balances.account_id = accounts.account_id
    left join customer_accounts on balances.account_id = customer_accounts.account_id
    left join customer_hierarchy
        on customer_accounts.golden_customer_id = customer_hierarchy.golden_customer_id
    left join employee_teams on balances.owner_id = employee_teams.employee_id
    left join offices on employee_teams.office_id = offices.office_id
    left join buckets as due_buckets
        on
            balances.days_past_due >= coalesce(due_buckets.min_days, -2147483648)
            and balances.days_past_due <= coalesce(due_buckets.max_days, 2147483647)
    left join buckets as document_buckets
        on
            balances.days_since_statement >= coalesce(document_buckets.min_days, -2147483648)
            and balances.days_since_statement <= coalesce(document_buckets.max_days, 2147483647)
)

select * from final
