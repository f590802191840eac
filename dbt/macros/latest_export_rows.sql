{#- One row per key from a raw table that accumulates several exports: the export with the
    latest file name wins (file names carry the export date, YYYYMMDD). Ingest already
    guarantees one row per key within a file. -#}
{% macro latest_export_rows(relation, key_columns) -%}
    select *
    from {{ relation }}
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by _file_name desc
    ) = 1
{%- endmacro %}
