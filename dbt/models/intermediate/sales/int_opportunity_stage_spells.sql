-- only stage changes of opportunities in the warehouse: those of an opportunity quarantined
-- at ingest (or missing from its export) are held back (int_held_back_child_rows), so the
-- funnel never counts a deal the opportunity marts do not have
with stage_history as (
    select stage_history.*
    from {{ ref('stg_crm__opportunity_stage_history') }} as stage_history
    semi join {{ ref('stg_crm__opportunities') }} as opportunities
        on stage_history.opportunity_id = opportunities.opportunity_id
),

stages as (
    select * from {{ ref('opportunity_stages') }}
),

spells as (
    select
        stage_history.opportunity_id,
        stage_history.stage,
        stages.stage_order,
        stage_history.entered_at,
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
        date_diff('second', entered_at, left_at) / 86400.0 as days_in_spell
    from spells
)

select * from final
