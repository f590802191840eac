-- one row per province with a sales office: the sales region its offices belong to (the most
-- common one, should offices of one province sit in different regions)
with offices as (
    select * from {{ ref('stg_crm__offices') }}
),

units as (
    select * from {{ ref('int_org_unit_hierarchy') }}
),

office_regions as (
    select
        offices.province,
        units.region_id,
        units.region_name,
        count(*) as offices
    from offices
    inner join units on offices.unit_id = units.unit_id
    where offices.province is not null and units.region_id is not null
    group by all
),

final as (
    select
        province,
        region_id,
        region_name
    from office_regions
    qualify row_number() over (partition by province order by offices desc, region_id asc) = 1
)

select * from final
