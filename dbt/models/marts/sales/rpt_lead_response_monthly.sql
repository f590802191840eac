with leads as (
    select * from {{ ref('fct_leads') }}
),

final as (
    select
        created_month as month_start,
        region_name,
        province_unit_name,
        team_id,
        team_name,
        lead_source,
        count(*) as leads,
        count(*) filter (where is_contacted) as leads_contacted,
        count(*) filter (where is_contacted_within_24h) as leads_contacted_within_24h,
        count(*) filter (where is_contacted_within_24h) / count(*) as share_contacted_within_24h,
        median(response_hours) as median_response_hours,
        percentile_cont(0.9) within group (order by response_hours) as p90_response_hours,
        count(*) filter (where is_converted) as leads_converted,
        count(*) filter (where is_converted) / count(*) as conversion_rate
    from leads
    group by all
)

select * from final
