with balances as (
    select * from {{ ref('int_ar_installment_balances') }}
),

employee_teams as (
    select * from {{ ref('int_employee_teams') }}
),

per_rep as (
    select
        balances.as_of_date,
        balances.is_month_end,
        balances.is_latest,
        balances.owner_id,
        sum(balances.open_amount) as outstanding_amount,
        coalesce(sum(balances.open_amount) filter (where balances.days_past_due > 0), 0)
            as overdue_amount,
        coalesce(sum(balances.open_amount) filter (where balances.days_past_due > 90), 0)
            as overdue_over_90_amount,
        count(distinct balances.statement_id) filter (where balances.days_past_due > 0)
            as overdue_statements,
        count(distinct balances.account_id) filter (where balances.days_past_due > 0)
            as overdue_customers,
        sum(balances.late_fee_accrued) as late_fee_accrued
    from balances
    group by all
),

final as (
    select
        per_rep.as_of_date,
        per_rep.is_month_end,
        per_rep.is_latest,
        per_rep.owner_id,
        employee_teams.employee_name as owner_name,
        employee_teams.team_id,
        employee_teams.team_name,
        employee_teams.province_unit_id,
        employee_teams.province_unit_name,
        employee_teams.region_id,
        employee_teams.region_name,
        cast(per_rep.outstanding_amount as decimal(18, 2)) as outstanding_amount,
        cast(per_rep.overdue_amount as decimal(18, 2)) as overdue_amount,
        cast(per_rep.overdue_over_90_amount as decimal(18, 2)) as overdue_over_90_amount,
        cast(per_rep.overdue_statements as bigint) as overdue_statements,
        cast(per_rep.overdue_customers as bigint) as overdue_customers,
        cast(per_rep.late_fee_accrued as decimal(18, 2)) as late_fee_accrued,
        -- a double numerator: Spark divides two decimals into a decimal of 6 places
        cast(per_rep.overdue_amount as double) / nullif(per_rep.outstanding_amount, 0)
            as share_overdue,
        cast(
            rank() over (
                partition by per_rep.as_of_date order by per_rep.overdue_amount desc
            ) as bigint
        ) as overdue_rank
    from per_rep
    left join employee_teams on per_rep.owner_id = employee_teams.employee_id
)

select * from final
