with stage_reached as (
    select * from {{ ref('fct_funnel_stage_reached') }}
),

product_lines as (
    select * from {{ ref('product_lines') }}
),

final as (
    select
        stage_reached.reached_month as month_start,
        stage_reached.region_name,
        stage_reached.province_unit_name,
        stage_reached.team_id,
        stage_reached.team_name,
        stage_reached.product_line,
        product_lines.product_line_name_zh,
        stage_reached.stage_code,
        stage_reached.stage_order,
        stage_reached.stage_name_zh,
        stage_reached.stage_name_en,
        count(*) as opportunities_reached,
        count(*) filter (where stage_reached.advanced_to_next_stage) as opportunities_advanced,
        case
            when not any_value(stage_reached.is_final_stage)
                then count(*) filter (where stage_reached.advanced_to_next_stage) / count(*)
        end as conversion_rate,
        count(*) filter (where stage_reached.is_won) as opportunities_won,
        count(*) filter (where not stage_reached.has_stage_history) as opportunities_current_stage_only,
        count(stage_reached.days_in_stage) as stays_completed,
        median(stage_reached.days_in_stage) as median_days_in_stage,
        percentile_cont(0.75) within group (order by stage_reached.days_in_stage)
            as p75_days_in_stage,
        percentile_cont(0.9) within group (order by stage_reached.days_in_stage)
            as p90_days_in_stage
    from stage_reached
    left join product_lines on stage_reached.product_line = product_lines.product_line
    group by all
)

select * from final
