with files as (
    select * from {{ ref('rpt_ingest_files') }}
),

thresholds as (
    select * from {{ ref('source_freshness_thresholds') }}
),

-- the build's own clock: local time, like the ledger's loaded_at (see DECISIONLOG.md)
build_clock as (
    select {{ local_build_timestamp() }} as measured_at
),

-- a file's newest version is the one in force, or a newer one rejected whole that left the
-- loaded one in force
source_files as (
    select
        *,
        coalesce(newer_version_rejected_at, loaded_at) as newest_version_at,
        case
            when newer_version_load_id is not null then 'rejected' else status
        end as newest_version_status
    from files
    where source is not null
),

per_source as (
    select
        source,
        system,
        count(*) as files_in_force,
        count(*) filter (where status = 'loaded') as files_loaded,
        count(*) filter (where newest_version_status = 'rejected') as files_rejected,
        sum(rows_read) as rows_read,
        sum(rows_loaded) as rows_loaded,
        sum(rows_quarantined) as rows_quarantined,
        max(loaded_at) filter (where status = 'loaded') as last_loaded_at
    from source_files
    group by source, system
),

last_file as (
    select
        source,
        file_name as last_file_name,
        newest_version_status as last_file_status,
        newest_version_at as last_file_at
    from source_files
    qualify row_number() over (
        partition by source order by newest_version_at desc, file_name desc
    ) = 1
),

ages as (
    select
        per_source.*,
        build_clock.measured_at,
        cast(
            {{ date_diff_in('second', 'per_source.last_loaded_at', 'build_clock.measured_at') }}
            as double
        ) / 3600 as age_hours
    from per_source
    cross join build_clock
),

final as (
    select
        ages.source,
        ages.system,
        last_file.last_file_name,
        last_file.last_file_status,
        last_file.last_file_at,
        ages.last_loaded_at,
        ages.files_in_force,
        ages.files_loaded,
        ages.files_rejected,
        cast(ages.rows_read as bigint) as rows_read,
        cast(ages.rows_loaded as bigint) as rows_loaded,
        cast(ages.rows_quarantined as bigint) as rows_quarantined,
        cast(ages.age_hours as double) as age_hours,
        thresholds.warn_after_hours,
        thresholds.error_after_hours,
        case
            when thresholds.system is null then 'unknown'
            when ages.last_loaded_at is null then 'error'
            when ages.age_hours >= thresholds.error_after_hours then 'error'
            when ages.age_hours >= thresholds.warn_after_hours then 'warn'
            else 'fresh'
        end as freshness_status,
        ages.measured_at
    from ages
    inner join last_file on ages.source = last_file.source
    left join thresholds on ages.system = thresholds.system
)

select * from final
