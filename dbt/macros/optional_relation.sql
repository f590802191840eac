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
