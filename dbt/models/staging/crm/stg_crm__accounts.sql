-- the code sets its columns are tested against (relationships tests), built before it
-- depends_on: {{ ref('account_types') }}
with accounts as (
    {{ latest_export_rows(source('crm', 'crm_accounts'), ['account_id']) }}
),

final as (
    select
        account_id,
        account_name,
        account_type,
        hospital_grade,
        parent_account_id,
        province,
        city,
        district,
        address,
        phone,
        credit_code,
        owner_id,
        created_on,
        -- the account's map position as exported (two columns, or one "lng,lat" text) and
        -- its frame; int_geo__account_coordinates reads and checks it
        cast(longitude as double) as longitude,
        cast(latitude as double) as latitude,
        coordinates,
        coordinate_system,
        _file_name as source_file_name,
        _row_number as source_row_number
    from accounts
)

select * from final
