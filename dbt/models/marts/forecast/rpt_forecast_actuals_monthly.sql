-- Monthly bookings and collections per forecast series (company, product line, team), every
-- month of the history filled (a month without any is 0), and whether the month is complete.
with opportunities as (
    select * from {{ ref('int_opportunities') }}
),

payments as (
    select * from {{ ref('stg_erp__payments') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

owners as (
    select * from {{ ref('int_employee_teams') }}
),

product_lines as (
    select * from {{ ref('product_lines') }}
),

stage_spells as (
    select * from {{ ref('int_opportunity_stage_spells') }}
),

data_as_of as (
    select max(entered_at) as latest_change_at from stage_spells
),

events as (
    select
        'bookings' as measure,
        cast(date_trunc('month', closed_on) as date) as month_start,
        product_line,
        team_id,
        team_name,
        amount
    from opportunities
    where current_stage = 'won' and closed_on is not null
    union all
    select
        'collections' as measure,
        cast(date_trunc('month', payments.paid_on) as date) as month_start,
        null as product_line,
        owners.team_id,
        owners.team_name,
        payments.payment_amount as amount
    from payments
    left join accounts on payments.account_id = accounts.account_id
    left join owners on accounts.owner_id = owners.employee_id
    where payments.paid_on is not null
),

series_events as (
    select
        measure,
        month_start,
        'company' as series_level,
        'all' as series_key,
        null as series_name,
        amount
    from events
    union all
    select
        events.measure,
        events.month_start,
        'product_line' as series_level,
        events.product_line as series_key,
        product_lines.product_line_name_zh as series_name,
        events.amount
    from events
    left join product_lines on events.product_line = product_lines.product_line
    where events.product_line is not null
    union all
    select
        measure,
        month_start,
        'team' as series_level,
        coalesce(team_id, 'unassigned') as series_key,
        team_name as series_name,
        amount
    from events
),

month_series as (
    select
        {{ series_of(
            '(select min(month_start) from events)',
            "cast(date_trunc('month', data_as_of.latest_change_at) as date)",
            'interval 1 month'
        ) }} as month_start
    from data_as_of
),

months as (
    select cast(month_start as date) as month_start from month_series
),

series as (
    select
        measure,
        series_level,
        series_key,
        any_value(series_name) as series_name
    from series_events
    group by measure, series_level, series_key
),

monthly as (
    select
        measure,
        series_level,
        series_key,
        month_start,
        sum(amount) as amount,
        count(*) as events
    from series_events
    group by measure, series_level, series_key, month_start
),

final as (
    select
        series.measure,
        series.series_level,
        series.series_key,
        series.series_name,
        months.month_start,
        months.month_start < date_trunc('month', data_as_of.latest_change_at) as is_complete,
        cast(coalesce(monthly.amount, 0) as decimal(18, 2)) as actual_amount,
        coalesce(monthly.events, 0) as events
    from series
    cross join months
    cross join data_as_of
    left join monthly
        on
            series.measure = monthly.measure
            and series.series_level = monthly.series_level
            and series.series_key = monthly.series_key
            and months.month_start = monthly.month_start
    where months.month_start <= date_trunc('month', data_as_of.latest_change_at)
)

select * from final
