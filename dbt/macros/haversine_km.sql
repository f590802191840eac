{#- Great-circle distance in km between two WGS-84 points given in degrees (haversine on a
    sphere of the mean Earth radius, 6371.0088 km; under 0.5 % off the ellipsoid). Null when
    any coordinate is null: the clamp of rounding just above 1 (antipodes) is a case
    expression, because least() would skip a null and return 1. -#}
{% macro haversine_km(lon1, lat1, lon2, lat2) -%}
    {%- set half_chord -%}
        sqrt(
            power(sin(radians(({{ lat2 }}) - ({{ lat1 }})) / 2), 2)
            + cos(radians({{ lat1 }})) * cos(radians({{ lat2 }}))
            * power(sin(radians(({{ lon2 }}) - ({{ lon1 }})) / 2), 2)
        )
    {%- endset -%}
    (2 * 6371.0088 * asin(case when {{ half_chord }} > 1.0 then 1.0 else {{ half_chord }} end))
{%- endmacro %}
