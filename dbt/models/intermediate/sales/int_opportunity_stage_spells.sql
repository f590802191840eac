-- only stage changes of opportunities in the warehouse: those of an opportunity quarantined
-- at ingest (or missing from its export) are held back (int_held_back_child_rows), so the
-- funnel never counts a deal the opportunity marts do not have
with recorded_history as (
    select
        stage_history.opportunity_id,
        stage_history.stage,
        stage_history.entered_at,
        false as is_inferred
    from {{ ref('stg_crm__opportunity_stage_history') }} as stage_history
    semi join {{ ref('stg_crm__opportunities') }} as opportunities
        on stage_history.opportunity_id = opportunities.opportunity_id
),

stages as (
    select * from {{ ref('opportunity_stages') }}
),

first_stage as (
    select stage_code from stages
    where stage_order is not null
    qualify row_number() over (order by stage_order) = 1
),

-- a deal with no recorded history (an export with the current stage only): it entered the
-- funnel on its creation day, in its current stage if open, else in the first stage, and a
-- closed deal closed on its close day. Stages in between are passed through; how long it
-- stayed in each is unknown (see DECISIONLOG, "Thin exports")
inferred_history as (
    select
        opportunities.opportunity_id,
        case
            when coalesce(current_stages.is_closed, false) then first_stage.stage_code
            else opportunities.current_stage
        end as stage,  -- noqa: RF04
        cast(opportunities.created_on as timestamp) as entered_at,
        true as is_inferred
    from {{ ref('stg_crm__opportunities') }} as opportunities
    cross join first_stage
    left join stages as current_stages on opportunities.current_stage = current_stages.stage_code
    anti join recorded_history on opportunities.opportunity_id = recorded_history.opportunity_id
    union all
    select
        opportunities.opportunity_id,
        opportunities.current_stage as stage,  -- noqa: RF04
        cast(opportunities.closed_on as timestamp) as entered_at,
        true as is_inferred
    from {{ ref('stg_crm__opportunities') }} as opportunities
    inner join stages as current_stages on opportunities.current_stage = current_stages.stage_code
    anti join recorded_history on opportunities.opportunity_id = recorded_history.opportunity_id
    where current_stages.is_closed and opportunities.closed_on is not null
),

stage_history as (
    select * from recorded_history
    union all
    select * from inferred_history
),

spells as (
    select
        stage_history.opportunity_id,
        stage_history.stage,
        stages.stage_order,
        stage_history.entered_at,
        stage_history.is_inferred,
        lead(stage_history.entered_at) over (
            partition by stage_history.opportunity_id order by stage_history.entered_at
        ) as left_at,
        row_number() over (
            partition by stage_history.opportunity_id order by stage_history.entered_at
        ) as spell_number
    from stage_history
    left join stages on stage_history.stage = stages.stage_code
),

final as (
    select
        opportunity_id,
        stage,
        stage_order,
        spell_number,
        entered_at,
        left_at,
        -- an inferred spell's length is not a time in stage (a double on both engines: Spark
        -- would divide by the literal 86400.0 as a decimal)
        case
            when not is_inferred
                then cast({{ date_diff_in('second', 'entered_at', 'left_at') }} as double) / 86400
        end as days_in_spell,
        is_inferred
    from spells
)

select * from final
