-- every number of days past due, from long before the due date to years after it, falls in exactly one bucket
with buckets as (
    select * from {{ ref('aging_buckets') }}
),

days as (
    select {{ series_of('-1000', '3999', '1') }} as days_past_due
),

matches as (
    select
        days.days_past_due,
        count(buckets.bucket_code) as buckets_matched
    from days
    left join buckets
        on
            days.days_past_due >= coalesce(buckets.min_days, -2147483648)
            and days.days_past_due <= coalesce(buckets.max_days, 2147483647)
    group by days.days_past_due
)

select
    matches.days_past_due,
    matches.buckets_matched
from matches
where matches.buckets_matched != 1
