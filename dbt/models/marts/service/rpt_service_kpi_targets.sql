-- one row per service KPI with its target, as the cockpit's KPI cards show them (the seed
-- published as a report, since the cockpit reads only published marts)
with targets as (
    select * from {{ ref('service_kpi_targets') }}
),

final as (
    select
        kpi_code,
        kpi_name_zh,
        kpi_name_en,
        target_value,
        better
    from targets
)

select * from final
