{#- The relation of a dbt Python model: ref() where dbt runs it (DuckDB); on Spark, where
    dbt-spark runs Python models only on Databricks, the table the DuckDB build wrote, handed
    over as Parquet like the source tables (source duckdb_python_models, docs/spark.md). One
    definition of the model either way: its Python file. -#}
{% macro python_model_ref(model_name) -%}
    {%- if target.type == 'spark' -%}
        {{ return(source('duckdb_python_models', model_name)) }}
    {%- endif -%}
    {{ return(ref(model_name)) }}
{%- endmacro %}
