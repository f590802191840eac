with buckets as (
    select * from {{ ref('aging_buckets') }}
),

final as (
    select
        buckets.bucket_code,
        cast(buckets.bucket_order as integer) as bucket_order,
        cast(buckets.min_days as integer) as min_days,
        cast(buckets.max_days as integer) as max_days,
        buckets.bucket_name_zh,
        buckets.bucket_name_en
    from buckets
)

select * from final
