{#- SQL that DuckDB and Spark write differently (docs/spark.md, "Dialect differences"): each
    macro has a DuckDB (default__) and a Spark (spark__) form that give the same values. -#}

{#- The number of `part` boundaries between two dates or timestamps, as DuckDB's date_diff
    counts them: 2024-01-31 to 2024-02-01 is one month (Spark's timestampdiff counts whole
    months elapsed, and would say none). Parts: second, day, month, year. -#}
{% macro date_diff_in(part, start_at, end_at) -%}
    {{ return(adapter.dispatch('date_diff_in')(part, start_at, end_at)) }}
{%- endmacro %}

{% macro default__date_diff_in(part, start_at, end_at) -%}
    date_diff('{{ part }}', {{ start_at }}, {{ end_at }})
{%- endmacro %}

{% macro spark__date_diff_in(part, start_at, end_at) -%}
    {%- if part == 'second' -%}
        (unix_timestamp({{ end_at }}) - unix_timestamp({{ start_at }}))
    {%- elif part == 'day' -%}
        datediff(cast({{ end_at }} as date), cast({{ start_at }} as date))
    {%- elif part == 'month' -%}
        ((year({{ end_at }}) * 12 + month({{ end_at }})) - (year({{ start_at }}) * 12 + month({{ start_at }})))
    {%- elif part == 'year' -%}
        (year({{ end_at }}) - year({{ start_at }}))
    {%- else -%}
        {{ exceptions.raise_compiler_error('date_diff_in: no Spark form for the part ' ~ part) }}
    {%- endif -%}
{%- endmacro %}

{#- The values of a JSON object of text values (`{"col": "value", ...}`), one row each: a
    set-returning expression for a select list. -#}
{% macro json_object_values(json_column) -%}
    {{ return(adapter.dispatch('json_object_values')(json_column)) }}
{%- endmacro %}

{% macro default__json_object_values(json_column) -%}
    unnest(map_values(json_transform({{ json_column }}, '"MAP(VARCHAR, VARCHAR)"')))
{%- endmacro %}

{% macro spark__json_object_values(json_column) -%}
    explode(map_values(from_json({{ json_column }}, 'map<string, string>')))
{%- endmacro %}

{#- The values from `start_value` to `stop_value` (both included) by `step` (a number, or an
    interval such as `interval 1 month`), one row each: a set-returning expression for a select
    list. -#}
{% macro series_of(start_value, stop_value, step) -%}
    {{ return(adapter.dispatch('series_of')(start_value, stop_value, step)) }}
{%- endmacro %}

{% macro default__series_of(start_value, stop_value, step) -%}
    unnest(generate_series({{ start_value }}, {{ stop_value }}, {{ step }}))
{%- endmacro %}

{% macro spark__series_of(start_value, stop_value, step) -%}
    explode(sequence({{ start_value }}, {{ stop_value }}, {{ step }}))
{%- endmacro %}

{#- A date's month as text `YYYY-MM` (the period key of statements and FX rates). -#}
{% macro month_label(date_value) -%}
    {{ return(adapter.dispatch('month_label')(date_value)) }}
{%- endmacro %}

{% macro default__month_label(date_value) -%}
    strftime({{ date_value }}, '%Y-%m')
{%- endmacro %}

{% macro spark__month_label(date_value) -%}
    date_format({{ date_value }}, 'yyyy-MM')
{%- endmacro %}

{#- `text` as a string literal that reads back as the same text, backslashes included (a
    regular expression's `\s`): Spark unescapes backslashes in string literals, DuckDB does not. -#}
{% macro string_literal(text) -%}
    {{ return(adapter.dispatch('string_literal')(text)) }}
{%- endmacro %}

{% macro default__string_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__string_literal(text) -%}
    {{ spark_string_literal(text) }}
{%- endmacro %}

{#- The date `months` months after a date (before it when negative), as a date; a day the
    month lacks becomes its last day (31 Jan + 1 month = 28 or 29 Feb) on both. -#}
{% macro months_added(date_value, months) -%}
    {{ return(adapter.dispatch('months_added')(date_value, months)) }}
{%- endmacro %}

{% macro default__months_added(date_value, months) -%}
    cast(({{ date_value }}) + to_months({{ months }}) as date)
{%- endmacro %}

{% macro spark__months_added(date_value, months) -%}
    add_months({{ date_value }}, {{ months }})
{%- endmacro %}

{#- A double as decimal(38, scale), rounded as DuckDB's cast rounds it: the value times
    10^scale, computed as a double, rounded half away from zero. Spark's own cast rounds the
    double's shortest decimal form instead, which differs when that product lands on a half
    (2.9241354999999998 times 10^6 is 2924135.5: DuckDB 2.924136, Spark 2.924135). -#}
{% macro double_to_decimal(expression, scale) -%}
    {{ return(adapter.dispatch('double_to_decimal')(expression, scale)) }}
{%- endmacro %}

{% macro default__double_to_decimal(expression, scale) -%}
    cast({{ expression }} as decimal(38, {{ scale }}))
{%- endmacro %}

{#- the quotient of the rounded product by 10^scale is the double nearest the wanted decimal,
    whose cast is then exact -#}
{% macro spark__double_to_decimal(expression, scale) -%}
    cast(round(({{ expression }}) * 1e{{ scale }}) / 1e{{ scale }} as decimal(38, {{ scale }}))
{%- endmacro %}
