-- The quarantine holds exactly the rows the ledger counts as quarantined, file by file.
{{ config(meta={'dagster': {'ref': {'name': 'rpt_ingest_files'}}}) }}

with files as (
    select * from {{ ref('rpt_ingest_files') }}
),

quarantine as (
    select * from {{ ref('stg_ingest_meta__quarantine') }}
),

quarantined_rows as (
    select
        load_id,
        count(*) as rows_in_quarantine
    from quarantine
    where not is_whole_file
    group by load_id
),

final as (
    select
        files.load_id,
        files.file_name,
        files.rows_quarantined,
        coalesce(quarantined_rows.rows_in_quarantine, 0) as rows_in_quarantine
    from files
    left join quarantined_rows on files.load_id = quarantined_rows.load_id
    where files.rows_quarantined != coalesce(quarantined_rows.rows_in_quarantine, 0)
)

select * from final
