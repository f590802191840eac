-- parent links come from the exports' parent_account_id, read through the matcher: a
-- subsidiary pointing at any record of its parent points at the parent's golden customer
with recursive customer_accounts as (
    select * from {{ ref('int_customer_accounts') }}
),

parent_links as (
    select
        customer_accounts.golden_customer_id,
        min(parents.golden_customer_id) as parent_golden_customer_id
    from customer_accounts
    inner join customer_accounts as parents
        on customer_accounts.parent_account_id = parents.account_id
    where parents.golden_customer_id != customer_accounts.golden_customer_id
    group by customer_accounts.golden_customer_id
),

customers as (
    select distinct
        customer_accounts.golden_customer_id,
        parent_links.parent_golden_customer_id
    from customer_accounts
    left join parent_links
        on customer_accounts.golden_customer_id = parent_links.golden_customer_id
),

-- walk down from the top groups; a cycle in the exports never reaches a top and is cut below
tree as (
    select
        customers.golden_customer_id,
        customers.golden_customer_id as top_group_customer_id,
        1 as hierarchy_level
    from customers
    where customers.parent_golden_customer_id is null
    union all
    select
        customers.golden_customer_id,
        tree.top_group_customer_id,
        tree.hierarchy_level + 1 as hierarchy_level
    from customers
    inner join tree on customers.parent_golden_customer_id = tree.golden_customer_id
    where tree.hierarchy_level < 10
),

final as (
    select
        customers.golden_customer_id,
        customers.parent_golden_customer_id,
        coalesce(tree.top_group_customer_id, customers.golden_customer_id)
            as top_group_customer_id,
        tree.hierarchy_level,
        tree.golden_customer_id is null as is_in_parent_cycle
    from customers
    left join tree on customers.golden_customer_id = tree.golden_customer_id
)

select * from final
