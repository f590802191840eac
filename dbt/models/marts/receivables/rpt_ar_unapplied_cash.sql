with unapplied as (
    select * from {{ ref('int_ar_unapplied_cash') }}
),

as_of_dates as (
    select * from {{ ref('int_ar_as_of_dates') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

employee_teams as (
    select * from {{ ref('int_employee_teams') }}
),

final as (
    select
        unapplied.as_of_date,
        as_of_dates.is_month_end,
        as_of_dates.is_latest,
        unapplied.account_id,
        accounts.account_name,
        accounts.owner_id,
        employee_teams.employee_name as owner_name,
        employee_teams.team_id,
        employee_teams.team_name,
        employee_teams.region_id,
        employee_teams.region_name,
        unapplied.unallocated_amount,
        unapplied.unallocated_payments,
        unapplied.overpaid_amount,
        unapplied.overpaid_statements,
        unapplied.unapplied_amount
    from unapplied
    inner join as_of_dates on unapplied.as_of_date = as_of_dates.as_of_date
    left join accounts on unapplied.account_id = accounts.account_id
    left join employee_teams on accounts.owner_id = employee_teams.employee_id
)

select * from final
