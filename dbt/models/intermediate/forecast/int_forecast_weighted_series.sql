-- One row per forecast origin, series (company, product line, team) and target month: the
-- weighted-pipeline forecast of bookings. It is the expected won amount of the deals open at
-- the origin, plus, for an origin inside a month (the latest export), what that month has
-- already booked before the origin.
with weights as (
    select * from {{ ref('int_forecast_opportunity_weights') }}
),

stage_spells as (
    select * from {{ ref('int_opportunity_stage_spells') }}
),

opportunities as (
    select * from {{ ref('int_opportunities') }}
),

origins as (
    select distinct
        origin_at,
        origin_month,
        is_latest
    from weights
),

booked_before_origin as (
    select
        origins.origin_at,
        origins.origin_month,
        origins.is_latest,
        opportunities.team_id,
        opportunities.product_line,
        0 as months_ahead,
        origins.origin_month as target_month,
        opportunities.amount as expected_amount,
        0 as open_opportunities
    from origins
    inner join stage_spells
        on
            stage_spells.stage = 'won'
            and origins.origin_month <= stage_spells.entered_at
            and origins.origin_at >= stage_spells.entered_at
    inner join opportunities
        on
            stage_spells.opportunity_id = opportunities.opportunity_id
            and opportunities.current_stage = 'won'
),

contributions as (
    select
        origin_at,
        origin_month,
        is_latest,
        team_id,
        product_line,
        months_ahead,
        target_month,
        expected_amount,
        1 as open_opportunities
    from weights
    union all
    select * from booked_before_origin
),

series as (
    {#- deals without a product line (an export that has none) are in no product-line series,
        as in rpt_forecast_actuals_monthly -#}
    {% for level, key, keep in [
        ('company', "'all'", 'true'),
        ('product_line', 'product_line', 'product_line is not null'),
        ('team', "coalesce(team_id, 'unassigned')", 'true'),
    ] -%}
        {% if not loop.first %}union all{% endif %}
        select
            origin_at,
            origin_month,
            is_latest,
            months_ahead,
            target_month,
            '{{ level }}' as series_level,
            {{ key }} as series_key,
            {{ exact_sum('expected_amount') }} as forecast_amount,
            -- a bigint on both engines (DuckDB sums integers into a hugeint)
            cast(sum(open_opportunities) as bigint) as open_opportunities
        from contributions
        where {{ keep }}
        group by all
    {% endfor %}
),

final as (
    select
        origin_at,
        origin_month,
        is_latest,
        series_level,
        series_key,
        months_ahead,
        target_month,
        forecast_amount,
        open_opportunities
    from series
)

select * from final
