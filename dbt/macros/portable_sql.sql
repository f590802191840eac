{#- SQL that DuckDB and Spark write differently (docs/spark.md, "Dialect differences"): each
    macro has a DuckDB (default__) and a Spark (spark__) form that give the same values. -#}

{#- The number of `part` boundaries between two dates or timestamps, as DuckDB's date_diff
    counts them: 2024-01-31 to 2024-02-01 is one month (Spark's timestampdiff counts whole
    months elapsed, and would say none). Parts: second, day, month, year. A bigint, as DuckDB's
    (Spark's datediff and year give an int). -#}
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
        cast((year({{ end_at }}) * 12 + month({{ end_at }})) - (year({{ start_at }}) * 12 + month({{ start_at }})) as bigint)
    {%- elif part == 'year' -%}
        cast(year({{ end_at }}) - year({{ start_at }}) as bigint)
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

{#- A timestamp's seconds since 1970-01-01 as a double, fractions of a second included
    (DuckDB's epoch; Spark's unix_timestamp drops the fraction). -#}
{% macro epoch_seconds(timestamp_value) -%}
    {{ return(adapter.dispatch('epoch_seconds')(timestamp_value)) }}
{%- endmacro %}

{% macro default__epoch_seconds(timestamp_value) -%}
    epoch({{ timestamp_value }})
{%- endmacro %}

{% macro spark__epoch_seconds(timestamp_value) -%}
    (cast(unix_micros({{ timestamp_value }}) as double) / 1000000)
{%- endmacro %}

{#- The median of a decimal column with `scale` decimals, as DuckDB's median of a decimal gives
    it: between two middle values, their midpoint truncated toward zero to `scale` decimals
    (1.01 and 2.00 give 1.50; Spark's median is a double, which a cast rounds to 1.51). -#}
{% macro decimal_median(decimal_column, scale) -%}
    {{ return(adapter.dispatch('decimal_median')(decimal_column, scale)) }}
{%- endmacro %}

{% macro default__decimal_median(decimal_column, scale) -%}
    median({{ decimal_column }})
{%- endmacro %}

{% macro spark__decimal_median(decimal_column, scale) -%}
    {#- the midpoint of two values of `scale` decimals is exact with one decimal more -#}
    {%- set midpoint -%}
        cast(round(median({{ decimal_column }}), {{ scale + 1 }}) as decimal(38, {{ scale + 1 }}))
    {%- endset -%}
    case
        when {{ midpoint }} < 0 then ceil({{ midpoint }}, {{ scale }})
        else floor({{ midpoint }}, {{ scale }})
    end
{%- endmacro %}

{#- dbt's cast on Spark, which the contract check runs on every declared type (`cast(null as
    varchar)`): a varchar without a length, which Spark refuses, is Spark's string. -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ 'string' if type | trim | lower == 'varchar' else type }})
{#- A date's ISO day of the week: 1 (Monday) to 7 (Sunday). -#}
{% macro iso_day_of_week(date_value) -%}
    {{ return(adapter.dispatch('iso_day_of_week')(date_value)) }}
{% macro default__iso_day_of_week(date_value) -%}
    isodow({{ date_value }})
{% macro spark__iso_day_of_week(date_value) -%}
    (weekday({{ date_value }}) + 1)
{%- endmacro %}
