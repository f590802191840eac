{%- set current_only = optional_relation(source('crm', 'crm_opportunities_current')) -%}
-- the code sets its columns are tested against (relationships tests), built before it
-- depends_on: {{ ref('opportunity_stages') }}
-- depends_on: {{ ref('product_lines') }}
-- depends_on: {{ ref('sales_channels') }}
with opportunities as (
    {{ latest_export_rows(source('crm', 'crm_opportunities'), ['opportunity_id']) }}
),

final as (
    select
        opportunity_id,
        opportunity_name,
        account_id,
        owner_id,
        product_line,
        channel,
        lead_id,
        cast(amount as decimal(18, 2)) as amount,
        created_on,
        expected_close_on,
        current_stage,
        closed_on,
        lost_reason,
        false as is_current_stage_only,
        _exported_on as exported_on,
        _file_name as source_file_name,
        _row_number as source_row_number
    from opportunities
    {%- if current_only %}
        union all
        -- an export with the current stage only (see DECISIONLOG, "Thin exports"): the account
        -- and the owner are known by name (the owner becomes an employee of that name,
        -- int_employee_teams); the close date is the actual one of a closed deal, the
        -- expected one of an open deal; a report without a name, amount or close date gives
        -- none
        {%- set close_on = optional_column(current_only, 'close_on', 'date', 'current_only') %}
        select
            current_only.opportunity_id,
            {{ optional_column(current_only, 'opportunity_name', 'string', 'current_only') }} as opportunity_name,
            current_only.account_name as account_id,
            'name:' || current_only.owner_name as owner_id,
            cast(null as string) as product_line,
            cast(null as string) as channel,
            cast(null as string) as lead_id,
            cast({{ optional_column(current_only, 'amount', 'double', 'current_only') }} as decimal(18, 2)) as amount,
            current_only.created_on,
            case when not coalesce(stages.is_closed, false) then {{ close_on }} end
                as expected_close_on,
            current_only.current_stage,
            case when stages.is_closed then {{ close_on }} end as closed_on,
            cast(null as string) as lost_reason,
            true as is_current_stage_only,
            current_only._exported_on as exported_on,
            current_only._file_name as source_file_name,
            current_only._row_number as source_row_number
        from ({{ latest_export_rows(current_only, ['opportunity_id']) }}) as current_only
        left join {{ ref('opportunity_stages') }} as stages
            on current_only.current_stage = stages.stage_code
    {%- endif %}
)

select * from final
