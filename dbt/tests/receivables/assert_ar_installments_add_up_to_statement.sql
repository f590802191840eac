-- a statement's instalments add up to the statement amount, so oldest-due-first allocation settles it exactly
with installments as (
    select * from {{ ref('int_ar_installments') }}
)

select
    installments.statement_id,
    any_value(installments.statement_amount) as statement_amount,
    sum(installments.installment_amount) as installments_total
from installments
group by installments.statement_id
having sum(installments.installment_amount) != any_value(installments.statement_amount)
