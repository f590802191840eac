with accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

matches as (
    select * from {{ ref('stg_matching__account_matches') }}
),

owners as (
    select * from {{ ref('int_employee_teams') }}
),

final as (
    select
        accounts.account_id,
        matches.golden_customer_id,
        accounts.account_name,
        accounts.account_type,
        accounts.hospital_grade,
        accounts.parent_account_id,
        accounts.province,
        accounts.city,
        accounts.district,
        accounts.address,
        accounts.phone,
        accounts.credit_code,
        accounts.owner_id,
        owners.employee_name as owner_name,
        owners.team_id,
        owners.team_name,
        owners.province_unit_name,
        owners.region_name,
        owners.left_on as owner_left_on,
        accounts.created_on,
        matches.match_method,
        matches.match_score,
        matches.matched_to_account_id,
        matches.match_evidence,
        matches.normalized_name,
        matches.name_branch,
        matches.cluster_size,
        -- survivorship order: the golden record's own source first, then the newest record
        row_number() over (
            partition by matches.golden_customer_id
            order by
                accounts.account_id = matches.golden_customer_id desc,
                accounts.created_on desc,
                accounts.account_id asc
        ) as survivorship_rank
    from accounts
    inner join matches on accounts.account_id = matches.account_id
    left join owners on accounts.owner_id = owners.employee_id
)

select * from final
