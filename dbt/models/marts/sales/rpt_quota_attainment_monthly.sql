with quotas as (
    select * from {{ ref('stg_crm__quotas') }}
),

opportunities as (
    select * from {{ ref('int_opportunities') }}
),

employee_teams as (
    select * from {{ ref('int_employee_teams') }}
),

monthly_quotas as (
    select
        employee_id,
        cast(concat(quota_month, '-01') as date) as month_start,
        quota_amount
    from quotas
),

-- bookings: the expected amount (CNY) of deals won, in the month they closed
monthly_bookings as (
    select
        owner_id as employee_id,
        cast(date_trunc('month', closed_on) as date) as month_start,
        count(*) as deals_won,
        sum(amount) as bookings_amount
    from opportunities
    where current_stage = 'won' and closed_on is not null
    group by all
),

rep_months as (
    select
        coalesce(monthly_quotas.employee_id, monthly_bookings.employee_id) as employee_id,
        coalesce(monthly_quotas.month_start, monthly_bookings.month_start) as month_start,
        monthly_quotas.quota_amount,
        coalesce(monthly_bookings.deals_won, 0) as deals_won,
        coalesce(monthly_bookings.bookings_amount, 0) as bookings_amount
    from monthly_quotas
    full outer join monthly_bookings
        on
            monthly_quotas.employee_id = monthly_bookings.employee_id
            and monthly_quotas.month_start = monthly_bookings.month_start
),

final as (
    select
        rep_months.month_start,
        {{ month_label('rep_months.month_start') }} as quota_month,
        cast(date_trunc('quarter', rep_months.month_start) as date) as quarter_start,
        year(rep_months.month_start) || '-Q' || quarter(rep_months.month_start) as quarter_label,
        rep_months.employee_id,
        employee_teams.employee_name,
        employee_teams.team_id,
        employee_teams.team_name,
        employee_teams.province_unit_id,
        employee_teams.province_unit_name,
        employee_teams.region_id,
        employee_teams.region_name,
        rep_months.quota_amount,
        rep_months.deals_won,
        cast(rep_months.bookings_amount as decimal(18, 2)) as bookings_amount,
        case
            when rep_months.quota_amount > 0
                then cast(rep_months.bookings_amount as double) / cast(rep_months.quota_amount as double)
        end as attainment
    from rep_months
    left join employee_teams on rep_months.employee_id = employee_teams.employee_id
)

select * from final
