-- Every row read from a file is loaded, quarantined or part of a file rejected whole.
select
    load_id,
    file_name,
    rows_read,
    rows_loaded,
    rows_quarantined,
    rows_rejected
from {{ ref('rpt_ingest_files') }}
where rows_read != rows_loaded + rows_quarantined + rows_rejected
