-- One row per month, team and product line: pipeline created in the month, the open pipeline
-- at the month's start (as it stood then), how much of it was already past its expected close
-- date, and the close dates pushed out during the month. A CRM export without product lines
-- (current stage only, say) gives rows with a blank product line. Definitions: DECISIONLOG.md,
-- "Pipeline health".
with pipeline as (
    select * from {{ ref('fct_pipeline_as_of') }}
    where not is_latest
),

weights as (
    select * from {{ ref('int_forecast_opportunity_weights') }}
    where not is_latest and months_ahead = 0
),

opportunities as (
    select * from {{ ref('int_opportunities') }}
),

close_date_changes as (
    select * from {{ ref('int_opportunity_close_date_changes') }}
),

product_lines as (
    select * from {{ ref('product_lines') }}
),

teams as (
    select distinct
        team_id,
        team_name,
        province_unit_name,
        region_name
    from {{ ref('int_employee_teams') }}
    where team_id is not null
),

months as (
    select distinct origin_month as month_start from pipeline
),

open_at_start as (
    select
        pipeline.origin_month as month_start,
        pipeline.team_id,
        pipeline.product_line,
        count(*) as open_opportunities,
        sum(pipeline.amount) as open_amount,
        {{ exact_sum('pipeline.amount * weights.win_probability') }} as weighted_open_amount,
        count(*) filter (
            where pipeline.expected_close_on < pipeline.origin_month
        ) as overdue_opportunities,
        coalesce(sum(pipeline.amount) filter (
            where pipeline.expected_close_on < pipeline.origin_month
        ), 0) as overdue_amount
    from pipeline
    left join weights
        on
            pipeline.origin_at = weights.origin_at
            and pipeline.opportunity_id = weights.opportunity_id
    group by pipeline.origin_month, pipeline.team_id, pipeline.product_line
),

created as (
    select
        cast(date_trunc('month', created_on) as date) as month_start,
        team_id,
        product_line,
        count(*) as opportunities_created,
        sum(amount) as amount_created
    from opportunities
    group by all
),

slipped as (
    select
        cast(date_trunc('month', seen_on) as date) as month_start,
        team_id,
        product_line,
        count(*) filter (where is_pushed_out) as close_dates_pushed_out,
        count(*) filter (where is_moved_out_of_month) as moved_out_of_month,
        coalesce(sum(amount) filter (where is_moved_out_of_month), 0) as moved_out_amount
    from close_date_changes
    group by all
),

keys as (
    select
        month_start,
        team_id,
        product_line
    from open_at_start
    union
    select
        month_start,
        team_id,
        product_line
    from created
    union
    select
        month_start,
        team_id,
        product_line
    from slipped
),

final as (
    select
        keys.month_start,
        keys.team_id,
        teams.team_name,
        teams.province_unit_name,
        teams.region_name,
        keys.product_line,
        product_lines.product_line_name_zh,
        coalesce(created.opportunities_created, 0) as opportunities_created,
        cast(coalesce(created.amount_created, 0) as decimal(18, 2)) as amount_created,
        coalesce(open_at_start.open_opportunities, 0) as open_opportunities,
        cast(coalesce(open_at_start.open_amount, 0) as decimal(18, 2)) as open_amount,
        coalesce(open_at_start.weighted_open_amount, 0) as weighted_open_amount,
        coalesce(open_at_start.overdue_opportunities, 0) as overdue_opportunities,
        cast(coalesce(open_at_start.overdue_amount, 0) as decimal(18, 2)) as overdue_amount,
        coalesce(slipped.close_dates_pushed_out, 0) as close_dates_pushed_out,
        coalesce(slipped.moved_out_of_month, 0) as moved_out_of_month,
        cast(coalesce(slipped.moved_out_amount, 0) as decimal(18, 2)) as moved_out_amount
    from keys
    inner join months on keys.month_start = months.month_start
    left join open_at_start
        on
            keys.month_start = open_at_start.month_start
            and keys.team_id is not distinct from open_at_start.team_id
            and keys.product_line is not distinct from open_at_start.product_line
    left join created
        on
            keys.month_start = created.month_start
            and keys.team_id is not distinct from created.team_id
            and keys.product_line is not distinct from created.product_line
    left join slipped
        on
            keys.month_start = slipped.month_start
            and keys.team_id is not distinct from slipped.team_id
            and keys.product_line is not distinct from slipped.product_line
    left join teams on keys.team_id = teams.team_id
    left join product_lines on keys.product_line = product_lines.product_line
)

select * from final
