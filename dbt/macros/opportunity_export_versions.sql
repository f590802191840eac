{#- The versions of each opportunity that successive CRM exports showed: the snapshot
    snap_crm__opportunities. On Spark the snapshot cannot run (its merge needs Delta or Iceberg
    tables, docs/spark.md), so there the current export is each opportunity's only version,
    first seen at this build: what the snapshot holds after its first run. -#}
{% macro opportunity_export_versions() -%}
    {{ return(adapter.dispatch('opportunity_export_versions')()) }}
{%- endmacro %}

{% macro default__opportunity_export_versions() -%}
    {{ ref('snap_crm__opportunities') }}
{%- endmacro %}

{% macro spark__opportunity_export_versions() -%}
    (select *, current_timestamp() as dbt_valid_from from {{ ref('stg_crm__opportunities') }})
{%- endmacro %}
