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

{#- a bigint in every part, as DuckDB's date_diff (Spark's datediff, year and month are ints) -#}
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

{#- The date `months` months after the date `date_value`; a day the target month lacks gives
    its last day on both engines. -#}
{% macro months_after(date_value, months) -%}
    {{ return(adapter.dispatch('months_after')(date_value, months)) }}
{%- endmacro %}

{% macro default__months_after(date_value, months) -%}
    cast(({{ date_value }}) + to_months({{ months }}) as date)
{%- endmacro %}

{% macro spark__months_after(date_value, months) -%}
    add_months({{ date_value }}, {{ months }})
{%- endmacro %}

{#- The group's text values joined by `separator` in the order of `order_by` (nulls skipped;
    null when there are none): an aggregate. Spark's form sorts the collected pairs: its
    `string_agg ... within group` fails beside a distinct aggregate (Spark 4.3 rewriting
    distinct aggregates casts its ordering wrongly). -#}
{% macro string_agg_ordered(value, separator, order_by) -%}
    {{ return(adapter.dispatch('string_agg_ordered')(value, separator, order_by)) }}
{%- endmacro %}

{% macro default__string_agg_ordered(value, separator, order_by) -%}
    string_agg({{ value }}, {{ separator }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__string_agg_ordered(value, separator, order_by) -%}
    case
        when count({{ value }}) > 0
            then array_join(
                transform(
                    array_sort(collect_list(named_struct('key', {{ order_by }}, 'value', {{ value }}))),
                    pair -> pair.value
                ),
                {{ separator }}
            )
    end
{%- endmacro %}

{#- The group's distinct text values joined by `separator` in their own (binary) order, nulls
    skipped (null when there are none): an aggregate. Spark's form sorts the set, for the
    reason given at string_agg_ordered. -#}
{% macro string_agg_distinct_sorted(value, separator) -%}
    {{ return(adapter.dispatch('string_agg_distinct_sorted')(value, separator)) }}
{%- endmacro %}

{% macro default__string_agg_distinct_sorted(value, separator) -%}
    string_agg(distinct {{ value }}, {{ separator }} order by {{ value }})
{%- endmacro %}

{% macro spark__string_agg_distinct_sorted(value, separator) -%}
    case
        when count({{ value }}) > 0
            then array_join(array_sort(collect_set({{ value }})), {{ separator }})
    end
{%- endmacro %}

{#- A list of text joined by `separator`, null elements skipped; null for a null list. -#}
{% macro list_to_text(list_value, separator) -%}
    {{ return(adapter.dispatch('list_to_text')(list_value, separator)) }}
{%- endmacro %}

{% macro default__list_to_text(list_value, separator) -%}
    array_to_string({{ list_value }}, {{ separator }})
{%- endmacro %}

{% macro spark__list_to_text(list_value, separator) -%}
    array_join({{ list_value }}, {{ separator }})
{%- endmacro %}

{#- The parts of `text` between the `separator`s, one row each: a set-returning expression for
    a select list. The separator is a quoted literal without regular-expression characters
    (Spark's split takes a regex). -#}
{% macro split_to_rows(text, separator) -%}
    {{ return(adapter.dispatch('split_to_rows')(text, separator)) }}
{%- endmacro %}

{% macro default__split_to_rows(text, separator) -%}
    unnest(string_split({{ text }}, {{ separator }}))
{%- endmacro %}

{% macro spark__split_to_rows(text, separator) -%}
    explode(split({{ text }}, {{ separator }}))
{%- endmacro %}

{#- Whether `text` is valid JSON (null for null). -#}
{% macro is_valid_json(text) -%}
    {{ return(adapter.dispatch('is_valid_json')(text)) }}
{%- endmacro %}

{% macro default__is_valid_json(text) -%}
    json_valid({{ text }})
{%- endmacro %}

{% macro spark__is_valid_json(text) -%}
    case when {{ text }} is not null then try_parse_json({{ text }}) is not null end
{%- endmacro %}

{#- The text value under the top-level key `key` (an expression) of a JSON object: null when
    the key is missing or its value is null. -#}
{% macro json_text_at_key(json_text, key) -%}
    {{ return(adapter.dispatch('json_text_at_key')(json_text, key)) }}
{%- endmacro %}

{% macro default__json_text_at_key(json_text, key) -%}
    json_extract_string({{ json_text }}, '$."' || {{ key }} || '"')
{%- endmacro %}

{% macro spark__json_text_at_key(json_text, key) -%}
    get_json_object({{ json_text }}, concat("$['", {{ key }}, "']"))
{%- endmacro %}

{#- The group's `key` -> `value` pairs as a map of text in key order: an aggregate. -#}
{% macro map_agg_by_key(key, value) -%}
    {{ return(adapter.dispatch('map_agg_by_key')(key, value)) }}
{%- endmacro %}

{% macro default__map_agg_by_key(key, value) -%}
    map_from_entries(list({'k': {{ key }}, 'v': {{ value }}} order by {{ key }}))
{%- endmacro %}

{% macro spark__map_agg_by_key(key, value) -%}
    map_from_entries(array_sort(collect_list(named_struct('k', {{ key }}, 'v', {{ value }}))))
{%- endmacro %}

{#- The JSON object `json_text` (of text values) with the entries of the map `entries` set, as
    a JSON merge patch sets them: those keys moved to the end, in the map's order. -#}
{% macro json_with_entries(json_text, entries) -%}
    {{ return(adapter.dispatch('json_with_entries')(json_text, entries)) }}
{%- endmacro %}

{% macro default__json_with_entries(json_text, entries) -%}
    json_merge_patch({{ json_text }}, to_json({{ entries }}))
{%- endmacro %}

{% macro spark__json_with_entries(json_text, entries) -%}
    to_json(map_concat(
        map_filter(
            from_json({{ json_text }}, 'map<string, string>'),
            (key, value) -> not map_contains_key({{ entries }}, key)
        ),
        {{ entries }}
    ))
{%- endmacro %}

{#- `value` with every match of the regular expression `pattern` replaced by `replacement`,
    whose `$1`, `$2`, ... are the match's groups (both quoted by the macro: give them without
    quotes, and without backslashes, which Spark would unescape). -#}
{% macro regexp_replace_all(value, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all')(value, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, '{{ pattern }}', '{{ replacement | replace("$", "\\") }}', 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}

{#- The build's clock in local time, as a timestamp without zone (what ingest writes in the
    ledger): DuckDB's localtimestamp; Spark's session runs in UTC, so its form is the dbt
    process's local time when the model is compiled, as a literal. -#}
{% macro local_build_timestamp() -%}
    {{ return(adapter.dispatch('local_build_timestamp')()) }}
{%- endmacro %}

{% macro default__local_build_timestamp() -%}
    localtimestamp
{%- endmacro %}

{% macro spark__local_build_timestamp() -%}
    timestamp'{{ modules.datetime.datetime.now().isoformat(sep=" ") }}'
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
{%- endmacro %}

{#- A date's ISO day of the week: 1 (Monday) to 7 (Sunday). -#}
{% macro iso_day_of_week(date_value) -%}
    {{ return(adapter.dispatch('iso_day_of_week')(date_value)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_value) -%}
    isodow({{ date_value }})
{%- endmacro %}

{% macro spark__iso_day_of_week(date_value) -%}
    (weekday({{ date_value }}) + 1)
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
