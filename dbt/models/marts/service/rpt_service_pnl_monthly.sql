{#- a service contract's fee earned in a month: its daily fee times its covered days -#}
{% set earned_fee -%}
            cast(contracts.annual_fee as double) / 365.0
            * greatest(
                {{ date_diff_in(
                    'day',
                    'greatest(contracts.starts_on, months.month_start)',
                    'least(contracts.ends_on, cast(months.month_start + interval 1 month - interval 1 day as date),'
                    ~ ' ticket_window.last_day)'
                ) }} + 1,
                0
            )
{%- endset %}
-- one row per region x month: service revenue (service contracts, spread over the days they
-- cover; paid repairs, on the day charged) against service cost (engineer hours and travel
-- from the worklogs at the seed's rates, parts used at cost), over the months the ticket
-- history covers. Region = the sales region of the customer's province.
with tickets as (
    select * from {{ ref('fct_service_tickets') }}
),

contracts as (
    select * from {{ ref('stg_service__service_contracts') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

province_regions as (
    select * from {{ ref('int_service_province_regions') }}
),

charges as (
    select * from {{ ref('stg_service__repair_charges') }}
),

worklogs as (
    select * from {{ ref('stg_service__engineer_worklogs') }}
),

parameters as (
    select
        max(value) filter (where parameter = 'engineer_cost_per_hour') as cost_per_hour,
        max(value) filter (where parameter = 'travel_cost_per_km') as cost_per_km
    from {{ ref('service_parameters') }}
),

ticket_window as (
    select
        cast(date_trunc('month', min(created_at)) as date) as first_month,
        cast(max(as_of_at) as date) as last_day
    from tickets
),

months as (
    select cast(series.generated_month as date) as month_start
    from (
        select
            {{ series_of('ticket_window.first_month', 'ticket_window.last_day', 'interval 1 month') }}
                as generated_month
        from ticket_window
    ) as series
),

account_regions as (
    select
        accounts.account_id,
        province_regions.region_id,
        province_regions.region_name
    from accounts
    left join province_regions on accounts.province = province_regions.province
),

-- contract fee per covered day, in each month (days after the as-of date are not earned yet)
contract_revenue as (
    select
        account_regions.region_id,
        account_regions.region_name,
        months.month_start,
        {{ exact_sum(earned_fee) }} as contract_revenue
    from contracts
    cross join months
    cross join ticket_window
    left join account_regions on contracts.account_id = account_regions.account_id
    where contracts.starts_on < months.month_start + interval 1 month and contracts.ends_on >= months.month_start
    group by all
),

repair_revenue as (
    select
        tickets.region_id,
        tickets.region_name,
        cast(date_trunc('month', charges.charged_on) as date) as month_start,
        sum(charges.charge_amount) as repair_revenue
    from charges
    inner join tickets on charges.ticket_id = tickets.ticket_id
    group by all
),

labour_cost as (
    select
        tickets.region_id,
        tickets.region_name,
        cast(date_trunc('month', worklogs.worked_on) as date) as month_start,
        {{ exact_sum('worklogs.work_hours') }} as engineer_hours,
        {{ exact_sum('worklogs.work_hours') }} * any_value(parameters.cost_per_hour) as engineer_cost,
        {{ exact_sum('worklogs.travel_km') }} * any_value(parameters.cost_per_km) as travel_cost
    from worklogs
    cross join parameters
    inner join tickets on worklogs.ticket_id = tickets.ticket_id
    group by all
),

parts_cost as (
    select
        region_id,
        region_name,
        cast(date_trunc('month', first_resolved_at) as date) as month_start,
        sum(parts_cost) as parts_cost
    from tickets
    where first_resolved_at is not null and parts_cost > 0
    group by all
),

keys as (
    select
        region_id,
        region_name,
        month_start
    from contract_revenue
    union
    select
        region_id,
        region_name,
        month_start
    from repair_revenue
    union
    select
        region_id,
        region_name,
        month_start
    from labour_cost
    union
    select
        region_id,
        region_name,
        month_start
    from parts_cost
),

final as (
    select
        keys.region_id,
        keys.region_name,
        keys.month_start,
        cast(coalesce(contract_revenue.contract_revenue, 0) as decimal(18, 2)) as contract_revenue,
        cast(coalesce(repair_revenue.repair_revenue, 0) as decimal(18, 2)) as repair_revenue,
        cast(
            coalesce(contract_revenue.contract_revenue, 0) + coalesce(repair_revenue.repair_revenue, 0)
            as decimal(18, 2)
        ) as revenue,
        coalesce(labour_cost.engineer_hours, 0) as engineer_hours,
        cast(coalesce(labour_cost.engineer_cost, 0) as decimal(18, 2)) as engineer_cost,
        cast(coalesce(labour_cost.travel_cost, 0) as decimal(18, 2)) as travel_cost,
        cast(coalesce(parts_cost.parts_cost, 0) as decimal(18, 2)) as parts_cost,
        cast(
            coalesce(labour_cost.engineer_cost, 0)
            + coalesce(labour_cost.travel_cost, 0)
            + coalesce(parts_cost.parts_cost, 0)
            as decimal(18, 2)
        ) as total_cost,
        cast(
            coalesce(contract_revenue.contract_revenue, 0) + coalesce(repair_revenue.repair_revenue, 0)
            - coalesce(labour_cost.engineer_cost, 0) - coalesce(labour_cost.travel_cost, 0)
            - coalesce(parts_cost.parts_cost, 0)
            as decimal(18, 2)
        ) as margin
    from keys
    left join contract_revenue
        on
            keys.region_id is not distinct from contract_revenue.region_id
            and keys.month_start = contract_revenue.month_start
    left join repair_revenue
        on
            keys.region_id is not distinct from repair_revenue.region_id
            and keys.month_start = repair_revenue.month_start
    left join labour_cost
        on keys.region_id is not distinct from labour_cost.region_id and keys.month_start = labour_cost.month_start
    left join parts_cost
        on keys.region_id is not distinct from parts_cost.region_id and keys.month_start = parts_cost.month_start
    where keys.month_start >= (select ticket_window.first_month from ticket_window)
)

select * from final
