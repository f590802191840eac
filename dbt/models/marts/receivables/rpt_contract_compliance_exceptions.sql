with orders as (
    select * from {{ ref('stg_erp__orders') }}
),

products as (
    select * from {{ ref('stg_erp__products') }}
),

contract_terms as (
    select * from {{ ref('int_contract_terms') }}
),

statements as (
    select * from {{ ref('stg_erp__statements') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

employee_teams as (
    select * from {{ ref('int_employee_teams') }}
),

order_lines as (
    select
        orders.*,
        products.list_price,
        orders.quantity * orders.unit_price as line_amount
    from orders
    left join products on orders.sku = products.sku
),

-- the line's price share of list against the discount the contract carries now
discount_exceptions as (
    select
        'discount' as exception_type,
        order_lines.contract_id,
        order_lines.order_id,
        order_lines.line_no,
        cast(null as string) as statement_id,
        order_lines.account_id,
        order_lines.ordered_on as detected_on,
        cast(contract_terms.current_discount as string) as expected_value,
        cast(order_lines.discount as string) as actual_value,
        (contract_terms.current_discount - order_lines.discount)
        * order_lines.list_price
        * order_lines.quantity as amount_at_stake
    from order_lines
    inner join contract_terms on order_lines.contract_id = contract_terms.contract_id
    where
        {{ round_double('order_lines.discount', 4) }}
        != {{ round_double('contract_terms.current_discount', 4) }}
),

validity_exceptions as (
    select
        'validity' as exception_type,
        order_lines.contract_id,
        order_lines.order_id,
        order_lines.line_no,
        cast(null as string) as statement_id,
        order_lines.account_id,
        order_lines.ordered_on as detected_on,
        cast(contract_terms.valid_from as string)
        || ' ~ '
        || cast(contract_terms.valid_to as string) as expected_value,
        cast(order_lines.ordered_on as string) as actual_value,
        order_lines.line_amount as amount_at_stake
    from order_lines
    inner join contract_terms on order_lines.contract_id = contract_terms.contract_id
    where
        order_lines.ordered_on < contract_terms.valid_from
        or order_lines.ordered_on > contract_terms.valid_to
),

-- one exception per order: the whole order was sold without a contract
no_contract_exceptions as (
    select
        'no_contract' as exception_type,
        cast(null as string) as contract_id,
        order_lines.order_id,
        cast(null as bigint) as line_no,
        cast(null as string) as statement_id,
        any_value(order_lines.account_id) as account_id,
        min(order_lines.ordered_on) as detected_on,
        cast(null as string) as expected_value,
        cast(null as string) as actual_value,
        sum(order_lines.line_amount) as amount_at_stake
    from order_lines
    where order_lines.contract_id is null
    group by order_lines.order_id
),

unknown_contract_exceptions as (
    select
        'unknown_contract' as exception_type,
        order_lines.contract_id,
        order_lines.order_id,
        order_lines.line_no,
        cast(null as string) as statement_id,
        order_lines.account_id,
        order_lines.ordered_on as detected_on,
        cast(null as string) as expected_value,
        order_lines.contract_id as actual_value,
        order_lines.line_amount as amount_at_stake
    from order_lines
    left join contract_terms on order_lines.contract_id = contract_terms.contract_id
    where order_lines.contract_id is not null and contract_terms.contract_id is null
),

-- the discount given away since the change, on every line of the contract
changed_after_approval_exceptions as (
    select
        'changed_after_approval' as exception_type,
        contract_terms.contract_id,
        cast(null as string) as order_id,
        cast(null as bigint) as line_no,
        cast(null as string) as statement_id,
        contract_terms.account_id,
        contract_terms.first_changed_after_approval_on as detected_on,
        cast(contract_terms.approved_discount as string) as expected_value,
        cast(contract_terms.current_discount as string) as actual_value,
        coalesce(
            sum(
                (contract_terms.approved_discount - contract_terms.current_discount)
                * order_lines.list_price
                * order_lines.quantity
            ),
            0
        ) as amount_at_stake
    from contract_terms
    left join order_lines on contract_terms.contract_id = order_lines.contract_id
    where contract_terms.changed_after_approval
    group by all
),

-- a statement's terms are those of the longest-term contract delivered in its period
statement_terms as (
    select
        statements.statement_id,
        statements.account_id,
        statements.statement_on,
        statements.statement_amount,
        {{ date_diff_in('day', 'statements.statement_on', 'statements.due_on') }}
            as billed_payment_days,
        max(contract_terms.payment_days) as contract_payment_days
    from statements
    inner join order_lines
        on
            statements.account_id = order_lines.account_id
            and statements.period = {{ month_label('order_lines.ordered_on') }}
    inner join contract_terms on order_lines.contract_id = contract_terms.contract_id
    group by all
),

payment_terms_exceptions as (
    select
        'payment_terms' as exception_type,
        cast(null as string) as contract_id,
        cast(null as string) as order_id,
        cast(null as bigint) as line_no,
        statement_terms.statement_id,
        statement_terms.account_id,
        statement_terms.statement_on as detected_on,
        cast(statement_terms.contract_payment_days as string) as expected_value,
        cast(statement_terms.billed_payment_days as string) as actual_value,
        statement_terms.statement_amount as amount_at_stake
    from statement_terms
    where statement_terms.billed_payment_days > statement_terms.contract_payment_days
),

exceptions as (
    select * from discount_exceptions
    union all
    select * from validity_exceptions
    union all
    select * from no_contract_exceptions
    union all
    select * from unknown_contract_exceptions
    union all
    select * from changed_after_approval_exceptions
    union all
    select * from payment_terms_exceptions
),

final as (
    select
        exceptions.exception_type
        || ':'
        || coalesce(exceptions.order_id, exceptions.statement_id, exceptions.contract_id)
        || coalesce(':' || cast(exceptions.line_no as string), '') as exception_id,
        exceptions.exception_type,
        exceptions.contract_id,
        exceptions.order_id,
        exceptions.line_no,
        exceptions.statement_id,
        exceptions.account_id,
        accounts.account_name,
        accounts.owner_id,
        employee_teams.employee_name as owner_name,
        employee_teams.team_id,
        employee_teams.team_name,
        employee_teams.region_name,
        exceptions.detected_on,
        exceptions.expected_value,
        exceptions.actual_value,
        -- a double (discounts are): rounded as DuckDB rounds doubles on both engines
        cast({{ round_double('exceptions.amount_at_stake', 2) }} as decimal(18, 2))
            as amount_at_stake
    from exceptions
    left join accounts on exceptions.account_id = accounts.account_id
    left join employee_teams on accounts.owner_id = employee_teams.employee_id
)

select * from final
