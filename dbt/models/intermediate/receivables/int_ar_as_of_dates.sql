{#- Extra as-of dates on demand: dbt build --vars '{ar_extra_as_of_dates: ["2026-10-15"]}' -#}
with statements as (
    select * from {{ ref('stg_erp__statements') }}
),

applications as (
    select * from {{ ref('int_ar_applications') }}
),

-- the data reach up to the latest statement or posting MedOps has seen
bounds as (
    select
        cast(date_trunc('month', min(statements.statement_on)) as date) as first_month,
        greatest(
            max(statements.statement_on),
            (select max(applications.counts_from) from applications)
        ) as data_as_of
    from statements
),

-- a month that starts on the data date itself ends after it: the final filter drops it
month_starts as (
    select
        {{ series_of('bounds.first_month', 'bounds.data_as_of', 'interval 1 month') }}
            as month_start
    from bounds
),

month_ends as (
    select cast(last_day(month_starts.month_start) as date) as as_of_date
    from month_starts
),

requested as (
    select bounds.data_as_of as as_of_date
    from bounds
    {%- for as_of in var('ar_extra_as_of_dates', []) %}
        union all
        select cast('{{ as_of }}' as date) as as_of_date
    {%- endfor %}
),

candidates as (
    select month_ends.as_of_date from month_ends
    union
    select requested.as_of_date from requested
),

final as (
    select
        candidates.as_of_date,
        candidates.as_of_date = last_day(candidates.as_of_date) as is_month_end,
        candidates.as_of_date = bounds.data_as_of as is_latest
    from candidates
    cross join bounds
    where candidates.as_of_date <= bounds.data_as_of
)

select * from final
