-- one row per location type (office, customer) and coordinate precision: how many locations
-- have it and their share of that type (every level listed, zero when none)
with locations as (
    select * from {{ ref('int_geo__locations') }}
),

precision_levels as (
    select * from {{ ref('geo_precision_levels') }}
),

location_types as (
    select distinct location_type from locations
),

counted as (
    select
        location_type,
        coordinate_precision,
        count(*) as locations
    from locations
    group by all
),

final as (
    select
        location_types.location_type,
        precision_levels.coordinate_precision,
        precision_levels.precision_rank,
        precision_levels.precision_name_zh,
        precision_levels.precision_name_en,
        coalesce(counted.locations, 0) as locations,
        cast(
            coalesce(counted.locations, 0)
            / sum(coalesce(counted.locations, 0)) over (partition by location_types.location_type)
            as double
        ) as share_of_locations
    from location_types
    cross join precision_levels
    left join counted
        on
            location_types.location_type = counted.location_type
            and precision_levels.coordinate_precision = counted.coordinate_precision
)

select * from final
