with ledger as (
    select * from {{ ref('stg_ingest_meta__ledger') }}
),

files_in_force as (
    select * from ledger
    where is_in_force
),

earlier_versions as (
    select
        files_in_force.file_name,
        count(*) as earlier_versions
    from files_in_force
    inner join ledger
        on
            files_in_force.file_name = ledger.file_name
            and files_in_force.loaded_at > ledger.loaded_at
    group by files_in_force.file_name
),

-- the newest version of a file name when it was rejected whole: the loaded version before it
-- stays in force (see DECISIONLOG.md, "Data quality")
rejected_newer_versions as (
    select
        file_name,
        load_id,
        loaded_at,
        message
    from ledger
    where is_rejected_newer_version
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
        files_in_force.export_date,
        files_in_force.file_bytes,
        coalesce(earlier_versions.earlier_versions, 0) as earlier_versions,
        rejected_newer_versions.load_id as newer_version_load_id,
        rejected_newer_versions.loaded_at as newer_version_rejected_at,
        rejected_newer_versions.message as newer_version_message
    from files_in_force
    left join earlier_versions on files_in_force.file_name = earlier_versions.file_name
    left join rejected_newer_versions
        on files_in_force.file_name = rejected_newer_versions.file_name
)

select * from final
