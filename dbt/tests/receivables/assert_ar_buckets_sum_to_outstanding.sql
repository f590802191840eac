-- on every as-of date the aging buckets, by due date and by document date, add up to the total outstanding
with balances as (
    select * from {{ ref('int_ar_installment_balances') }}
),

snapshot as (
    select * from {{ ref('fct_ar_aging_snapshot') }}
),

totals as (
    select
        balances.as_of_date,
        sum(balances.open_amount) as outstanding_amount
    from balances
    group by balances.as_of_date
),

due_buckets as (
    select
        snapshot.as_of_date,
        snapshot.due_bucket_code,
        sum(snapshot.open_amount) as bucket_amount
    from snapshot
    where snapshot.due_bucket_code is not null
    group by all
),

document_buckets as (
    select
        snapshot.as_of_date,
        snapshot.document_bucket_code,
        sum(snapshot.open_amount) as bucket_amount
    from snapshot
    where snapshot.document_bucket_code is not null
    group by all
),

due_sums as (
    select
        due_buckets.as_of_date,
        sum(due_buckets.bucket_amount) as bucket_total
    from due_buckets
    group by due_buckets.as_of_date
),

document_sums as (
    select
        document_buckets.as_of_date,
        sum(document_buckets.bucket_amount) as bucket_total
    from document_buckets
    group by document_buckets.as_of_date
)

select
    totals.as_of_date,
    totals.outstanding_amount,
    due_sums.bucket_total as due_bucket_total,
    document_sums.bucket_total as document_bucket_total
from totals
left join due_sums on totals.as_of_date = due_sums.as_of_date
left join document_sums on totals.as_of_date = document_sums.as_of_date
where
    coalesce(due_sums.bucket_total, 0) != totals.outstanding_amount
    or coalesce(document_sums.bucket_total, 0) != totals.outstanding_amount
