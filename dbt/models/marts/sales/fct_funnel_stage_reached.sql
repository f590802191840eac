with spells as (
    select * from {{ ref('int_opportunity_stage_spells') }}
),

opportunities as (
    select * from {{ ref('int_opportunities') }}
),

funnel_stages as (
    select * from {{ ref('opportunity_stages') }}
    where stage_order is not null
),

-- a stage counts as reached when the deal entered it or any later funnel stage (a skipped
-- stage is passed through); the first time counts, re-entries after moving back do not
reached as (
    select
        spells.opportunity_id,
        funnel_stages.stage_code,
        funnel_stages.stage_order,
        min(spells.entered_at) as reached_at
    from spells
    inner join funnel_stages on spells.stage_order >= funnel_stages.stage_order
    group by all
),

time_in_stage as (
    select
        opportunity_id,
        stage as stage_code,
        count(*) as spells_in_stage,
        bool_or(left_at is null) as is_current_stage,
        {{ exact_sum('days_in_spell') }} as days_in_stage
    from spells
    group by all
),

-- false for a deal known from its current stage only: its stages are inferred, with no time
-- in stage (see DECISIONLOG, "Thin exports")
stage_history_known as (
    select
        opportunity_id,
        bool_and(not is_inferred) as has_stage_history
    from spells
    group by opportunity_id
),

current_stage as (
    select
        opportunity_id,
        stage
    from spells
    qualify row_number() over (partition by opportunity_id order by spell_number desc) = 1
),

final as (
    select
        reached.opportunity_id,
        reached.stage_code,
        reached.stage_order,
        funnel_stages.stage_name_zh,
        funnel_stages.stage_name_en,
        reached.reached_at,
        cast(date_trunc('month', reached.reached_at) as date) as reached_month,
        next_stage.reached_at is not null as advanced_to_next_stage,
        funnel_stages.is_won as is_final_stage,
        time_in_stage.opportunity_id is null as is_skipped,
        coalesce(time_in_stage.spells_in_stage, 0) as spells_in_stage,
        -- days only once the deal has left the stage for good: open stays would bias it down
        case
            when not time_in_stage.is_current_stage then time_in_stage.days_in_stage
        end as days_in_stage,
        current_stage.stage = 'won' as is_won,
        current_stage.stage = 'lost' as is_lost,
        opportunities.owner_id,
        opportunities.owner_name,
        opportunities.team_id,
        opportunities.team_name,
        opportunities.province_unit_id,
        opportunities.province_unit_name,
        opportunities.region_id,
        opportunities.region_name,
        opportunities.product_line,
        opportunities.channel,
        opportunities.lead_source,
        opportunities.lost_reason,
        opportunities.account_id,
        opportunities.amount,
        stage_history_known.has_stage_history
    from reached
    inner join funnel_stages on reached.stage_code = funnel_stages.stage_code
    left join reached as next_stage
        on
            reached.opportunity_id = next_stage.opportunity_id
            and next_stage.stage_order = reached.stage_order + 1
    left join time_in_stage
        on
            reached.opportunity_id = time_in_stage.opportunity_id
            and reached.stage_code = time_in_stage.stage_code
    left join current_stage on reached.opportunity_id = current_stage.opportunity_id
    left join stage_history_known on reached.opportunity_id = stage_history_known.opportunity_id
    left join opportunities on reached.opportunity_id = opportunities.opportunity_id
)

select * from final
