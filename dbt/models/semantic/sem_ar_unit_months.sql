-- One row per month-end, account, owner and product line: the receivables figures of
-- rpt_ar_kpis_monthly (outstanding, billed in 90 days, the month's payments and the reconciled
-- part) split by whose and what they are, so DSO and the reconciliation rate can be cut by org
-- unit, product line and customer tier. Attribution (DECISIONLOG, "Receivables"): open items and
-- statements to the statement's owner and product line; a payment naming a statement to that
-- statement's owner and product line, a payment naming none to its account's owner, with no
-- product line.
with month_ends as (
    select
        as_of_dates.as_of_date as month_end,
        cast(date_trunc('month', as_of_dates.as_of_date) as date) as month_start
    from {{ ref('int_ar_as_of_dates') }} as as_of_dates
    where as_of_dates.is_month_end
),

balances as (
    select * from {{ ref('int_ar_installment_balances') }}
),

statements as (
    select * from {{ ref('stg_erp__statements') }}
),

-- every instalment of a statement carries the statement's product line
statement_lines as (
    select distinct
        installments.statement_id,
        installments.product_line
    from {{ ref('int_ar_installments') }} as installments
),

applications as (
    select * from {{ ref('int_ar_applications') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

employee_teams as (
    select * from {{ ref('int_employee_teams') }}
),

outstanding as (
    select
        balances.as_of_date as month_end,
        balances.account_id,
        balances.owner_id,
        balances.product_line,
        balances.open_amount as outstanding_amount,
        0 as billed_90_days_amount,
        0 as payments_amount,
        0 as payments_allocated_amount
    from balances
    where balances.is_month_end
),

billed as (
    select
        month_ends.month_end,
        statements.account_id,
        statements.owner_id,
        statement_lines.product_line,
        0 as outstanding_amount,
        statements.statement_amount as billed_90_days_amount,
        0 as payments_amount,
        0 as payments_allocated_amount
    from month_ends
    inner join statements
        on
            month_ends.month_end - interval 90 day < statements.statement_on
            and month_ends.month_end >= statements.statement_on
    left join statement_lines on statements.statement_id = statement_lines.statement_id
),

-- cash that started to count in the month (credit notes are not cash)
payments as (
    select
        month_ends.month_end,
        applications.account_id,
        case
            when applications.statement_id is not null then statements.owner_id
            else accounts.owner_id
        end as owner_id,
        statement_lines.product_line,
        0 as outstanding_amount,
        0 as billed_90_days_amount,
        applications.amount as payments_amount,
        case when applications.statement_id is not null then applications.amount else 0 end
            as payments_allocated_amount
    from month_ends
    inner join applications
        on
            month_ends.month_start <= applications.counts_from
            and month_ends.month_end >= applications.counts_from
    left join statements on applications.statement_id = statements.statement_id
    left join statement_lines on applications.statement_id = statement_lines.statement_id
    left join accounts on applications.account_id = accounts.account_id
    where applications.application_kind = 'payment'
),

parts as (
    select * from outstanding
    union all
    select * from billed
    union all
    select * from payments
),

summed as (
    select
        parts.month_end,
        parts.account_id,
        parts.owner_id,
        parts.product_line,
        sum(parts.outstanding_amount) as outstanding_amount,
        sum(parts.billed_90_days_amount) as billed_90_days_amount,
        sum(parts.payments_amount) as payments_amount,
        sum(parts.payments_allocated_amount) as payments_allocated_amount
    from parts
    group by all
),

final as (
    select
        concat_ws(
            '|',
            cast(summed.month_end as string),
            coalesce(summed.account_id, ''),
            coalesce(summed.owner_id, ''),
            coalesce(summed.product_line, '')
        ) as ar_unit_month_id,
        summed.month_end,
        summed.account_id,
        summed.owner_id,
        employee_teams.team_id,
        employee_teams.team_name,
        employee_teams.province_unit_id,
        employee_teams.province_unit_name,
        employee_teams.region_id,
        employee_teams.region_name,
        summed.product_line,
        cast(summed.outstanding_amount as decimal(18, 2)) as outstanding_amount,
        cast(summed.billed_90_days_amount as decimal(18, 2)) as billed_90_days_amount,
        cast(summed.payments_amount as decimal(18, 2)) as payments_amount,
        cast(summed.payments_allocated_amount as decimal(18, 2)) as payments_allocated_amount
    from summed
    left join employee_teams on summed.owner_id = employee_teams.employee_id
)

select * from final
