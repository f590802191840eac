-- The open pipeline as it stood at each forecast origin: 00:00 on the first day of every month
-- of history, and the latest moment the CRM export describes. Each row also carries what
-- finally became of the deal (as of the latest export), which is what the weighted forecast
-- learns from and what the backtest compares with.
with history as (
    select * from {{ ref('int_opportunity_history') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

stage_spells as (
    select * from {{ ref('int_opportunity_stage_spells') }}
),

data_as_of as (
    select
        min(entered_at) as first_change_at,
        max(entered_at) as latest_change_at
    from stage_spells
),

month_starts as (
    select
        {{ series_of(
            "date_trunc('month', first_change_at) + interval 1 month",
            'latest_change_at',
            'interval 1 month'
        ) }} as origin_at
    from data_as_of
),

-- a month start that is the latest moment itself (an export known by dates only, whose
-- latest change fell on the 1st at 00:00) is that moment's snapshot once, as the latest
origins as (
    select
        cast(month_starts.origin_at as timestamp) as origin_at,
        false as is_latest
    from month_starts, data_as_of
    where month_starts.origin_at < data_as_of.latest_change_at
    union all
    select
        latest_change_at as origin_at,
        true as is_latest
    from data_as_of
),

final_outcomes as (
    select
        opportunity_id,
        closed_on,
        case
            when current_stage = 'won' then 'won'
            when current_stage = 'lost' then 'lost'
            else 'open'
        end as final_outcome
    from opportunities
),

final as (
    select
        origins.origin_at,
        cast(date_trunc('month', origins.origin_at) as date) as origin_month,
        origins.is_latest,
        history.opportunity_id,
        history.stage_code,
        history.stage_order,
        history.owner_id,
        history.team_id,
        history.team_name,
        history.province_unit_name,
        history.region_name,
        history.product_line,
        history.channel,
        history.account_id,
        history.created_on,
        history.amount,
        history.expected_close_on,
        history.is_first_exported_version,
        final_outcomes.final_outcome,
        final_outcomes.closed_on,
        {{ date_diff_in(
            'month', "date_trunc('month', origins.origin_at)", 'final_outcomes.closed_on'
        ) }} as months_to_close
    from origins
    inner join history
        on
            origins.origin_at >= history.valid_from
            and (origins.origin_at < history.valid_to or history.valid_to is null)
    inner join final_outcomes on history.opportunity_id = final_outcomes.opportunity_id
    where not history.is_closed
)

select * from final
