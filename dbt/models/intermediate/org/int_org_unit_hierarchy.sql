with recursive org_units as (
    select * from {{ ref('stg_crm__org_units') }}
),

-- every unit paired with itself and each of its ancestors
unit_ancestors as (
    select
        unit_id,
        unit_id as ancestor_id,
        0 as generations_up
    from org_units
    union all
    select
        unit_ancestors.unit_id,
        org_units.parent_unit_id as ancestor_id,
        unit_ancestors.generations_up + 1 as generations_up
    from unit_ancestors
    inner join org_units on unit_ancestors.ancestor_id = org_units.unit_id
    -- a cycle in the exported tree must not recurse forever
    where org_units.parent_unit_id is not null and unit_ancestors.generations_up < 10
),

ancestor_levels as (
    select
        unit_ancestors.unit_id,
        ancestors.unit_level as ancestor_level,
        ancestors.unit_id as ancestor_id,
        ancestors.unit_name as ancestor_name
    from unit_ancestors
    inner join org_units as ancestors on unit_ancestors.ancestor_id = ancestors.unit_id
),

final as (
    select
        org_units.unit_id,
        org_units.unit_name,
        org_units.unit_level,
        org_units.parent_unit_id,
        max(case when ancestor_levels.ancestor_level = 'team' then ancestor_levels.ancestor_id end) as team_id,
        max(case when ancestor_levels.ancestor_level = 'team' then ancestor_levels.ancestor_name end) as team_name,
        max(case when ancestor_levels.ancestor_level = 'province' then ancestor_levels.ancestor_id end)
            as province_unit_id,
        max(case when ancestor_levels.ancestor_level = 'province' then ancestor_levels.ancestor_name end)
            as province_unit_name,
        max(case when ancestor_levels.ancestor_level = 'region' then ancestor_levels.ancestor_id end) as region_id,
        max(case when ancestor_levels.ancestor_level = 'region' then ancestor_levels.ancestor_name end) as region_name,
        max(case when ancestor_levels.ancestor_level = 'company' then ancestor_levels.ancestor_name end) as company_name
    from org_units
    left join ancestor_levels on org_units.unit_id = ancestor_levels.unit_id
    group by all
)

select * from final
