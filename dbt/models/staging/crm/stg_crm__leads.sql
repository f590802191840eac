-- the code sets its columns are tested against (relationships tests), built before it
-- depends_on: {{ ref('product_lines') }}
-- depends_on: {{ ref('lead_sources') }}
with leads as (
    {{ latest_export_rows(source('crm', 'crm_leads'), ['lead_id']) }}
),

final as (
    select
        lead_id,
        lead_source,
        account_id,
        product_line,
        created_at,
        assigned_at,
        owner_id,
        first_contact_at,
        lead_status,
        campaign_id,
        _file_name as source_file_name,
        _row_number as source_row_number
    from leads
)

select * from final
