{{ incremental_export_config(['ticket_id', 'change_no']) }}
{%- set event_log = optional_relation(source('service', 'fsm_ticket_events')) -%}
-- the code sets its columns are tested against (relationships tests), built before it
-- depends_on: {{ ref('service_ticket_statuses') }}
-- depends_on: {{ ref('service_priorities') }}
with history as (
    {{ latest_export_rows(source('service', 'svc_ticket_history'), ['ticket_id', 'change_no'], changed_only=true) }}
),

final as (
    select
        ticket_id,
        change_no,
        changed_at,
        ticket_status,
        priority,
        _file_name as source_file_name,
        _row_number as source_row_number,
        _load_id as source_load_id
    from history
    {%- if event_log %}
        union all
        -- each update in a service desk's event log is a status change (see stg_service__tickets)
        select
            ticket_id,
            update_no as change_no,
            event_at as changed_at,
            ticket_status,
            priority,
            _file_name as source_file_name,
            _row_number as source_row_number,
            _load_id as source_load_id
        from ({{ latest_export_rows(event_log, ['ticket_id', 'update_no']) }})
    {%- endif %}
)

select * from final
