-- One row per month and team: the weighted open pipeline at the month's start against the
-- quota of that month and the next (coverage_months - 1) months. Coverage 1.0 means the
-- pipeline is expected to bring in exactly the quota still to be met. Definitions:
-- DECISIONLOG.md, "Pipeline coverage".
with health as (
    select * from {{ ref('rpt_pipeline_health_monthly') }}
),

quotas as (
    select * from {{ ref('stg_crm__quotas') }}
),

reps as (
    select * from {{ ref('int_employee_teams') }}
),

settings as (
    select * from {{ ref('forecast_settings') }}
),

team_pipeline as (
    select
        month_start,
        team_id,
        any_value(team_name) as team_name,
        any_value(province_unit_name) as province_unit_name,
        any_value(region_name) as region_name,
        sum(open_amount) as open_amount,
        {{ exact_sum('weighted_open_amount') }} as weighted_open_amount
    from health
    group by month_start, team_id
),

team_quota as (
    select
        reps.team_id,
        cast(quotas.quota_month || '-01' as date) as month_start,
        sum(quotas.quota_amount) as quota_amount
    from quotas
    inner join reps on quotas.employee_id = reps.employee_id
    group by all
),

quota_ahead as (
    select
        team_pipeline.month_start,
        team_pipeline.team_id,
        sum(team_quota.quota_amount) as quota_amount
    from team_pipeline
    cross join settings
    inner join team_quota
        on
            team_pipeline.team_id = team_quota.team_id
            and team_pipeline.month_start <= team_quota.month_start
            and team_quota.month_start
            < {{ months_after('team_pipeline.month_start', 'settings.coverage_months') }}
    group by team_pipeline.month_start, team_pipeline.team_id
),

final as (
    select
        team_pipeline.month_start,
        team_pipeline.team_id,
        team_pipeline.team_name,
        team_pipeline.province_unit_name,
        team_pipeline.region_name,
        settings.coverage_months,
        cast(team_pipeline.open_amount as decimal(18, 2)) as open_amount,
        team_pipeline.weighted_open_amount,
        cast(quota_ahead.quota_amount as decimal(18, 2)) as quota_amount,
        case
            when quota_ahead.quota_amount > 0
                then team_pipeline.weighted_open_amount / quota_ahead.quota_amount
        end as coverage
    from team_pipeline
    cross join settings
    left join quota_ahead
        on
            team_pipeline.month_start = quota_ahead.month_start
            and team_pipeline.team_id is not distinct from quota_ahead.team_id
)

select * from final
