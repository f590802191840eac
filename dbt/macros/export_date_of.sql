{#- The export date an export file's name carries (`<entity>_YYYYMMDD.<ext>`). -#}
{% macro export_date_of(file_name_column) -%}
    cast(try_strptime(regexp_extract({{ file_name_column }}, '_(\d{8})\.', 1), '%Y%m%d') as date)
{%- endmacro %}
