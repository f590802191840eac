with balances as (
    select * from {{ ref('int_ar_installment_balances') }}
),

late_fee_rules as (
    select * from {{ ref('late_fee_rules') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

employee_teams as (
    select * from {{ ref('int_employee_teams') }}
),

-- for reps: open instalments that fall due within the horizon after the latest data date
final as (
    select
        balances.as_of_date,
        balances.statement_id,
        balances.installment_no,
        balances.account_id,
        accounts.account_name,
        balances.owner_id,
        employee_teams.employee_name as owner_name,
        employee_teams.team_id,
        employee_teams.team_name,
        employee_teams.region_name,
        balances.due_on,
        cast(-balances.days_past_due as integer) as days_until_due,
        balances.open_amount
    from balances
    cross join late_fee_rules
    left join accounts on balances.account_id = accounts.account_id
    left join employee_teams on balances.owner_id = employee_teams.employee_id
    where
        balances.is_latest
        and balances.days_past_due <= 0
        and -balances.days_past_due <= late_fee_rules.expected_overdue_horizon_days
)

select * from final
