-- one row per collision: a golden customer whose records are owned by more than one rep, a
-- group whose member customers are, or a customer with open opportunities from several reps
with customer_accounts as (
    select * from {{ ref('int_customer_accounts') }}
),

hierarchy as (
    select * from {{ ref('int_customer_hierarchy') }}
),

opportunities as (
    select * from {{ ref('int_opportunities') }}
),

stages as (
    select * from {{ ref('opportunity_stages') }}
),

shared_followup as (
    select * from {{ ref('customer_shared_followup') }}
),

golden_names as (
    select
        golden_customer_id,
        account_name as customer_name,
        province
    from customer_accounts
    where survivorship_rank = 1
),

customer_owners as (
    select
        'customer_owners' as collision_type,
        golden_customer_id,
        count(distinct owner_id) as owners,
        count(distinct team_id) as teams,
        count(*) as account_records,
        {{ string_agg_distinct_sorted(
            "owner_name || ' (' || coalesce(team_name, '-') || ')'", "', '"
        ) }} as owner_names,
        {{ string_agg_distinct_sorted('region_name', "', '") }} as region_names,
        {{ string_agg_ordered(
            "account_id || ' ' || account_name || ' → ' || coalesce(owner_name, owner_id)
            || ' [' || match_method || ' ' || round(match_score, 2) || ': '
            || match_evidence || ']'",
            "'; '",
            'account_id'
        ) }} as evidence,
        0 as open_opportunities,
        cast(0 as decimal(18, 2)) as open_amount
    from customer_accounts
    group by golden_customer_id
    having count(distinct owner_id) > 1
),

group_members as (
    select
        hierarchy.top_group_customer_id,
        customer_accounts.*
    from customer_accounts
    inner join hierarchy on customer_accounts.golden_customer_id = hierarchy.golden_customer_id
),

group_owners as (
    select
        'group_owners' as collision_type,
        top_group_customer_id as golden_customer_id,
        count(distinct owner_id) as owners,
        count(distinct team_id) as teams,
        count(*) as account_records,
        {{ string_agg_distinct_sorted(
            "owner_name || ' (' || coalesce(team_name, '-') || ')'", "', '"
        ) }} as owner_names,
        {{ string_agg_distinct_sorted('region_name', "', '") }} as region_names,
        {{ string_agg_ordered(
            "account_id || ' ' || account_name || ' → ' || coalesce(owner_name, owner_id)",
            "'; '",
            'account_id'
        ) }} as evidence,
        0 as open_opportunities,
        cast(0 as decimal(18, 2)) as open_amount
    from group_members
    group by top_group_customer_id
    having count(distinct golden_customer_id) > 1 and count(distinct owner_id) > 1
),

open_opportunities as (
    select
        customer_accounts.golden_customer_id,
        customer_accounts.account_name,
        opportunities.opportunity_id,
        opportunities.owner_id,
        opportunities.owner_name,
        opportunities.team_id,
        opportunities.team_name,
        opportunities.region_name,
        opportunities.amount
    from opportunities
    inner join customer_accounts on opportunities.account_id = customer_accounts.account_id
    inner join stages on opportunities.current_stage = stages.stage_code
    where not stages.is_closed
),

competing_opportunities as (
    select
        'open_opportunities' as collision_type,
        golden_customer_id,
        count(distinct owner_id) as owners,
        count(distinct team_id) as teams,
        count(distinct account_name) as account_records,
        {{ string_agg_distinct_sorted(
            "owner_name || ' (' || coalesce(team_name, '-') || ')'", "', '"
        ) }} as owner_names,
        {{ string_agg_distinct_sorted('region_name', "', '") }} as region_names,
        {{ string_agg_ordered(
            "opportunity_id || ' @ ' || account_name || ' → ' || coalesce(owner_name, owner_id)
            || ' ' || coalesce(cast(amount as string), '-')",
            "'; '",
            'opportunity_id'
        ) }} as evidence,
        count(*) as open_opportunities,
        cast(sum(amount) as decimal(18, 2)) as open_amount
    from open_opportunities
    group by golden_customer_id
    having count(distinct owner_id) > 1
),

collisions as (
    select * from customer_owners
    union all
    select * from group_owners
    union all
    select * from competing_opportunities
),

final as (
    select
        collisions.collision_type || ':' || collisions.golden_customer_id as collision_id,
        collisions.collision_type,
        collisions.golden_customer_id,
        golden_names.customer_name,
        golden_names.province,
        collisions.region_names,
        collisions.owners,
        collisions.teams,
        collisions.owner_names,
        collisions.account_records,
        collisions.open_opportunities,
        collisions.open_amount,
        collisions.evidence,
        shared_followup.golden_customer_id is not null as is_shared_followup,
        shared_followup.reason as shared_followup_reason
    from collisions
    inner join golden_names on collisions.golden_customer_id = golden_names.golden_customer_id
    left join shared_followup
        on collisions.golden_customer_id = shared_followup.golden_customer_id
)

select * from final
