{#- Sums and averages of fractional (float) values that come out the same, bit for bit, in
    every run. DuckDB adds a float column in whatever order its threads meet the rows, and
    float addition depends on the order; each value is therefore rounded to `scale` decimals
    (default 6) and added as DECIMAL, which is exact in any order, and the result is a DOUBLE as
    before (DECISIONLOG, "Rounding and run-to-run identical marts"). Money columns are DECIMAL
    already and are summed with plain `sum`. The rounding is DuckDB's on Spark too
    (decimal_of_double). -#}
{% macro exact_sum(expression, scale=6) -%}
    cast(sum({{ decimal_of_double(expression, 38, scale) }}) as double)
{%- endmacro %}

{% macro exact_avg(expression, scale=6) -%}
    cast(avg({{ decimal_of_double(expression, 38, scale) }}) as double)
{%- endmacro %}
