-- per statement, as of the export: cash allocated to it (capped at what it asks, the rest
-- stays with the customer as credit), credit notes, of which bad-debt write-offs, and what
-- is still open; the same documents and as-of rule as the aging (int_ar_applications)
with statements as (
    select * from {{ ref('stg_erp__statements') }}
),

applications as (
    select * from {{ ref('int_ar_applications') }}
),

as_of as (
    select max(as_of_date) as as_of_date from {{ ref('int_ar_as_of_dates') }}
    where is_latest
),

settings as (
    select * from {{ ref('deal_to_cash_settings') }}
),

credit_notes as (
    select * from {{ ref('stg_erp__credit_notes') }}
),

applied as (
    select
        applications.statement_id,
        sum(applications.amount) filter (where applications.application_kind = 'payment')
            as paid_amount,
        sum(applications.amount) filter (where applications.application_kind = 'credit_note')
            as credited_amount,
        min(applications.effective_on) filter (where applications.application_kind = 'payment')
            as first_paid_on
    from applications
    cross join as_of
    where applications.statement_id is not null and applications.counts_from <= as_of.as_of_date
    group by all
),

written_off as (
    select
        credit_notes.statement_id,
        sum(credit_notes.credit_amount) as written_off_amount
    from credit_notes
    cross join settings
    where credit_notes.credit_reason = settings.write_off_reason
    group by all
),

final as (
    select
        statements.statement_id,
        statements.account_id,
        statements.period,
        statements.statement_on,
        statements.statement_amount,
        applied.first_paid_on,
        coalesce(applied.credited_amount, 0) as credited_amount,
        coalesce(written_off.written_off_amount, 0) as written_off_amount,
        least(
            coalesce(applied.paid_amount, 0),
            greatest(statements.statement_amount - coalesce(applied.credited_amount, 0), 0)
        ) as collected_amount,
        greatest(
            statements.statement_amount
            - coalesce(applied.credited_amount, 0)
            - coalesce(applied.paid_amount, 0),
            0
        ) as open_amount
    from statements
    left join applied on statements.statement_id = applied.statement_id
    left join written_off on statements.statement_id = written_off.statement_id
)

select * from final
