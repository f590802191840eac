with matches as (
    select * from {{ source('matching', 'customer_account_matches') }}
),

final as (
    select
        account_id,
        golden_customer_id,
        match_method,
        match_score,
        matched_to_account_id,
        match_evidence,
        normalized_name,
        name_core,
        name_branch,
        cluster_size
    from matches
)

select * from final
