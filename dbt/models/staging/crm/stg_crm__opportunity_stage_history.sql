{{ incremental_export_config(['opportunity_id', 'entered_at']) }}
-- the code sets its columns are tested against (relationships tests), built before it
-- depends_on: {{ ref('opportunity_stages') }}
with opportunity_stage_history as (
    {{ latest_export_rows(
        source('crm', 'crm_opportunity_stage_history'),
        ['opportunity_id', 'entered_at'],
        changed_only=true
    ) }}
),

final as (
    select
        opportunity_id,
        stage,
        entered_at,
        changed_by,
        _file_name as source_file_name,
        _row_number as source_row_number,
        _load_id as source_load_id
    from opportunity_stage_history
)

select * from final
