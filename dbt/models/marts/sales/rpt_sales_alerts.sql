with opportunities as (
    select * from {{ ref('int_opportunities') }}
),

spells as (
    select * from {{ ref('int_opportunity_stage_spells') }}
),

stage_reached as (
    select * from {{ ref('fct_funnel_stage_reached') }}
),

visits as (
    select * from {{ ref('stg_crm__visits') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

employees as (
    select * from {{ ref('int_employee_teams') }}
),

rules as (
    select * from {{ ref('sales_alert_rules') }}
),

-- the CRM's own clock: its latest exported event, so a re-run on the same exports gives
-- the same alerts whatever day it runs (see DECISIONLOG.md, "Rule alerts")
as_of as (
    select
        greatest(
            (select max(entered_at) from spells),
            (select max(checked_in_at) from visits),
            (select max(created_at) from leads)
        ) as as_of_at
),

current_spells as (
    select * from spells
    where left_at is null
),

open_opportunities as (
    select
        opportunities.*,
        current_spells.stage as current_stage_code,
        current_spells.entered_at as current_stage_entered_at
    from opportunities
    inner join current_spells on opportunities.opportunity_id = current_spells.opportunity_id
    where current_spells.stage not in ('won', 'lost')
),

owner_visits as (
    select
        open_opportunities.opportunity_id,
        max(visits.checked_in_at) as last_visit_at
    from open_opportunities
    inner join visits
        on
            open_opportunities.account_id = visits.account_id
            and open_opportunities.owner_id = visits.employee_id
    group by open_opportunities.opportunity_id
),

no_follow_up as (
    select
        'no_follow_up' as alert_rule,
        open_opportunities.opportunity_id as subject_id,
        open_opportunities.owner_id,
        open_opportunities.current_stage_code as stage_code,
        greatest(
            open_opportunities.current_stage_entered_at,
            coalesce(owner_visits.last_visit_at, open_opportunities.current_stage_entered_at)
        ) as last_touch_at,
        rules.threshold,
        'days' as threshold_unit,
        open_opportunities.amount
    from open_opportunities
    left join owner_visits on open_opportunities.opportunity_id = owner_visits.opportunity_id
    cross join rules
    where rules.alert_rule = 'no_follow_up'
),

lead_not_contacted as (
    select
        'lead_not_contacted' as alert_rule,
        leads.lead_id as subject_id,
        leads.owner_id,
        null as stage_code,
        coalesce(leads.assigned_at, leads.created_at) as last_touch_at,
        rules.threshold,
        'hours' as threshold_unit,
        cast(null as decimal(18, 2)) as amount
    from leads
    cross join rules
    where
        rules.alert_rule = 'lead_not_contacted'
        and leads.first_contact_at is null
        and leads.lead_status in ('new', 'working')
),

-- a team's limit per stage: the quantile (continuous, as quantile_cont) of its completed
-- stays; the company's when the team has fewer than 5 completed stays in that stage
completed_stays as (
    select
        team_id,
        stage_code,
        days_in_stage,
        false as is_company_limit
    from stage_reached
    where days_in_stage is not null
    union all
    select
        null as team_id,
        stage_code,
        days_in_stage,
        true as is_company_limit
    from stage_reached
    where days_in_stage is not null
),

ranked_stays as (
    select
        completed_stays.*,
        row_number() over (
            partition by
                completed_stays.team_id,
                completed_stays.stage_code,
                completed_stays.is_company_limit
            order by completed_stays.days_in_stage
        ) - 1 as stay_position,
        (
            count(*) over (
                partition by
                    completed_stays.team_id,
                    completed_stays.stage_code,
                    completed_stays.is_company_limit
            ) - 1
        )
        * rules.threshold as quantile_position
    from completed_stays
    cross join rules
    where rules.alert_rule = 'stuck_in_stage'
),

stay_limits as (
    select
        team_id,
        stage_code,
        is_company_limit,
        count(*) as completed_stays,
        max(days_in_stage) filter (where stay_position = floor(quantile_position)) as lower_days,
        max(days_in_stage) filter (where stay_position = ceil(quantile_position)) as upper_days,
        any_value(quantile_position - floor(quantile_position)) as fraction,
        lower_days + fraction * (upper_days - lower_days) as limit_days
    from ranked_stays
    group by team_id, stage_code, is_company_limit
),

stuck_in_stage as (
    select
        'stuck_in_stage' as alert_rule,
        open_opportunities.opportunity_id as subject_id,
        open_opportunities.owner_id,
        open_opportunities.current_stage_code as stage_code,
        open_opportunities.current_stage_entered_at as last_touch_at,
        coalesce(team_limits.limit_days, company_limits.limit_days) as threshold,
        'days' as threshold_unit,
        open_opportunities.amount
    from open_opportunities
    left join stay_limits as team_limits
        on
            open_opportunities.team_id = team_limits.team_id
            and open_opportunities.current_stage_code = team_limits.stage_code
            and not team_limits.is_company_limit
            and team_limits.completed_stays >= 5
    left join stay_limits as company_limits
        on
            open_opportunities.current_stage_code = company_limits.stage_code
            and company_limits.is_company_limit
),

candidates as (
    select * from no_follow_up
    union all
    select * from lead_not_contacted
    union all
    select * from stuck_in_stage
),

measured as (
    select
        candidates.*,
        as_of.as_of_at,
        cast({{ date_diff_in('second', 'candidates.last_touch_at', 'as_of.as_of_at') }} as double)
        / 86400 as days_since
    from candidates
    cross join as_of
),

final as (
    select
        measured.alert_rule,
        rules.alert_name_zh,
        rules.alert_name_en,
        measured.subject_id,
        measured.stage_code,
        measured.owner_id,
        owners.employee_name as owner_name,
        owners.manager_id,
        managers.employee_name as manager_name,
        owners.team_id,
        owners.team_name,
        owners.province_unit_name,
        owners.region_name,
        measured.last_touch_at,
        measured.as_of_at,
        measured.days_since,
        measured.threshold,
        measured.threshold_unit,
        measured.amount
    from measured
    inner join rules on measured.alert_rule = rules.alert_rule
    left join employees as owners on measured.owner_id = owners.employee_id
    left join employees as managers on owners.manager_id = managers.employee_id
    where
        case measured.alert_rule
            when 'no_follow_up' then measured.days_since >= measured.threshold
            when 'lead_not_contacted' then measured.days_since * 24 >= measured.threshold
            -- a stay longer than the limit, not equal to it: the limit is itself a stay
            when 'stuck_in_stage' then measured.days_since > measured.threshold
        end
)

select * from final
