with opportunities as (
    select * from {{ ref('int_opportunities') }}
    where current_stage = 'lost'
),

spells as (
    select * from {{ ref('int_opportunity_stage_spells') }}
),

stages as (
    select * from {{ ref('opportunity_stages') }}
),

lost_reasons as (
    select * from {{ ref('lost_reasons') }}
),

-- the stage a deal was lost from: the last funnel stage it stood in before it went to lost
lost_from as (
    select
        opportunity_id,
        stage as lost_from_stage
    from spells
    where stage_order is not null
    qualify row_number() over (partition by opportunity_id order by spell_number desc) = 1
),

lost_entered as (
    select
        opportunity_id,
        max(entered_at) as lost_at
    from spells
    where stage = 'lost'
    group by opportunity_id
),

lost_deals as (
    select
        opportunities.opportunity_id,
        opportunities.region_id,
        opportunities.region_name,
        opportunities.province_unit_id,
        opportunities.province_unit_name,
        opportunities.team_id,
        opportunities.team_name,
        opportunities.product_line,
        opportunities.channel,
        opportunities.lost_reason,
        lost_from.lost_from_stage,
        opportunities.amount,
        -- the CRM's close date; the day the deal entered lost when the close date is blank
        cast(
            date_trunc(
                'month', coalesce(opportunities.closed_on, cast(lost_entered.lost_at as date))
            ) as date
        ) as month_start
    from opportunities
    left join lost_from on opportunities.opportunity_id = lost_from.opportunity_id
    left join lost_entered on opportunities.opportunity_id = lost_entered.opportunity_id
),

final as (
    select
        lost_deals.month_start,
        lost_deals.region_id,
        lost_deals.region_name,
        lost_deals.province_unit_id,
        lost_deals.province_unit_name,
        lost_deals.team_id,
        lost_deals.team_name,
        lost_deals.product_line,
        lost_deals.channel,
        lost_deals.lost_reason,
        lost_reasons.lost_reason_name_en,
        coalesce(lost_reasons.lost_reason_group, 'unmapped') as lost_reason_group,
        lost_deals.lost_from_stage,
        stages.stage_order as lost_from_stage_order,
        stages.stage_name_zh as lost_from_stage_name_zh,
        stages.stage_name_en as lost_from_stage_name_en,
        count(*) as opportunities_lost,
        cast(coalesce(sum(lost_deals.amount), 0) as decimal(18, 2)) as amount_lost
    from lost_deals
    left join lost_reasons on lost_deals.lost_reason = lost_reasons.lost_reason
    left join stages on lost_deals.lost_from_stage = stages.stage_code
    group by all
)

select * from final
