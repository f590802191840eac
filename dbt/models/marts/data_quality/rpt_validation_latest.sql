with validation_results as (
    select * from {{ ref('stg_ingest_meta__validation_results') }}
),

latest_runs as (
    select
        source,
        max_by(run_id, validated_at) as run_id
    from validation_results
    group by source
),

final as (
    select
        validation_results.source,
        validation_results.system,
        validation_results.expectation,
        validation_results.column_names,
        validation_results.success,
        validation_results.element_count,
        validation_results.unexpected_count,
        validation_results.unexpected_percent,
        validation_results.partial_unexpected,
        validation_results.run_id,
        validation_results.validated_at
    from validation_results
    inner join latest_runs
        on
            validation_results.source = latest_runs.source
            and validation_results.run_id = latest_runs.run_id
)

select * from final
