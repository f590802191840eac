{#- Rows of a child staging model whose parent row is not in the parent staging model: they
    are held back from the marts (the models reading the child join its parent) and counted
    here. The reason kind is "parent quarantined" when the parent source's quarantine holds a
    row carrying that key, else "parent not loaded" (the parent export lacks it). -#}
{% macro held_back_child_rows(child_model, parent_model, key_column, child_source, parent_source) -%}
    select
        '{{ child_source }}' as source,
        child.source_file_name as file_name,
        child.source_row_number as data_row_number,
        child.{{ key_column }} as parent_key,
        case
            when quarantined_keys.parent_key is not null then 'parent quarantined'
            else 'parent not loaded'
        end as reason_kind,
        case
            when quarantined_keys.parent_key is not null
                then 'parent quarantined: the {{ parent_source }} row with {{ key_column }} '
                || child.{{ key_column }} || ' was quarantined at ingest'
            else 'parent not loaded: no {{ parent_source }} row with {{ key_column }} ' || child.{{ key_column }}
        end as reason
    from {{ ref(child_model) }} as child
    left join (
        select distinct {{ json_object_values('raw_values') }} as parent_key
        from {{ ref('stg_ingest_meta__quarantine') }}
        where source = '{{ parent_source }}' and raw_values is not null
    ) as quarantined_keys on child.{{ key_column }} = quarantined_keys.parent_key
    where not exists (
        select 1 from {{ ref(parent_model) }} as parent
        where parent.{{ key_column }} = child.{{ key_column }}
    )
{%- endmacro %}
