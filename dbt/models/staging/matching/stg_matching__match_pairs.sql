with pairs as (
    select * from {{ source('matching', 'customer_match_pairs') }}
),

final as (
    select
        account_id_a,
        account_id_b,
        name_score,
        address_score,
        same_phone,
        same_credit_code,
        credit_code_conflict,
        name_conflict,
        region_conflict,
        match_score,
        pair_decision,
        evidence
    from pairs
)

select * from final
