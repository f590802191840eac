with as_of_dates as (
    select * from {{ ref('int_ar_as_of_dates') }}
),

applications as (
    select * from {{ ref('int_ar_applications') }}
),

statements as (
    select * from {{ ref('stg_erp__statements') }}
),

applied as (
    select
        as_of_dates.as_of_date,
        applications.statement_id,
        sum(applications.amount) as applied_amount
    from as_of_dates
    inner join applications on as_of_dates.as_of_date >= applications.counts_from
    where applications.statement_id is not null
    group by all
),

final as (
    select
        applied.as_of_date,
        applied.statement_id,
        statements.account_id,
        statements.statement_amount,
        cast(applied.applied_amount as decimal(18, 2)) as applied_amount,
        -- what was paid beyond the statement stays with the customer as credit
        cast(greatest(applied.applied_amount - statements.statement_amount, 0) as decimal(18, 2))
            as overpaid_amount
    from applied
    inner join statements on applied.statement_id = statements.statement_id
)

select * from final
