-- open receivables as of the export: the aging (fct_ar_aging_snapshot, latest as-of) = billed
-- − credited − collected of the chain's statements, deal-linked or not; a failing row names
-- the statement, both figures and the difference
with tolerance as (
    select tolerance from {{ ref('deal_to_cash_tolerances') }}
    where tie_out = 'receivables_outstanding'
),

aging as (
    select
        statement_id,
        sum(open_amount) as open_amount
    from {{ ref('fct_ar_aging_snapshot') }}
    where is_latest
    group by all
),

chain as (
    select
        statement_id,
        open_amount
    from {{ ref('int_d2c_statement_settlement') }}
),

differences as (
    select
        coalesce(aging.statement_id, chain.statement_id) as statement_id,
        coalesce(aging.open_amount, 0) as aging_open_amount,
        coalesce(chain.open_amount, 0) as chain_open_amount,
        coalesce(chain.open_amount, 0) - coalesce(aging.open_amount, 0) as difference
    from aging
    full outer join chain on aging.statement_id = chain.statement_id
)

select
    'receivables_outstanding' as tie_out,
    differences.*,
    sum(differences.difference) over () as total_difference
from differences
cross join tolerance
where abs(differences.difference) > tolerance.tolerance
