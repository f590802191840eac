{#- How well a measured WGS-84 point (a visit check-in, an account record's map position) fits
    the place its customer's address resolves to: two columns, is_in_province (inside the
    province's box) and km_from_address_centre. Expects the joined relations address_places
    (int_geo__address_places) and precision_levels (geo_precision_levels), whose
    checkin_plausible_radius_km bounds the distance for both kinds of point. -#}
{% macro address_fit_columns(lon, lat) -%}
    ({{ lon }}) between address_places.province_min_longitude and address_places.province_max_longitude
    and ({{ lat }}) between address_places.province_min_latitude and address_places.province_max_latitude
        as is_in_province,
    {{ haversine_km('address_places.place_longitude', 'address_places.place_latitude', lon, lat) }}
        as km_from_address_centre
{%- endmacro %}
