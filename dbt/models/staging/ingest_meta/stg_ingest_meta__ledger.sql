with ledger as (
    select * from {{ source('ingest_meta', '_ingest_ledger') }}
),

-- file names with a loaded version that no later version replaced: a version rejected whole
-- replaces no loaded one (ingest/load.py), so that loaded version stays in force
names_with_loaded_version as (
    select distinct file_name
    from ledger
    where superseded_by is null and status = 'loaded'
),

final as (
    select
        ledger.load_id,
        ledger.source,
        ledger.system,
        ledger.file_name,
        ledger.file_path,
        ledger.file_hash,
        ledger.file_bytes,
        ledger.encoding,
        ledger.status,
        ledger.rows_read,
        ledger.rows_loaded,
        ledger.rows_quarantined,
        ledger.unmapped_columns,
        ledger.missing_columns,
        ledger.message,
        ledger.loaded_at,
        ledger.export_date,
        ledger.superseded_by as superseded_by_load_id,
        ledger.superseded_by is null
        and (ledger.status = 'loaded' or names_with_loaded_version.file_name is null)
            as is_in_force,
        ledger.superseded_by is null
        and ledger.status = 'rejected'
        and names_with_loaded_version.file_name is not null as is_rejected_newer_version
    from ledger
    left join names_with_loaded_version
        on ledger.file_name = names_with_loaded_version.file_name
)

select * from final
