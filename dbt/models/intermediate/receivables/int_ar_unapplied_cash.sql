with as_of_dates as (
    select * from {{ ref('int_ar_as_of_dates') }}
),

applications as (
    select * from {{ ref('int_ar_applications') }}
),

statement_applied as (
    select * from {{ ref('int_ar_statement_applied') }}
),

-- cash received and posted by the as-of date without a statement to apply it to
unallocated as (
    select
        as_of_dates.as_of_date,
        applications.account_id,
        sum(applications.amount) as unallocated_amount,
        count(*) as unallocated_payments
    from as_of_dates
    inner join applications on as_of_dates.as_of_date >= applications.counts_from
    where applications.statement_id is null and applications.application_kind = 'payment'
    group by all
),

overpaid as (
    select
        statement_applied.as_of_date,
        statement_applied.account_id,
        sum(statement_applied.overpaid_amount) as overpaid_amount,
        count(*) as overpaid_statements
    from statement_applied
    where statement_applied.overpaid_amount > 0
    group by all
),

combined as (
    select
        coalesce(unallocated.as_of_date, overpaid.as_of_date) as as_of_date,
        coalesce(unallocated.account_id, overpaid.account_id) as account_id,
        coalesce(unallocated.unallocated_amount, 0) as unallocated_amount,
        coalesce(unallocated.unallocated_payments, 0) as unallocated_payments,
        coalesce(overpaid.overpaid_amount, 0) as overpaid_amount,
        coalesce(overpaid.overpaid_statements, 0) as overpaid_statements
    from unallocated
    full outer join overpaid
        on
            unallocated.as_of_date = overpaid.as_of_date
            and unallocated.account_id = overpaid.account_id
),

final as (
    select
        combined.as_of_date,
        combined.account_id,
        cast(combined.unallocated_amount as decimal(18, 2)) as unallocated_amount,
        cast(combined.unallocated_payments as bigint) as unallocated_payments,
        cast(combined.overpaid_amount as decimal(18, 2)) as overpaid_amount,
        cast(combined.overpaid_statements as bigint) as overpaid_statements,
        cast(combined.unallocated_amount + combined.overpaid_amount as decimal(18, 2))
            as unapplied_amount
    from combined
)

select * from final
