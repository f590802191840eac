{%- set event_log = optional_relation(source('service', 'fsm_ticket_events')) -%}
-- the code sets its columns are tested against (relationships tests), built before it
-- depends_on: {{ ref('service_ticket_channels') }}
-- depends_on: {{ ref('service_priorities') }}
-- depends_on: {{ ref('service_ticket_statuses') }}
with tickets as (
    {{ latest_export_rows(source('service', 'svc_tickets'), ['ticket_id']) }}
),

final as (
    select
        ticket_id,
        serial_no,
        account_id,
        channel,
        priority,
        fault_type,
        created_at,
        accepted_at,
        dispatched_at,
        arrived_at,
        resolved_at,
        closed_at,
        engineer_id,
        resolution_mode,
        ticket_status,
        satisfaction,
        true as source_records_devices,
        _file_name as source_file_name,
        _row_number as source_row_number
    from tickets
    {%- if event_log %}
        union all
        -- a service desk's event log (see DECISIONLOG, "Thin exports"): a ticket is its latest
        -- update; accepted when it first left 新建 (New); the customer known by its location's
        -- name, the engineer by name; no device, so the SLA is the default policy of its
        -- priority (device class '*' in service_sla_policies); a log without a location,
        -- category, assignee or resolution and closing times gives none
        select
            events.ticket_id,
            cast(null as string) as serial_no,
            {{ optional_column(event_log, 'location', 'string', 'events') }} as account_id,
            cast(null as string) as channel,
            events.priority,
            {{ optional_column(event_log, 'category', 'string', 'events') }} as fault_type,
            events.opened_at as created_at,
            accepted.accepted_at,
            cast(null as timestamp) as dispatched_at,
            cast(null as timestamp) as arrived_at,
            {{ optional_column(event_log, 'resolved_at', 'timestamp', 'events') }} as resolved_at,
            {{ optional_column(event_log, 'closed_at', 'timestamp', 'events') }} as closed_at,
            {{ optional_column(event_log, 'assigned_to', 'string', 'events') }} as engineer_id,
            cast(null as string) as resolution_mode,
            events.ticket_status,
            cast(null as bigint) as satisfaction,
            false as source_records_devices,
            events._file_name as source_file_name,
            events._row_number as source_row_number
        from ({{ latest_export_rows(event_log, ['ticket_id', 'update_no']) }}) as events
        left join (
            select
                ticket_id,
                min(event_at) filter (where ticket_status != 'new') as accepted_at
            from {{ event_log }}
            group by ticket_id
        ) as accepted on events.ticket_id = accepted.ticket_id
        qualify row_number() over (
            partition by events.ticket_id order by events.update_no desc
        ) = 1
    {%- endif %}
)

select * from final
