-- the attainment mart counts every finished SLA target of the fact exactly once
with fact as (
    select
        count(*) as finished,
        count(*) filter (where is_met) as met
    from {{ ref('fct_service_sla_targets') }}
    where sla_status in ('met', 'breached')
),

mart as (
    select
        sum(targets_measured) as finished,
        sum(targets_met) as met
    from {{ ref('rpt_service_sla_attainment_monthly') }}
)

select
    fact.finished as fact_finished,
    fact.met as fact_met,
    mart.finished as mart_finished,
    mart.met as mart_met
from fact
cross join mart
where fact.finished != mart.finished or fact.met != mart.met
