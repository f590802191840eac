{#- the late fee on what is still open, for the days past due beyond the grace period, capped -#}
{% set late_fee -%}
                least(
                    open_items.open_amount
                    * late_fee_rules.daily_rate
                    * greatest(open_items.days_past_due - late_fee_rules.grace_days, 0),
                    open_items.open_amount * late_fee_rules.cap_share
                )
{%- endset %}
with as_of_dates as (
    select * from {{ ref('int_ar_as_of_dates') }}
),

installments as (
    select * from {{ ref('int_ar_installments') }}
),

statement_applied as (
    select * from {{ ref('int_ar_statement_applied') }}
),

late_fee_rules as (
    select * from {{ ref('late_fee_rules') }}
),

balances as (
    select
        as_of_dates.as_of_date,
        as_of_dates.is_month_end,
        as_of_dates.is_latest,
        installments.*,
        -- oldest due first: an instalment takes what is left after the ones due before it
        least(
            greatest(
                coalesce(statement_applied.applied_amount, 0) - installments.amount_due_before, 0
            ),
            installments.installment_amount
        ) as allocated_amount
    from as_of_dates
    inner join installments on as_of_dates.as_of_date >= installments.statement_on
    left join statement_applied
        on
            as_of_dates.as_of_date = statement_applied.as_of_date
            and installments.statement_id = statement_applied.statement_id
),

open_items as (
    select
        balances.*,
        cast(balances.installment_amount - balances.allocated_amount as decimal(18, 2))
            as open_amount,
        {{ date_diff_in('day', 'balances.due_on', 'balances.as_of_date') }} as days_past_due,
        {{ date_diff_in('day', 'balances.statement_on', 'balances.as_of_date') }}
            as days_since_statement
    from balances
    where balances.installment_amount > balances.allocated_amount
),

final as (
    select
        open_items.*,
        greatest(open_items.days_past_due - late_fee_rules.grace_days, 0) as late_fee_days,
        -- a double (the seed's rates): rounded as DuckDB rounds doubles on both engines
        cast({{ round_double(late_fee, 2) }} as decimal(18, 2)) as late_fee_accrued
    from open_items
    cross join late_fee_rules
)

select * from final
