{#- One row per key from a raw table that accumulates several exports: the row of the latest
    export wins (export date, see `exported_on`; then the file loaded last). Ingest already
    guarantees one row per key within a file. `_exported_on` carries the row's export date. -#}
{% macro latest_export_rows(relation, key_columns) -%}
    {%- set export_date = exported_on(relation) -%}
    select
        *,
        {{ export_date }} as _exported_on
    from {{ relation }}
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by {{ export_date }} desc, _loaded_at desc, _file_name desc
    ) = 1
{%- endmacro %}
