with ledger as (
    select * from {{ ref('stg_ingest_meta__ledger') }}
),

earlier_versions as (
    select
        file_name,
        count(*) as earlier_versions
    from ledger
    where not is_in_force
    group by file_name
),

files_in_force as (
    select * from ledger
    where is_in_force
),

final as (
    select
        files_in_force.load_id,
        files_in_force.source,
        files_in_force.system,
        files_in_force.file_name,
        files_in_force.status,
        files_in_force.rows_read,
        files_in_force.rows_loaded,
        files_in_force.rows_quarantined,
        case
            when files_in_force.status = 'rejected' then files_in_force.rows_read else 0
        end as rows_rejected,
        case
            when files_in_force.status = 'loaded' and files_in_force.rows_read > 0
                then cast(files_in_force.rows_quarantined as double) / files_in_force.rows_read
        end as quarantine_share,
        files_in_force.encoding,
        nullif({{ list_to_text('files_in_force.unmapped_columns', "', '") }}, '') as unmapped_columns,
        nullif({{ list_to_text('files_in_force.missing_columns', "', '") }}, '') as missing_columns,
        files_in_force.message,
        files_in_force.loaded_at,
        files_in_force.file_bytes,
        coalesce(earlier_versions.earlier_versions, 0) as earlier_versions
    from files_in_force
    left join earlier_versions on files_in_force.file_name = earlier_versions.file_name
)

select * from final
