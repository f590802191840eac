-- One row per child row held back from the marts because its parent is not in the warehouse
-- (quarantined at ingest, or missing from the parent export): a stage change of an
-- opportunity that did not load would enter the funnel without product or team, and the
-- funnel would divide by deals the opportunity marts do not have. See DECISIONLOG.md,
-- "Held-back child rows"; rpt_quarantine_reasons counts them by file and reason.
with stage_history as (
    {{ held_back_child_rows(
        'stg_crm__opportunity_stage_history', 'stg_crm__opportunities', 'opportunity_id',
        'crm_opportunity_stage_history', 'crm_opportunities'
    ) }}
),

ticket_history as (
    {{ held_back_child_rows(
        'stg_service__ticket_history', 'stg_service__tickets', 'ticket_id',
        'svc_ticket_history', 'svc_tickets'
    ) }}
),

-- an instalment plan of a statement that did not load would leave its amount owed nowhere
installment_plans as (
    {{ held_back_child_rows(
        'stg_erp__statement_installments', 'stg_erp__statements', 'statement_id',
        'erp_statement_installments', 'erp_statements'
    ) }}
),

final as (
    select * from stage_history
    union all
    select * from ticket_history
    union all
    select * from installment_plans
)

select * from final
