-- One row per customer account and month of due date: how its instalments falling due that
-- month were paid (days late, share paid late by count and amount, days to settle), and what
-- of them is still open past due at the latest data date. See DECISIONLOG.md, "Payment
-- behaviour".
with settlements as (
    select * from {{ ref('int_ar_installment_settlements') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

data_as_of as (
    select max(as_of_date) as as_of_date
    from {{ ref('int_ar_as_of_dates') }}
),

final as (
    select
        settlements.account_id,
        any_value(accounts.account_name) as account_name,
        cast(date_trunc('month', settlements.due_on) as date) as due_month,
        count(*) as installments_due,
        cast(sum(settlements.installment_amount) as decimal(18, 2)) as amount_due,
        count(settlements.settled_on) as installments_settled,
        cast(coalesce(sum(settlements.installment_amount) filter (
            where settlements.settled_on is not null
        ), 0) as decimal(18, 2)) as amount_settled,
        count(*) filter (where settlements.is_paid_late) as installments_paid_late,
        cast(coalesce(sum(settlements.installment_amount) filter (
            where settlements.is_paid_late
        ), 0) as decimal(18, 2)) as amount_paid_late,
        count(*) filter (where settlements.is_paid_late)
        / nullif(count(settlements.settled_on), 0) as share_installments_paid_late,
        -- a double numerator: Spark divides two decimals into a decimal of 6 places
        cast(
            coalesce(
                sum(settlements.installment_amount) filter (where settlements.is_paid_late), 0
            ) as double
        )
        / nullif(sum(settlements.installment_amount) filter (
            where settlements.settled_on is not null
        ), 0) as share_amount_paid_late,
        avg(settlements.days_late) as avg_days_late,
        avg(settlements.days_late) filter (where settlements.is_paid_late) as avg_days_late_of_late,
        avg(settlements.days_to_settle) as avg_days_to_settle,
        count(*) filter (
            where settlements.settled_on is null and settlements.due_on < data_as_of.as_of_date
        ) as installments_open_past_due,
        data_as_of.as_of_date as data_as_of_date
    from settlements
    cross join data_as_of
    left join accounts on settlements.account_id = accounts.account_id
    group by
        settlements.account_id,
        cast(date_trunc('month', settlements.due_on) as date),
        data_as_of.as_of_date
)

select * from final
