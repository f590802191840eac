with contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

final as (
    select
        contacts.contact_id,
        contacts.account_id,
        accounts.account_name,
        contacts.department,
        contacts.title,
        {{ mask_personal_data('contacts.contact_name', 'name') }} as contact_name,
        {{ mask_personal_data('contacts.mobile', 'phone') }} as mobile
    from contacts
    left join accounts on contacts.account_id = accounts.account_id
)

select * from final
