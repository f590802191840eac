-- one row per golden customer and month: the value score as it stood at the month's end
with customer_accounts as (
    select * from {{ ref('int_customer_accounts') }}
),

orders as (
    select * from {{ ref('stg_erp__orders') }}
),

statements as (
    select * from {{ ref('stg_erp__statements') }}
),

payments as (
    select * from {{ ref('stg_erp__payments') }}
),

devices as (
    select * from {{ ref('stg_service__devices') }}
),

tier_rules as (
    select * from {{ ref('customer_tier_rules') }}
),

weights as (
    select
        max(rule_value) filter (where rule_code = 'revenue') as revenue_weight,
        max(rule_value) filter (where rule_code = 'growth') as growth_weight,
        max(rule_value) filter (where rule_code = 'payment') as payment_weight,
        max(rule_value) filter (where rule_code = 'installed_base') as installed_base_weight,
        max(rule_value) filter (where rule_code = 'hospital_grade') as grade_weight
    from tier_rules
    where rule_kind = 'weight'
),

thresholds as (
    select
        max(rule_value) filter (where rule_code = 'A') as tier_a_min_score,
        max(rule_value) filter (where rule_code = 'B') as tier_b_min_score,
        max(rule_value) filter (
            where rule_kind = 'default_score' and rule_code = 'payment'
        ) as default_payment_score
    from tier_rules
    where rule_kind in ('tier_min_score', 'default_score')
),

grade_scores as (
    select
        rule_code as hospital_grade,
        rule_value as grade_score
    from tier_rules
    where rule_kind = 'grade_score'
),

golden as (
    select
        golden_customer_id,
        min(created_on) as first_created_on,
        -- survivorship_rank is a row number: min_by takes the first grade in that order
        min_by(hospital_grade, survivorship_rank) filter (
            where hospital_grade is not null
        ) as hospital_grade
    from customer_accounts
    group by golden_customer_id
),

account_map as (
    select
        account_id,
        golden_customer_id
    from customer_accounts
),

order_bounds as (
    select
        date_trunc('month', min(ordered_on)) as first_month,
        date_trunc('month', max(ordered_on)) as last_month
    from orders
),

months as (
    select cast(spine.month_start as date) as month_start
    from (
        select
            {{ series_of('order_bounds.first_month', 'order_bounds.last_month', 'interval 1 month') }}
                as month_start
        from order_bounds
    ) as spine
),

revenue_by_month as (
    select
        account_map.golden_customer_id,
        cast(date_trunc('month', orders.ordered_on) as date) as month_start,
        sum(orders.quantity * orders.unit_price) as revenue
    from orders
    inner join account_map on orders.account_id = account_map.account_id
    group by all
),

-- a statement counts in the month it falls due; paid on time is what arrived by its due date
statement_payments as (
    select
        account_map.golden_customer_id,
        statements.statement_id,
        cast(date_trunc('month', statements.due_on) as date) as month_start,
        statements.statement_amount,
        least(
            coalesce(sum(payments.payment_amount) filter (
                where payments.paid_on <= statements.due_on
            ), 0),
            statements.statement_amount
        ) as paid_on_time
    from statements
    inner join account_map on statements.account_id = account_map.account_id
    left join payments on statements.statement_id = payments.statement_id
    group by
        account_map.golden_customer_id,
        statements.statement_id,
        statements.due_on,
        statements.statement_amount
),

statements_by_month as (
    select
        golden_customer_id,
        month_start,
        sum(statement_amount) as amount_due,
        sum(paid_on_time) as paid_on_time
    from statement_payments
    group by all
),

-- devices installed before the first month count in the first month
devices_by_month as (
    select
        account_map.golden_customer_id,
        greatest(
            cast(date_trunc('month', devices.installed_on) as date),
            (select min(months.month_start) from months)
        ) as month_start,
        count(*) as devices_installed
    from devices
    inner join account_map on devices.account_id = account_map.account_id
    group by all
),

grid as (
    select
        golden.golden_customer_id,
        golden.first_created_on,
        golden.hospital_grade,
        months.month_start,
        coalesce(revenue_by_month.revenue, 0) as revenue,
        coalesce(statements_by_month.amount_due, 0) as amount_due,
        coalesce(statements_by_month.paid_on_time, 0) as paid_on_time,
        coalesce(devices_by_month.devices_installed, 0) as devices_installed
    from golden
    cross join months
    left join revenue_by_month
        on
            golden.golden_customer_id = revenue_by_month.golden_customer_id
            and months.month_start = revenue_by_month.month_start
    left join statements_by_month
        on
            golden.golden_customer_id = statements_by_month.golden_customer_id
            and months.month_start = statements_by_month.month_start
    left join devices_by_month
        on
            golden.golden_customer_id = devices_by_month.golden_customer_id
            and months.month_start = devices_by_month.month_start
),

windowed as (
    select
        golden_customer_id,
        first_created_on,
        hospital_grade,
        month_start,
        sum(revenue) over trailing_12 as revenue_12m,
        coalesce(sum(revenue) over prior_12, 0) as revenue_prior_12m,
        -- a double on both engines (Spark divides decimals into a decimal of 6 places)
        cast(sum(paid_on_time) over trailing_12 as double)
        / nullif(sum(amount_due) over trailing_12, 0) as paid_on_time_share,
        sum(devices_installed) over to_date as installed_devices
    from grid
    window
        trailing_12 as (
            partition by golden_customer_id order by month_start
            rows between 11 preceding and current row
        ),
        prior_12 as (
            partition by golden_customer_id order by month_start
            rows between 23 preceding and 12 preceding
        ),
        to_date as (
            partition by golden_customer_id order by month_start
            rows between unbounded preceding and current row
        )
),

-- a customer counts from the month its first record was created; one whose records carry no
-- creation date (accounts migrated from an older CRM) counts from the first month
measures as (
    select *
    from windowed
    where first_created_on is null or first_created_on < month_start + interval 1 month
),

scored as (
    select
        measures.*,
        -- the ratios as doubles on both engines, as paid_on_time_share
        case
            when measures.revenue_prior_12m > 0
                then cast(measures.revenue_12m as double) / measures.revenue_prior_12m - 1
        end as revenue_growth,
        case
            when measures.revenue_12m > 0
                then percent_rank() over (
                    partition by measures.month_start, measures.revenue_12m > 0
                    order by measures.revenue_12m
                )
            else 0
        end as revenue_score,
        case
            when measures.revenue_prior_12m > 0
                then percent_rank() over (
                    partition by measures.month_start, measures.revenue_prior_12m > 0
                    order by cast(measures.revenue_12m as double) / measures.revenue_prior_12m
                )
            -- new revenue from nothing is growth at its best
            when measures.revenue_12m > 0 then 1
            else 0
        end as growth_score,
        coalesce(measures.paid_on_time_share, thresholds.default_payment_score)
            as payment_score,
        case
            when measures.installed_devices > 0
                then percent_rank() over (
                    partition by measures.month_start, measures.installed_devices > 0
                    order by measures.installed_devices
                )
            else 0
        end as installed_base_score,
        coalesce(grade_scores.grade_score, 0) as grade_score
    from measures
    cross join thresholds
    left join grade_scores on measures.hospital_grade = grade_scores.hospital_grade
),

final as (
    select
        scored.golden_customer_id,
        scored.month_start,
        cast(scored.revenue_12m as decimal(18, 2)) as revenue_12m,
        cast(scored.revenue_prior_12m as decimal(18, 2)) as revenue_prior_12m,
        cast(scored.revenue_growth as double) as revenue_growth,
        cast(scored.paid_on_time_share as double) as paid_on_time_share,
        scored.installed_devices,
        scored.hospital_grade,
        cast(scored.revenue_score as double) as revenue_score,
        cast(scored.growth_score as double) as growth_score,
        cast(scored.payment_score as double) as payment_score,
        cast(scored.installed_base_score as double) as installed_base_score,
        cast(scored.grade_score as double) as grade_score,
        cast(
            weights.revenue_weight * scored.revenue_score
            + weights.growth_weight * scored.growth_score
            + weights.payment_weight * scored.payment_score
            + weights.installed_base_weight * scored.installed_base_score
            + weights.grade_weight * scored.grade_score
            as double
        ) as value_score
    from scored
    cross join weights
)

select
    final.*,
    case
        when final.value_score >= thresholds.tier_a_min_score then 'A'
        when final.value_score >= thresholds.tier_b_min_score then 'B'
        else 'C'
    end as customer_tier
from final
cross join thresholds
