with validation_results as (
    select * from {{ source('ingest_meta', '_validation_results') }}
),

final as (
    select
        run_id,
        validated_at,
        source,
        system,
        expectation,
        nullif(column_names, '') as column_names,
        success,
        element_count,
        unexpected_count,
        unexpected_percent,
        partial_unexpected
    from validation_results
)

select * from final
