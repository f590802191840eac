-- One row per forecast origin, open opportunity and month of the horizon: the chance that the
-- deal is won in that month, learned at that origin from what earlier pipelines became (point
-- in time: a backtest origin never sees a later outcome).
--
-- A learning sample is a deal open at an earlier month start (its stage, product line and team
-- as they were then). For horizon month k (0 = the month starting at the sample's origin) a
-- sample counts once month k is complete before the origin; the share of those samples won in
-- month k is the probability of closing-won in month k. Deals still open, lost or won later
-- stay in the denominator, so stale deals that never close pull the rate down as they should.
-- This one figure is the stage's win rate times its time-to-close distribution.
--
-- Groups from fine to coarse: team x product line x stage, product line x stage, stage. The
-- finest group with at least min_resolved_samples samples (seen at k = 0) is used.
{%- set rate_columns = [] -%}
{%- for k in range(6) -%}
    {%- do rate_columns.append('won_in_month_' ~ k ~ '_rate') -%}
{%- endfor %}

with pipeline as (
    select * from {{ ref('fct_pipeline_as_of') }}
),

settings as (
    select * from {{ ref('forecast_settings') }}
),

stages as (
    select * from {{ ref('opportunity_stages') }}
),

origins as (
    select distinct
        origin_at,
        origin_month
    from pipeline
),

-- samples alike in month, group and outcome counted once: each is joined to every later origin
samples as (
    select
        origin_month as sample_month,
        stage_code,
        product_line,
        coalesce(team_id, '') as team_key,
        case when final_outcome = 'won' then months_to_close end as won_after_months,
        count(*) as sample_count
    from pipeline
    where not is_latest
    group by all
),

known_samples as (
    select
        origins.origin_at,
        -- whole months from the sample's month start to the origin's month: horizon months
        -- k below this are complete and their outcome known at the origin
        {{ date_diff_in('month', 'samples.sample_month', 'origins.origin_month') }} as months_observed,
        samples.stage_code,
        samples.product_line,
        samples.team_key,
        samples.won_after_months,
        samples.sample_count
    from origins
    inner join samples on origins.origin_month > samples.sample_month
),

horizon as (
    select {{ series_of('0', 'cast(settings.horizon_months as bigint) - 1', '1') }} as months_ahead
    from settings
),

-- the same rates for each group, from fine (coarseness 0) to coarse (3); a coarser group
-- pools every team (and product line) into one key
group_rates as (
    {% for coarseness, line_key, team_key in [
        (0, 'known_samples.product_line', 'known_samples.team_key'),
        (1, 'known_samples.product_line', "''"),
        (3, "''", "''"),
    ] -%}
        {% if not loop.first %}union all{% endif %}
        select
            known_samples.origin_at,
            known_samples.stage_code,
            {{ line_key }},
            {{ team_key }},
            {{ coarseness }} as coarseness,
            {% for column in rate_columns -%}
                coalesce(
                    sum(known_samples.sample_count) filter (
                        where known_samples.won_after_months = {{ loop.index0 }}
                        and known_samples.months_observed > {{ loop.index0 }}
                    ),
                    0
                ) / nullif(
                    sum(known_samples.sample_count) filter (
                        where known_samples.months_observed > {{ loop.index0 }}
                    ),
                    0
                ) as {{ column }},
            {% endfor -%}
            cast(sum(known_samples.sample_count) as bigint) as resolved_samples
        from known_samples
        group by all
    {% endfor %}
),

chosen_rates as (
    select
        pipeline.origin_at,
        pipeline.opportunity_id,
        {% for field in ['resolved_samples'] + rate_columns -%}
            case
                when by_team.resolved_samples >= settings.min_resolved_samples
                    then by_team.{{ field }}
                when by_line.resolved_samples >= settings.min_resolved_samples
                    then by_line.{{ field }}
                else by_stage.{{ field }}
            end as {{ field }},
        {% endfor -%}
        case
            when by_team.resolved_samples >= settings.min_resolved_samples
                then 'team_product_line_stage'
            when by_line.resolved_samples >= settings.min_resolved_samples
                then 'product_line_stage'
            when by_stage.resolved_samples > 0 then 'stage'
        end as rate_group
    from pipeline
    cross join settings
    left join group_rates as by_team
        on
            pipeline.origin_at = by_team.origin_at
            and pipeline.stage_code = by_team.stage_code
            and pipeline.product_line = by_team.product_line
            and coalesce(pipeline.team_id, '') = by_team.team_key
            and by_team.coarseness = 0
    left join group_rates as by_line
        on
            pipeline.origin_at = by_line.origin_at
            and pipeline.stage_code = by_line.stage_code
            and pipeline.product_line = by_line.product_line
            and by_line.coarseness = 1
    left join group_rates as by_stage
        on
            pipeline.origin_at = by_stage.origin_at
            and pipeline.stage_code = by_stage.stage_code
            and by_stage.coarseness = 3
),

weights as (
    select
        pipeline.origin_at,
        pipeline.origin_month,
        pipeline.is_latest,
        pipeline.opportunity_id,
        pipeline.stage_code,
        pipeline.team_id,
        pipeline.product_line,
        pipeline.amount,
        horizon.months_ahead,
        {{ months_after('pipeline.origin_month', 'horizon.months_ahead') }} as target_month,
        chosen_rates.rate_group,
        chosen_rates.resolved_samples,
        -- won within the horizon; the stage's default only when nothing has been learned yet
        case
            when chosen_rates.rate_group is null then stages.default_win_probability
            else
                {% for column in rate_columns -%}
                    {% if not loop.first %}+ {% endif -%}
                    case
                        when {{ loop.index0 }} < settings.horizon_months
                            then coalesce(chosen_rates.{{ column }}, 0)
                        else 0
                    end
                {% endfor %}
        end as win_probability,
        -- an origin inside a month (the latest export) has only the rest of its month left:
        -- month 0's rate, learned from month starts, is scaled by the share of the month
        -- remaining (closings taken as spread evenly over the month)
        case
            when horizon.months_ahead = 0 and pipeline.origin_at > pipeline.origin_month
                then
                    {{ date_diff_in(
                        'second', 'pipeline.origin_at', 'pipeline.origin_month + interval 1 month'
                    ) }}
                    / {{ date_diff_in(
                        'second',
                        'cast(pipeline.origin_month as timestamp)',
                        'pipeline.origin_month + interval 1 month'
                    ) }}
            else 1
        end
        * coalesce(
            case horizon.months_ahead
                {% for column in rate_columns -%}
                    when {{ loop.index0 }} then chosen_rates.{{ column }}
                {% endfor -%}
            end,
            0
        ) as won_in_month_probability
    from pipeline
    cross join horizon
    cross join settings
    inner join chosen_rates
        on
            pipeline.origin_at = chosen_rates.origin_at
            and pipeline.opportunity_id = chosen_rates.opportunity_id
    left join stages on pipeline.stage_code = stages.stage_code
),

final as (
    select
        *,
        coalesce(amount, 0) * won_in_month_probability as expected_amount
    from weights
)

select * from final
