with ledger as (
    select * from {{ source('ingest_meta', '_ingest_ledger') }}
),

final as (
    select
        load_id,
        source,
        system,
        file_name,
        file_path,
        file_hash,
        file_bytes,
        encoding,
        status,
        rows_read,
        rows_loaded,
        rows_quarantined,
        unmapped_columns,
        missing_columns,
        message,
        loaded_at,
        superseded_by as superseded_by_load_id,
        superseded_by is null as is_in_force
    from ledger
)

select * from final
