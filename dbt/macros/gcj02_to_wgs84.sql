{#- GCJ-02 (the obfuscated frame of Chinese map services and of the CRM exports) to WGS-84.

    GCJ-02 = WGS-84 + an offset that is a smooth function of the position (the published
    forward transform of GB/T 18522-style "Mars coordinates", on the Krasovsky ellipsoid). The
    inverse has no closed form: we take the offset at the GCJ-02 point, subtract it, and
    repeat once at the improved point; two steps leave an error far under a metre (the offset
    changes by well under 1 % across the few hundred metres it moves the point). -#}

{% macro _gcj02_offset_lat(lon, lat) -%}
    (
        (
            -100.0 + 2.0 * (({{ lon }}) - 105.0) + 3.0 * (({{ lat }}) - 35.0)
            + 0.2 * power(({{ lat }}) - 35.0, 2)
            + 0.1 * (({{ lon }}) - 105.0) * (({{ lat }}) - 35.0)
            + 0.2 * sqrt(abs(({{ lon }}) - 105.0))
            + (20.0 * sin(6.0 * pi() * (({{ lon }}) - 105.0))
                + 20.0 * sin(2.0 * pi() * (({{ lon }}) - 105.0))) * 2.0 / 3.0
            + (20.0 * sin(pi() * (({{ lat }}) - 35.0))
                + 40.0 * sin(pi() * (({{ lat }}) - 35.0) / 3.0)) * 2.0 / 3.0
            + (160.0 * sin(pi() * (({{ lat }}) - 35.0) / 12.0)
                + 320.0 * sin(pi() * (({{ lat }}) - 35.0) / 30.0)) * 2.0 / 3.0
        ) * 180.0
        / (
            (6378245.0 * (1.0 - 0.00669342162296594323))
            / power(1.0 - 0.00669342162296594323 * power(sin(radians({{ lat }})), 2), 1.5)
            * pi()
        )
    )
{%- endmacro %}

{% macro _gcj02_offset_lon(lon, lat) -%}
    (
        (
            300.0 + (({{ lon }}) - 105.0) + 2.0 * (({{ lat }}) - 35.0)
            + 0.1 * power(({{ lon }}) - 105.0, 2)
            + 0.1 * (({{ lon }}) - 105.0) * (({{ lat }}) - 35.0)
            + 0.1 * sqrt(abs(({{ lon }}) - 105.0))
            + (20.0 * sin(6.0 * pi() * (({{ lon }}) - 105.0))
                + 20.0 * sin(2.0 * pi() * (({{ lon }}) - 105.0))) * 2.0 / 3.0
            + (20.0 * sin(pi() * (({{ lon }}) - 105.0))
                + 40.0 * sin(pi() * (({{ lon }}) - 105.0) / 3.0)) * 2.0 / 3.0
            + (150.0 * sin(pi() * (({{ lon }}) - 105.0) / 12.0)
                + 300.0 * sin(pi() * (({{ lon }}) - 105.0) / 30.0)) * 2.0 / 3.0
        ) * 180.0
        / (
            6378245.0
            / sqrt(1.0 - 0.00669342162296594323 * power(sin(radians({{ lat }})), 2))
            * cos(radians({{ lat }}))
            * pi()
        )
    )
{%- endmacro %}

{#- the first estimate of the WGS-84 point: the GCJ-02 point minus the offset found there -#}
{% macro _wgs84_first_lon(lon, lat) -%}
    (({{ lon }}) - {{ _gcj02_offset_lon(lon, lat) }})
{%- endmacro %}

{% macro _wgs84_first_lat(lon, lat) -%}
    (({{ lat }}) - {{ _gcj02_offset_lat(lon, lat) }})
{%- endmacro %}

{% macro gcj02_to_wgs84_lon(lon, lat) -%}
    (({{ lon }}) - {{ _gcj02_offset_lon(_wgs84_first_lon(lon, lat), _wgs84_first_lat(lon, lat)) }})
{%- endmacro %}

{% macro gcj02_to_wgs84_lat(lon, lat) -%}
    (({{ lat }}) - {{ _gcj02_offset_lat(_wgs84_first_lon(lon, lat), _wgs84_first_lat(lon, lat)) }})
{%- endmacro %}
