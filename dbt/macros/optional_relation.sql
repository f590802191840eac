{#- The relation if the warehouse has it, else none: for raw tables of thin exports that only
    some companies deliver (an AR ledger instead of statements and payments, say). The models
    read them when present, so the same project builds with or without them. -#}
{% macro optional_relation(relation) -%}
    {%- if execute -%}
        {{ return(adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier
        )) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- A column of such a table, or a typed null when the table lacks it. A thin table's columns
    are those of the contract a company writes for its export: an AR ledger without 核销
    columns (a 用友 应收单 list) has no settled date, an opportunity report may have no amount.
    The models read what the required columns give and take the others through this
    (`qualifier`: the alias the query reads the table under). -#}
{% macro optional_column(relation, column, data_type, qualifier=none) -%}
    {%- set column_names = [] -%}
    {%- if execute -%}
        {%- for existing in adapter.get_columns_in_relation(relation) -%}
            {%- do column_names.append(existing.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if column in column_names -%}
        {{ qualifier ~ '.' if qualifier }}{{ column }}
    {%- else -%}
        cast(null as {{ data_type }})
    {%- endif -%}
{%- endmacro %}
