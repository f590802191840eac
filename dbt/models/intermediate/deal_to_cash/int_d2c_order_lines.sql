-- every order line with the deal it belongs to (through its contract's key), the statement
-- that billed it (same account and month: statements are monthly per customer) and its
-- share of that statement's cash, credit notes and write-offs; lines no deal explains are
-- kept with a null opportunity_id
with orders as (
    select * from {{ ref('stg_erp__orders') }}
),

deal_contracts as (
    select * from {{ ref('int_d2c_deal_contracts') }}
),

statements as (
    select * from {{ ref('int_d2c_statement_settlement') }}
),

lines as (
    select
        orders.order_id,
        orders.line_no,
        orders.contract_id,
        orders.account_id,
        orders.sku,
        orders.quantity,
        orders.ordered_on,
        deal_contracts.opportunity_id,
        deal_contracts.link_method as contract_link_method,
        cast(orders.quantity * orders.unit_price as decimal(18, 2)) as line_amount,
        {{ month_label('orders.ordered_on') }} as period
    from orders
    left join deal_contracts on orders.contract_id = deal_contracts.contract_id
),

final as (
    select
        lines.*,
        statements.statement_id,
        statements.statement_on,
        statements.first_paid_on,
        -- the line's share of what its statement asks; statement amounts are the sum of their
        -- lines, so shares add up to the statement (a double numerator, as Spark divides two
        -- decimals into a decimal where DuckDB gives a double)
        case
            when statements.statement_amount <> 0
                then cast(lines.line_amount as double) / statements.statement_amount
        end as statement_share,
        case when statements.statement_id is not null then lines.line_amount else 0 end
            as billed_amount,
        coalesce(cast(lines.line_amount as double) / nullif(statements.statement_amount, 0), 0)
        * coalesce(statements.collected_amount, 0) as collected_amount,
        coalesce(cast(lines.line_amount as double) / nullif(statements.statement_amount, 0), 0)
        * coalesce(statements.credited_amount, 0) as credited_amount,
        coalesce(cast(lines.line_amount as double) / nullif(statements.statement_amount, 0), 0)
        * coalesce(statements.written_off_amount, 0) as written_off_amount
    from lines
    left join statements
        on lines.account_id = statements.account_id and lines.period = statements.period
)

select * from final
