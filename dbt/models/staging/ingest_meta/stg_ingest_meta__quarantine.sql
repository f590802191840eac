with quarantine as (
    select * from {{ source('ingest_meta', '_ingest_quarantine') }}
),

final as (
    select
        load_id,
        source,
        file_name,
        row_number as data_row_number,
        reason,
        raw_values,
        row_number is null as is_whole_file
    from quarantine
)

select * from final
