{#- The export date an export file's name carries (`<entity>_YYYYMMDD.<ext>`); null when the
    name carries none. -#}
{% macro export_date_of(file_name_column) -%}
    {{ return(adapter.dispatch('export_date_of')(file_name_column)) }}
{%- endmacro %}

{#- (no backslashes in the pattern: Spark's string literals would unescape them) -#}
{% macro default__export_date_of(file_name_column) -%}
    cast(try_strptime(regexp_extract({{ file_name_column }}, '_([0-9]{8})[.]', 1), '%Y%m%d') as date)
{%- endmacro %}

{% macro spark__export_date_of(file_name_column) -%}
    try_to_date(regexp_extract({{ file_name_column }}, '_([0-9]{8})[.]', 1), 'yyyyMMdd')
{%- endmacro %}

{#- The export date of each row of a raw table. Ingest records it per file in `_export_date`
    (from the contract: a column of the file, the file name pattern, or the file's modification
    time); a table loaded before ingest recorded it has no such column, or nulls in it, and then
    the date in the file name counts, else the day the file was loaded. A name without a date
    (`pipeline.csv`) therefore never fails the build. The columns are looked up in the
    warehouse, so this works on any adapter. -#}
{% macro exported_on(relation) -%}
    {%- set column_names = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do column_names.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    coalesce(
        {%- if '_export_date' in column_names %} cast(_export_date as date),{% endif %}
        {{ export_date_of('_file_name') }}, cast(_loaded_at as date)
    )
{%- endmacro %}
