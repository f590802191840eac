with payments as (
    select * from {{ ref('stg_erp__payments') }}
),

credit_notes as (
    select * from {{ ref('stg_erp__credit_notes') }}
),

statements as (
    select * from {{ ref('stg_erp__statements') }}
),

applications as (
    select
        'payment' as application_kind,
        payments.payment_id as document_id,
        payments.statement_id as referenced_statement_id,
        payments.account_id,
        payments.paid_on as effective_on,
        payments.known_on,
        payments.payment_amount as amount
    from payments
    union all
    -- a credit note is known the day it is issued
    select
        'credit_note' as application_kind,
        credit_notes.credit_note_id as document_id,
        credit_notes.statement_id as referenced_statement_id,
        credit_notes.account_id,
        credit_notes.issued_on as effective_on,
        credit_notes.issued_on as known_on,
        credit_notes.credit_amount as amount
    from credit_notes
),

final as (
    select
        applications.application_kind,
        applications.document_id,
        -- cash against a statement the ERP does not know stays unapplied, like blank ones
        statements.statement_id,
        applications.referenced_statement_id,
        applications.account_id,
        applications.effective_on,
        applications.known_on,
        -- an as-of report counts a document once it is both effective and known
        greatest(applications.effective_on, applications.known_on) as counts_from,
        applications.amount
    from applications
    left join statements on applications.referenced_statement_id = statements.statement_id
)

select * from final
