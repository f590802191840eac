with statements as (
    select * from {{ ref('stg_erp__statements') }}
),

plans as (
    select * from {{ ref('stg_erp__statement_installments') }}
),

orders as (
    select * from {{ ref('stg_erp__orders') }}
),

products as (
    select * from {{ ref('stg_erp__products') }}
),

-- a plan is used only when its instalments add up to the statement: a plan with a row lost at
-- ingest (quarantined) would leave part of the amount owed nowhere; such statements are due in
-- one piece and listed by the warn-level test assert_ar_payment_plans_complete
complete_plans as (
    select plans.statement_id
    from plans
    inner join statements on plans.statement_id = statements.statement_id
    group by plans.statement_id
    having sum(plans.installment_amount) = any_value(statements.statement_amount)
),

-- statements without a (complete) payment plan are due in one piece on their own due date
installments as (
    select
        plans.statement_id,
        plans.installment_no,
        plans.due_on,
        plans.installment_amount
    from plans
    inner join complete_plans on plans.statement_id = complete_plans.statement_id
    union all
    select
        statements.statement_id,
        1 as installment_no,
        statements.due_on,
        statements.statement_amount as installment_amount
    from statements
    left join complete_plans on statements.statement_id = complete_plans.statement_id
    where complete_plans.statement_id is null
),

-- payments and credit notes settle the instalment due first before the next one
-- (oldest due first), so each instalment needs what falls due before it
with_amount_due_before as (
    select
        installments.*,
        coalesce(
            sum(installments.installment_amount) over (
                partition by installments.statement_id
                order by installments.due_on, installments.installment_no
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as amount_due_before
    from installments
),

-- a statement bills one customer's deliveries of one month; its product line is the line
-- with the largest share of those deliveries
period_lines as (
    select
        orders.account_id,
        {{ month_label('orders.ordered_on') }} as period,
        products.product_line,
        sum(orders.quantity * orders.unit_price) as line_amount
    from orders
    left join products on orders.sku = products.sku
    group by all
),

main_lines as (
    select
        period_lines.account_id,
        period_lines.period,
        period_lines.product_line
    from period_lines
    qualify row_number() over (
        partition by period_lines.account_id, period_lines.period
        order by period_lines.line_amount desc, period_lines.product_line asc
    ) = 1
),

final as (
    select
        with_amount_due_before.statement_id,
        with_amount_due_before.installment_no,
        statements.account_id,
        statements.owner_id,
        statements.period,
        statements.statement_on,
        statements.due_on as statement_due_on,
        with_amount_due_before.due_on,
        statements.statement_amount,
        cast(with_amount_due_before.installment_amount as decimal(18, 2)) as installment_amount,
        cast(with_amount_due_before.amount_due_before as decimal(18, 2)) as amount_due_before,
        main_lines.product_line
    from with_amount_due_before
    inner join statements on with_amount_due_before.statement_id = statements.statement_id
    left join main_lines
        on
            statements.account_id = main_lines.account_id
            and statements.period = main_lines.period
)

select * from final
