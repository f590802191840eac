with customer_accounts as (
    select * from {{ ref('int_customer_accounts') }}
),

hierarchy as (
    select * from {{ ref('int_customer_hierarchy') }}
),

value_monthly as (
    select * from {{ ref('int_customer_value_monthly') }}
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

-- survivorship: each field from the golden record's own source, else the newest record
-- that has it (survivorship_rank orders them)
golden as (
    select
        golden_customer_id,
        min_by(account_name, survivorship_rank) as customer_name,
        min_by(account_type, survivorship_rank) filter (
            where account_type is not null
        ) as account_type,
        min_by(hospital_grade, survivorship_rank) filter (
            where hospital_grade is not null
        ) as hospital_grade,
        min_by(province, survivorship_rank) filter (
            where province is not null
        ) as province,
        min_by(city, survivorship_rank) filter (where city is not null) as city,
        min_by(district, survivorship_rank) filter (
            where district is not null
        ) as district,
        min_by(address, survivorship_rank) filter (
            where address is not null
        ) as address,
        min_by(phone, survivorship_rank) filter (where phone is not null) as phone,
        min_by(credit_code, survivorship_rank) filter (
            where credit_code is not null
        ) as credit_code,
        min_by(owner_id, survivorship_rank) filter (
            where owner_id is not null
        ) as owner_id,
        count(*) as source_records,
        {{ string_agg_distinct_sorted('account_name', "' | '") }} as name_variants,
        min(created_on) as first_created_on
    from customer_accounts
    group by golden_customer_id
),

owners as (
    select distinct
        owner_id,
        owner_name,
        team_id,
        team_name,
        region_name
    from customer_accounts
),

contact_counts as (
    select
        customer_accounts.golden_customer_id,
        count(*) as contacts
    from contacts
    inner join customer_accounts on contacts.account_id = customer_accounts.account_id
    group by customer_accounts.golden_customer_id
),

latest_value as (
    select *
    from value_monthly
    qualify row_number() over (
        partition by golden_customer_id order by month_start desc
    ) = 1
),

subsidiary_counts as (
    select
        parent_golden_customer_id as golden_customer_id,
        count(*) as direct_subsidiaries
    from hierarchy
    where parent_golden_customer_id is not null
    group by parent_golden_customer_id
),

final as (
    select
        golden.golden_customer_id,
        golden.customer_name,
        golden.account_type,
        golden.hospital_grade,
        golden.province,
        golden.city,
        golden.district,
        golden.address,
        {{ mask_personal_text('golden.phone') }} as phone,
        golden.credit_code,
        golden.owner_id,
        owners.owner_name,
        owners.team_id,
        owners.team_name,
        owners.region_name,
        golden.source_records,
        golden.name_variants,
        golden.first_created_on,
        hierarchy.parent_golden_customer_id,
        hierarchy.top_group_customer_id,
        top_group.customer_name as top_group_name,
        hierarchy.hierarchy_level,
        coalesce(subsidiary_counts.direct_subsidiaries, 0) as direct_subsidiaries,
        coalesce(contact_counts.contacts, 0) as contacts,
        latest_value.month_start as value_month,
        latest_value.revenue_12m,
        latest_value.value_score,
        latest_value.customer_tier,
        -- profile completeness: share of the key fields that are filled; the grade only
        -- counts for hospitals
        (
            (golden.account_type is not null)::int
            + (golden.address is not null)::int
            + (golden.phone is not null)::int
            + (golden.credit_code is not null)::int
            + (golden.owner_id is not null)::int
            + (coalesce(contact_counts.contacts, 0) > 0)::int
            + (
                coalesce(golden.account_type = 'hospital', false)
                and golden.hospital_grade is not null
            )::int
        ) / (6 + coalesce(golden.account_type = 'hospital', false)::int)::double
            as profile_completeness
    from golden
    inner join hierarchy on golden.golden_customer_id = hierarchy.golden_customer_id
    left join golden as top_group
        on hierarchy.top_group_customer_id = top_group.golden_customer_id
    left join owners on golden.owner_id = owners.owner_id
    left join contact_counts on golden.golden_customer_id = contact_counts.golden_customer_id
    left join latest_value on golden.golden_customer_id = latest_value.golden_customer_id
    left join subsidiary_counts
        on golden.golden_customer_id = subsidiary_counts.golden_customer_id
)

select * from final
