with as_of_dates as (
    select * from {{ ref('int_ar_as_of_dates') }}
),

balances as (
    select * from {{ ref('int_ar_installment_balances') }}
),

statements as (
    select * from {{ ref('stg_erp__statements') }}
),

applications as (
    select * from {{ ref('int_ar_applications') }}
),

unapplied as (
    select * from {{ ref('int_ar_unapplied_cash') }}
),

month_ends as (
    select
        as_of_dates.as_of_date as month_end,
        cast(date_trunc('month', as_of_dates.as_of_date) as date) as month_start
    from as_of_dates
    where as_of_dates.is_month_end
),

outstanding as (
    select
        balances.as_of_date as month_end,
        sum(balances.open_amount) as outstanding_amount,
        coalesce(sum(balances.open_amount) filter (where balances.days_past_due > 0), 0)
            as overdue_amount,
        coalesce(sum(balances.open_amount) filter (where balances.days_past_due <= 0), 0)
            as not_yet_due_amount,
        sum(balances.late_fee_accrued) as late_fee_accrued
    from balances
    where balances.is_month_end
    group by all
),

billed as (
    select
        month_ends.month_end,
        coalesce(
            sum(statements.statement_amount) filter (
                where statements.statement_on >= month_ends.month_start
            ),
            0
        ) as billed_amount,
        coalesce(sum(statements.statement_amount), 0) as billed_90_days_amount
    from month_ends
    left join statements
        on
            month_ends.month_end - interval 90 day < statements.statement_on
            and month_ends.month_end >= statements.statement_on
    group by all
),

-- cash and credit notes that started to count in the month (received and posted)
movements as (
    select
        month_ends.month_end,
        coalesce(
            sum(applications.amount) filter (where applications.application_kind = 'payment'), 0
        ) as payments_amount,
        coalesce(
            sum(applications.amount) filter (
                where applications.application_kind = 'payment'
                and applications.statement_id is not null
            ),
            0
        ) as payments_allocated_amount,
        coalesce(
            sum(applications.amount) filter (
                where applications.application_kind = 'credit_note'
            ),
            0
        ) as credit_notes_amount
    from month_ends
    left join applications
        on
            month_ends.month_start <= applications.counts_from
            and month_ends.month_end >= applications.counts_from
    group by all
),

unapplied_totals as (
    select
        unapplied.as_of_date as month_end,
        sum(unapplied.unapplied_amount) as unapplied_cash_amount
    from unapplied
    group by all
),

joined as (
    select
        month_ends.month_end,
        month_ends.month_start,
        coalesce(
            lag(outstanding.outstanding_amount) over (order by month_ends.month_end), 0
        ) as opening_outstanding_amount,
        coalesce(outstanding.outstanding_amount, 0) as outstanding_amount,
        coalesce(outstanding.overdue_amount, 0) as overdue_amount,
        coalesce(outstanding.not_yet_due_amount, 0) as not_yet_due_amount,
        coalesce(outstanding.late_fee_accrued, 0) as late_fee_accrued,
        billed.billed_amount,
        billed.billed_90_days_amount,
        movements.payments_amount,
        movements.payments_allocated_amount,
        movements.credit_notes_amount,
        coalesce(unapplied_totals.unapplied_cash_amount, 0) as unapplied_cash_amount
    from month_ends
    left join outstanding on month_ends.month_end = outstanding.month_end
    left join billed on month_ends.month_end = billed.month_end
    left join movements on month_ends.month_end = movements.month_end
    left join unapplied_totals on month_ends.month_end = unapplied_totals.month_end
),

final as (
    select
        joined.month_end,
        joined.month_start,
        cast(joined.opening_outstanding_amount as decimal(18, 2)) as opening_outstanding_amount,
        cast(joined.outstanding_amount as decimal(18, 2)) as outstanding_amount,
        cast(joined.overdue_amount as decimal(18, 2)) as overdue_amount,
        cast(joined.not_yet_due_amount as decimal(18, 2)) as not_yet_due_amount,
        cast(joined.billed_amount as decimal(18, 2)) as billed_amount,
        cast(joined.billed_90_days_amount as decimal(18, 2)) as billed_90_days_amount,
        cast(joined.payments_amount as decimal(18, 2)) as payments_amount,
        cast(joined.payments_allocated_amount as decimal(18, 2)) as payments_allocated_amount,
        cast(joined.credit_notes_amount as decimal(18, 2)) as credit_notes_amount,
        cast(joined.unapplied_cash_amount as decimal(18, 2)) as unapplied_cash_amount,
        cast(joined.late_fee_accrued as decimal(18, 2)) as late_fee_accrued,
        -- a double numerator: Spark divides two decimals into a decimal of 6 places
        cast(joined.overdue_amount as double) / nullif(joined.outstanding_amount, 0)
            as share_overdue,
        -- DSO: receivables at month-end over the last 90 days of billing, in days
        cast(joined.outstanding_amount as double)
        / nullif(joined.billed_90_days_amount, 0)
        * 90 as dso_days,
        -- CEI: what was collected of what could have been collected (current items excluded)
        cast(
            joined.opening_outstanding_amount
            + joined.billed_amount
            - joined.outstanding_amount as double
        )
        / nullif(
            joined.opening_outstanding_amount
            + joined.billed_amount
            - joined.not_yet_due_amount,
            0
        ) as collection_effectiveness,
        -- reconciliation (核销) rate: share of the month's cash applied to a statement
        cast(joined.payments_allocated_amount as double) / nullif(joined.payments_amount, 0)
            as reconciliation_rate
    from joined
)

select * from final
