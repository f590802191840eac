{#- SQL that DuckDB and Spark write differently (docs/spark.md, "Dialect differences"): each
    macro has a DuckDB (default__) and a Spark (spark__) form that give the same values. -#}

{#- The number of `part` boundaries between two dates or timestamps, as DuckDB's date_diff
    counts them: 2024-01-31 to 2024-02-01 is one month (Spark's timestampdiff counts whole
    months elapsed, and would say none). Parts: second, day, month, year. A bigint, as
    DuckDB's (Spark's datediff and month arithmetic give an int, which a contract refuses). -#}
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
        cast(datediff(cast({{ end_at }} as date), cast({{ start_at }} as date)) as bigint)
    {%- elif part == 'month' -%}
        cast(
            (year({{ end_at }}) * 12 + month({{ end_at }}))
            - (year({{ start_at }}) * 12 + month({{ start_at }}))
            as bigint
        )
    {%- elif part == 'year' -%}
        cast((year({{ end_at }}) - year({{ start_at }})) as bigint)
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

{#- A double rounded to `places` decimals as DuckDB rounds it: half away from zero on the
    double's exact binary value (216356.55 * 0.1 is stored as 21635.654999..., which goes down).
    Spark's round reads the double's shortest decimal text (21635.655) and goes up; its form
    rounds the exact value (scala.math.BigDecimal.exact) as a decimal instead. Finite values
    below 10^20; try_reflect turns a null argument into null. -#}
{% macro round_double(value, places) -%}
    {{ return(adapter.dispatch('round_double')(value, places)) }}
{%- endmacro %}

{% macro default__round_double(value, places) -%}
    round({{ value }}, {{ places }})
{%- endmacro %}

{% macro spark__round_double(value, places) -%}
    cast(
        round(
            cast(
                try_reflect('scala.math.BigDecimal', 'exact', cast({{ value }} as double))
                as decimal(38, 18)
            ),
            {{ places }}
        ) as double
    )
{%- endmacro %}

{#- A double cast to decimal(precision, scale) as DuckDB casts it: the double times 10^scale,
    rounded half away from zero (1.005 is stored as 1.00499..., times 100 gives 100.4999...:
    1.00). Spark's cast rounds the double's shortest decimal text half up instead (1.01). -#}
{% macro decimal_of_double(value, precision, scale) -%}
    {{ return(adapter.dispatch('decimal_of_double')(value, precision, scale)) }}
{%- endmacro %}

{% macro default__decimal_of_double(value, precision, scale) -%}
    cast({{ value }} as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}

{% macro spark__decimal_of_double(value, precision, scale) -%}
    cast(
        cast(round(({{ value }}) * {{ 10 ** scale }}, 0) as decimal(38, 0)) / {{ 10 ** scale }}
        as decimal({{ precision }}, {{ scale }})
    )
{%- endmacro %}

{#- The group's texts joined by `separator` (a SQL string) in the order of `order_by`, nulls
    skipped: DuckDB orders inside the call, Spark in a within group clause. -#}
{% macro string_agg_ordered(value, separator, order_by) -%}
    {{ return(adapter.dispatch('string_agg_ordered')(value, separator, order_by)) }}
{%- endmacro %}

{% macro default__string_agg_ordered(value, separator, order_by) -%}
    string_agg({{ value }}, {{ separator }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__string_agg_ordered(value, separator, order_by) -%}
    string_agg({{ value }}, {{ separator }}) within group (order by {{ order_by }})
{%- endmacro %}
