-- One row per statement instalment with the day it was settled: the effective date of the
-- payment or credit note that brought what was applied to the statement up to everything due
-- by this instalment (allocation runs oldest due first, as in the aging). Null while any of it
-- is still open. See DECISIONLOG.md, "Payment behaviour".
with installments as (
    select * from {{ ref('int_ar_installments') }}
),

-- what had been applied to the statement by each document, in the order the money came in
applied_to_date as (
    select
        statement_id,
        effective_on,
        sum(amount) over (
            partition by statement_id
            order by effective_on, application_kind, document_id
            rows between unbounded preceding and current row
        ) as applied_amount
    from {{ ref('int_ar_applications') }}
    where statement_id is not null
),

settlements as (
    select
        installments.statement_id,
        installments.installment_no,
        min(applied_to_date.effective_on) as settled_on
    from installments
    inner join applied_to_date
        on
            installments.statement_id = applied_to_date.statement_id
            and applied_to_date.applied_amount
            >= installments.amount_due_before + installments.installment_amount
    group by installments.statement_id, installments.installment_no
),

final as (
    select
        installments.statement_id,
        installments.installment_no,
        installments.account_id,
        installments.statement_on,
        installments.due_on,
        installments.installment_amount,
        settlements.settled_on,
        {{ date_diff_in('day', 'installments.statement_on', 'settlements.settled_on') }}
            as days_to_settle,
        -- paid on or before the due date counts as 0 days late; open ones have no figure
        -- (greatest() would skip the null and give 0)
        case
            when settlements.settled_on is not null
                then greatest(
                    {{ date_diff_in('day', 'installments.due_on', 'settlements.settled_on') }}, 0
                )
        end as days_late,
        settlements.settled_on > installments.due_on as is_paid_late
    from installments
    left join settlements
        on
            installments.statement_id = settlements.statement_id
            and installments.installment_no = settlements.installment_no
)

select * from final
