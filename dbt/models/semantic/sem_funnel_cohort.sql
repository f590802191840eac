-- One row per deal that entered the funnel (reached its first stage): the cohort the funnel
-- page filters by entry month, with the moment it was won. Win rate, won amount and days to
-- win of the semantic layer are defined over these rows (DECISIONLOG "Funnel").
with reached as (
    select * from {{ ref('fct_funnel_stage_reached') }}
),

first_stage as (
    select min(stage_order) as stage_order
    from reached
),

won_stage as (
    select
        opportunity_id,
        reached_at as won_at
    from reached
    where is_final_stage
)

select
    reached.opportunity_id,
    reached.account_id,
    reached.reached_at as entered_at,
    reached.reached_month as entered_month,
    won_stage.won_at,
    reached.is_won,
    reached.amount,
    ({{ epoch_seconds('won_stage.won_at') }} - {{ epoch_seconds('reached.reached_at') }}) / 86400
        as days_to_win,
    reached.owner_id,
    reached.team_id,
    reached.team_name,
    reached.province_unit_id,
    reached.province_unit_name,
    reached.region_id,
    reached.region_name,
    reached.product_line,
    reached.channel,
    reached.lead_source
from reached
inner join first_stage on reached.stage_order = first_stage.stage_order
left join won_stage on reached.opportunity_id = won_stage.opportunity_id
