-- one row per calendar per day of the spine; the working rule: Monday to Friday, except the
-- statutory holidays, plus the make-up workdays (调休) -- unless the calendar ignores public
-- holidays (24x7), which works every day
with calendars as (
    select * from {{ ref('service_calendars') }}
),

holidays as (
    select
        holiday_date,
        day_kind,
        holiday_name,
        source
    from {{ ref('holidays_cn') }}
    union all
    select
        holiday_date,
        day_kind,
        holiday_name,
        source
    from {{ ref('holidays_extra') }}
),

-- the spine covers every year the holiday seeds know, plus one more year under the weekday
-- rule so that clocks near the end of the known years still find a next working minute
bounds as (
    select
        cast(date_trunc('year', min(holiday_date)) as date) as first_day,
        cast(date_trunc('year', max(holiday_date)) + interval 2 year - interval 1 day as date) as last_day
    from holidays
),

spine as (
    select cast(series.generated_day as date) as calendar_date
    from (
        select {{ series_of('bounds.first_day', 'bounds.last_day', 'interval 1 day') }} as generated_day
        from bounds
    ) as series
),

days as (
    select
        calendars.calendar_id,
        spine.calendar_date,
        {{ iso_day_of_week('spine.calendar_date') }} >= 6 as is_weekend,
        holidays.day_kind as holiday_day_kind,
        holidays.holiday_name,
        calendars.observes_public_holidays,
        calendars.works_weekends
    from calendars
    cross join spine
    left join holidays on spine.calendar_date = holidays.holiday_date
),

final as (
    select
        calendar_id,
        calendar_date,
        is_weekend,
        case when observes_public_holidays then holiday_day_kind end as holiday_day_kind,
        case when observes_public_holidays then holiday_name end as holiday_name,
        case
            when works_weekends and not observes_public_holidays then true
            when observes_public_holidays and holiday_day_kind = 'holiday' then false
            when observes_public_holidays and holiday_day_kind = 'makeup_workday' then true
            else works_weekends or not is_weekend
        end as is_working_day
    from days
)

select * from final
