-- one row per won deal and step where money leaked, with the amount and the reason the data
-- gives (DECISIONLOG, "Deal to cash"): the leakage table of the 销售到回款 page and its
-- drill-down to deals
with deals as (
    select * from {{ ref('fct_deal_to_cash') }}
),

lines as (
    select * from {{ ref('int_d2c_order_lines') }}
    where opportunity_id is not null and statement_id is not null
),

credit_notes as (
    select * from {{ ref('stg_erp__credit_notes') }}
),

as_of as (
    select max(as_of_date) as as_of_date from {{ ref('int_ar_as_of_dates') }}
    where is_latest
),

-- credit notes by reason, shared among a statement's lines like its cash
credited_by_reason as (
    select
        lines.opportunity_id,
        credit_notes.credit_reason,
        sum(lines.statement_share * credit_notes.credit_amount) as amount
    from lines
    cross join as_of
    inner join credit_notes
        on
            lines.statement_id = credit_notes.statement_id
            and as_of.as_of_date >= credit_notes.issued_on
    group by all
),

steps as (
    select
        opportunity_id,
        'won_to_contract' as step,
        case when contracts = 0 then 'no_contract' else 'contract_below_won' end as reason,
        won_amount - contract_amount as amount
    from deals
    union all
    select
        opportunity_id,
        'contract_to_order' as step,
        case when order_lines = 0 then 'no_order' else 'ordered_below_contract' end as reason,
        contract_amount - ordered_amount as amount
    from deals
    where contracts > 0
    union all
    select
        opportunity_id,
        'order_to_bill' as step,
        'not_billed' as reason,
        ordered_amount - billed_amount as amount
    from deals
    union all
    select
        opportunity_id,
        'bill_to_cash' as step,
        -- a credit note exported without its 冲红原因 still leaked money
        'credit_note:' || coalesce(credit_reason, 'not_given') as reason,
        amount
    from credited_by_reason
    union all
    select
        opportunity_id,
        'bill_to_cash' as step,
        'outstanding' as reason,
        outstanding_amount as amount
    from deals
),

final as (
    select
        deals.opportunity_id,
        deals.won_month,
        deals.product_line,
        deals.region_id,
        deals.province_unit_id,
        deals.team_id,
        deals.owner_id,
        deals.golden_customer_id,
        steps.step,
        steps.reason,
        -- a double (credit notes are shared by the lines' statement shares): cast to decimal
        -- as DuckDB casts on both engines
        {{ decimal_of_double('steps.amount', 18, 2) }} as amount_lost
    from steps
    inner join deals on steps.opportunity_id = deals.opportunity_id
    where steps.amount > 0.005
)

select * from final
