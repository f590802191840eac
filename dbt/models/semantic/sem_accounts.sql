-- One row per CRM account: the golden customer it belongs to and that customer's tier and
-- hospital grade, so every metric keyed by account can be cut by customer tier.
with matches as (
    select * from {{ ref('fct_customer_account_matches') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
)

select
    matches.account_id,
    matches.golden_customer_id,
    customers.customer_tier,
    customers.hospital_grade
from matches
left join customers on matches.golden_customer_id = customers.golden_customer_id
