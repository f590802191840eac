{#- BD-09 (Baidu maps) to GCJ-02: Baidu's frame is GCJ-02 shifted by (0.0065, 0.006) degrees
    and turned by a small position-dependent radius and angle; this is its published inverse
    (medops/geo/coords.py does the same in Python). Apply gcj02_to_wgs84 next for WGS-84. -#}

{% macro _bd09_radius(lon, lat) -%}
    (
        sqrt(power(({{ lon }}) - 0.0065, 2) + power(({{ lat }}) - 0.006, 2))
        - 0.00002 * sin((({{ lat }}) - 0.006) * pi() * 3000.0 / 180.0)
    )
{%- endmacro %}

{% macro _bd09_angle(lon, lat) -%}
    (
        atan2(({{ lat }}) - 0.006, ({{ lon }}) - 0.0065)
        - 0.000003 * cos((({{ lon }}) - 0.0065) * pi() * 3000.0 / 180.0)
    )
{%- endmacro %}

{% macro bd09_to_gcj02_lon(lon, lat) -%}
    ({{ _bd09_radius(lon, lat) }} * cos({{ _bd09_angle(lon, lat) }}))
{%- endmacro %}

{% macro bd09_to_gcj02_lat(lon, lat) -%}
    ({{ _bd09_radius(lon, lat) }} * sin({{ _bd09_angle(lon, lat) }}))
{%- endmacro %}
