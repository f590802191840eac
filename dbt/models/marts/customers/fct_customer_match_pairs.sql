-- the pairs worth an analyst's look: every decision and every pair scored at least half-alike
with pairs as (
    select * from {{ ref('stg_matching__match_pairs') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

final as (
    select
        pairs.account_id_a,
        accounts_a.account_name as account_name_a,
        pairs.account_id_b,
        accounts_b.account_name as account_name_b,
        pairs.name_score,
        pairs.address_score,
        pairs.same_phone,
        pairs.same_credit_code,
        pairs.credit_code_conflict,
        pairs.name_conflict,
        pairs.region_conflict,
        pairs.match_score,
        pairs.pair_decision,
        pairs.evidence
    from pairs
    inner join accounts as accounts_a on pairs.account_id_a = accounts_a.account_id
    inner join accounts as accounts_b on pairs.account_id_b = accounts_b.account_id
    where pairs.pair_decision != 'no_match' or pairs.match_score >= 0.5
)

select * from final
