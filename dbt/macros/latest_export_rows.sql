{#- One row per key from a raw table that accumulates several exports: the row of the latest
    export wins (export date, see `exported_on`; then the file loaded last). Ingest already
    guarantees one row per key within a file. `_exported_on` carries the row's export date.
    With `changed_only`, an incremental model reads only the keys it must recompute
    (`changed_keys_of`, macros/incremental_export_rows.sql), all their rows. -#}
{% macro latest_export_rows(relation, key_columns, changed_only=false) -%}
    {%- set export_date = exported_on(relation) -%}
    select
        *,
        {{ export_date }} as _exported_on
    from {{ relation }} as export_rows
    {%- if changed_only and is_incremental() %}
        where exists (
            select 1
            from ({{ changed_keys_of(relation, key_columns) }}) as changed
            where
                {%- for key in key_columns %}
                    changed.{{ key }} = export_rows.{{ key }}{{ ' and' if not loop.last }}
                {%- endfor %}
        )
    {%- endif %}
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by {{ export_date }} desc, _loaded_at desc, _file_name desc
    ) = 1
{%- endmacro %}
