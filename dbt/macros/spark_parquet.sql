{#- The warehouse on Spark (docs/spark.md, medops/spark.py): the source tables reach Spark as
    Parquet folders that medops exported from DuckDB, and the models Spark built leave it the
    same way. Both run as `dbt run-operation ... --target spark` (or spark_cluster), so the
    connection is the profile's. -#}

{#- A string literal of Spark SQL (paths come from medops, but quotes are still escaped). -#}
{% macro spark_string_literal(text) -%}
    '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}

{#- Declare each exported folder as an external Parquet table: the DuckDB table's name, columns
    and types, partitioned by the load column where it has one (then its partitions are read
    from the folders). A table registered before is replaced (dropping an external table
    leaves its files). `tables`: [{schema, name, columns: [[name, type]], partitioned}]. -#}
{% macro register_parquet_sources(location_root, tables, load_column) -%}
    {%- for table in tables -%}
        {%- do run_query('create database if not exists ' ~ adapter.quote(table.schema)) -%}
        {%- set relation = adapter.quote(table.schema) ~ '.' ~ adapter.quote(table.name) -%}
        {%- do run_query('drop table if exists ' ~ relation) -%}
        {%- set columns = [] -%}
        {%- for column in table.columns -%}
            {%- do columns.append(adapter.quote(column[0]) ~ ' ' ~ column[1]) -%}
        {%- endfor -%}
        {%- set location = location_root ~ '/' ~ table.schema ~ '/' ~ table.name -%}
        {%- do run_query(
            'create table ' ~ relation ~ ' (' ~ columns | join(', ') ~ ') using parquet'
            ~ (' partitioned by (' ~ adapter.quote(load_column) ~ ')' if table.partitioned else '')
            ~ ' location ' ~ spark_string_literal(location)
        ) -%}
        {%- if table.partitioned -%}
            {%- do run_query('msck repair table ' ~ relation) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ log('registered ' ~ tables | length ~ ' source tables under ' ~ location_root, info=true) }}
{%- endmacro %}

{#- Write each relation (`schema.name`) as Parquet files into `location_root/schema/name/`,
    replacing what was there. -#}
{% macro extract_relations_to_parquet(location_root, relations) -%}
    {%- for relation in relations -%}
        {%- set parts = relation.split('.') -%}
        {%- set location = location_root ~ '/' ~ parts[0] ~ '/' ~ parts[1] -%}
        {%- do run_query(
            'insert overwrite directory ' ~ spark_string_literal(location) ~ ' using parquet select * from '
            ~ adapter.quote(parts[0]) ~ '.' ~ adapter.quote(parts[1])
        ) -%}
    {%- endfor -%}
    {{ log('extracted ' ~ relations | length ~ ' relations to ' ~ location_root, info=true) }}
{%- endmacro %}
