{#- Personal data (the contracts' `pii:` columns) leaves the warehouse masked: 138****5678,
    王**, 110105********002X, z***@example.com. A deployment whose audience may see it (for
    example the privacy officer's own copy) builds with MEDOPS_SHOW_PERSONAL_DATA=true. -#}
{% macro mask_personal_data(column, kind) -%}
    {%- if env_var('MEDOPS_SHOW_PERSONAL_DATA', 'false') | lower in ('1', 'true', 'yes') -%}
        {{ column }}
    {%- elif kind == 'phone' -%}
        case
            when length({{ column }}) >= 7
                then left({{ column }}, 3) || '****' || right({{ column }}, 4)
            when {{ column }} is not null then '****'
        end
    {%- elif kind == 'name' -%}
        case
            when {{ column }} is not null
                then left({{ column }}, 1) || repeat('*', greatest(length({{ column }}) - 1, 1))
        end
    {%- elif kind == 'id_number' -%}
        case
            when length({{ column }}) >= 10
                then left({{ column }}, 6) || repeat('*', length({{ column }}) - 10) || right({{ column }}, 4)
            when {{ column }} is not null then '****'
        end
    {%- elif kind == 'email' -%}
        case
            when {{ column }} like '%@%'
                then left({{ column }}, 1) || '***@' || split_part({{ column }}, '@', 2)
            when {{ column }} is not null then '****'
        end
    {%- else -%}
        {{ exceptions.raise_compiler_error("unknown personal data kind: " ~ kind) }}
    {%- endif -%}
{%- endmacro %}

{#- Mobile numbers (1[3-9] + 9 digits) and ID numbers (18 characters) inside free text or a
    column not classified as personal (a customer's phone that is a doctor's mobile, a
    quarantined raw row) masked like the classified columns; landlines and other text stay. -#}
{% macro mask_personal_text(column) -%}
    {%- if env_var('MEDOPS_SHOW_PERSONAL_DATA', 'false') | lower in ('1', 'true', 'yes') -%}
        {{ column }}
    {%- else -%}
        {{ regexp_replace_all(
            regexp_replace_all(
                column,
                '(^|[^0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})([^0-9]|$)',
                '$1$2****$3$4'
            ),
            '(^|[^0-9])([1-9][0-9]{5})[0-9]{8}([0-9]{3}[0-9Xx])([^0-9A-Za-z]|$)',
            '$1$2********$3$4'
        ) }}
    {%- endif -%}
{%- endmacro %}
