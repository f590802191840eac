with customer_accounts as (
    select * from {{ ref('int_customer_accounts') }}
),

golden_names as (
    select
        golden_customer_id,
        account_name as customer_name
    from customer_accounts
    where survivorship_rank = 1
),

final as (
    select
        customer_accounts.account_id,
        customer_accounts.golden_customer_id,
        golden_names.customer_name,
        customer_accounts.account_name,
        customer_accounts.normalized_name,
        customer_accounts.name_branch,
        customer_accounts.match_method,
        customer_accounts.match_score,
        customer_accounts.matched_to_account_id,
        customer_accounts.match_evidence,
        customer_accounts.cluster_size,
        customer_accounts.owner_id,
        customer_accounts.owner_name,
        customer_accounts.team_id,
        customer_accounts.team_name,
        customer_accounts.created_on
    from customer_accounts
    inner join golden_names
        on customer_accounts.golden_customer_id = golden_names.golden_customer_id
)

select * from final
