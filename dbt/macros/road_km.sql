{#- Road km of a trip whose great-circle km is given: times the detour factor, never under the
    minimum trip. Null when the great-circle km is null (a point without a location): greatest()
    alone would skip the null and return the minimum. -#}
{% macro road_km(straight_line_km, detour_factor, min_km) -%}
    case
        when ({{ straight_line_km }}) is not null
            then greatest(({{ straight_line_km }}) * ({{ detour_factor }}), {{ min_km }})
    end
{%- endmacro %}
