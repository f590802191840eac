{#- Incremental staging of a large raw table (docs/operations.md, "Incremental build"). A raw table grows
    by whole loads (one per export file) and shrinks by whole loads (a changed file replaces its
    earlier load's rows). The keys whose latest export row can differ from the last build are
    therefore those of rows from loads the model has not seen, and those whose kept row came
    from a load that is gone. An incremental build recomputes exactly those keys over all raw
    rows (`latest_export_rows` with `changed_only`, delete+insert by key) and then drops the
    rows of gone loads that no key kept (`drop_rows_of_gone_loads`, its post-hook), so it gives
    the full build's rows. The model carries each row's `source_load_id`. -#}

{#- The keys of `relation` an incremental build must recompute (see above). -#}
{% macro changed_keys_of(relation, key_columns) -%}
    {%- set keys = key_columns | join(', ') -%}
    select {{ keys }}
    from {{ relation }}
    where _load_id not in (select distinct kept.source_load_id from {{ this }} as kept)
    union
    select {{ keys }}
    from {{ this }}
    where source_load_id not in (select distinct loaded._load_id from {{ relation }} as loaded)
{%- endmacro %}

{#- The config of such a model: one row per `key_columns`, delete+insert by key, and the
    post-hook below. Spark has no delete+insert (its by-key strategy, merge, needs Delta or
    Iceberg tables, whose jars a local session cannot download): there the model is a table,
    rebuilt whole each time, which gives the same rows (docs/spark.md). -#}
{% macro incremental_export_config(key_columns) -%}
    {{ return(adapter.dispatch('incremental_export_config')(key_columns)) }}
{%- endmacro %}

{% macro spark__incremental_export_config(key_columns) -%}
    {{ config(materialized='table') }}
{%- endmacro %}

{% macro default__incremental_export_config(key_columns) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=key_columns,
        on_schema_change='fail',
        post_hook='{{ drop_rows_of_gone_loads() }}'
    ) }}
{%- endmacro %}

{#- The post-hook: rows whose load is in none of the raw tables the model reads (its sources;
    an optional one the warehouse lacks is left out). -#}
{% macro drop_rows_of_gone_loads() -%}
    {%- set relations = [] -%}
    {%- for source_name, table_name in model.sources -%}
        {%- set relation = optional_relation(source(source_name, table_name)) -%}
        {%- if relation is not none and relation not in relations -%}
            {%- do relations.append(relation) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if is_incremental() and relations -%}
        delete from {{ this }}
        where source_load_id not in (
            {%- for relation in relations %}
                select distinct _load_id from {{ relation }}
                {{- ' union' if not loop.last }}
            {%- endfor %}
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
