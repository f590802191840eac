-- a payment plan adds up to its statement; if not (a row lost at ingest) the statement is due in one piece
{{ config(severity='warn') }}

with plans as (
    select * from {{ ref('stg_erp__statement_installments') }}
),

statements as (
    select * from {{ ref('stg_erp__statements') }}
)

select
    plans.statement_id,
    any_value(statements.statement_amount) as statement_amount,
    sum(plans.installment_amount) as plan_total
from plans
left join statements on plans.statement_id = statements.statement_id
group by plans.statement_id
having
    any_value(statements.statement_amount) is null
    or sum(plans.installment_amount) != any_value(statements.statement_amount)
