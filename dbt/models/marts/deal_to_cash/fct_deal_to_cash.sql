-- one row per won opportunity: won → contracted → ordered → installed → billed → collected →
-- outstanding, the days between the steps and what was lost at each step (see DECISIONLOG,
-- "Deal to cash")
with won as (
    select * from {{ ref('int_opportunities') }}
    where current_stage = 'won'
),

customer_accounts as (
    select * from {{ ref('int_customer_accounts') }}
),

deal_contracts as (
    select * from {{ ref('int_d2c_deal_contracts') }}
),

lines as (
    select * from {{ ref('int_d2c_order_lines') }}
    where opportunity_id is not null
),

devices as (
    select * from {{ ref('int_d2c_device_links') }}
    where opportunity_id is not null
),

-- the aging's latest as-of date (the last statement or posting): how long a stuck deal waited
as_of as (
    select max(as_of_date) as as_of_date from {{ ref('int_ar_as_of_dates') }}
    where is_latest
),

contracted as (
    select
        opportunity_id,
        count(*) as contracts,
        sum(contract_amount_cny) as contract_amount,
        min(signed_on) as first_signed_on,
        min(link_method) as contract_link_method,
        min(link_confidence) as contract_link_confidence
    from deal_contracts
    group by all
),

ordered as (
    select
        opportunity_id,
        count(*) as order_lines,
        sum(line_amount) as ordered_amount,
        sum(billed_amount) as billed_amount,
        sum(collected_amount) as collected_amount,
        sum(credited_amount) as credited_amount,
        sum(written_off_amount) as written_off_amount,
        min(ordered_on) as first_ordered_on,
        min(statement_on) as first_statement_on,
        min(first_paid_on) as first_paid_on
    from lines
    group by all
),

installed as (
    select
        opportunity_id,
        count(*) as devices_installed,
        min(installed_on) as first_installed_on,
        count(*) filter (where is_under_warranty) as devices_under_warranty
    from devices
    group by all
),

final as (
    select
        won.opportunity_id,
        won.account_id,
        customer_accounts.golden_customer_id,
        won.owner_id,
        won.owner_name,
        won.team_id,
        won.team_name,
        won.province_unit_id,
        won.province_unit_name,
        won.region_id,
        won.region_name,
        won.product_line,
        won.closed_on as won_on,
        cast(date_trunc('month', won.closed_on) as date) as won_month,
        cast(won.amount as decimal(18, 2)) as won_amount,
        coalesce(contracted.contracts, 0) as contracts,
        contracted.contract_link_method,
        contracted.contract_link_confidence,
        cast(coalesce(contracted.contract_amount, 0) as decimal(18, 2)) as contract_amount,
        contracted.first_signed_on,
        coalesce(ordered.order_lines, 0) as order_lines,
        cast(coalesce(ordered.ordered_amount, 0) as decimal(18, 2)) as ordered_amount,
        ordered.first_ordered_on,
        coalesce(installed.devices_installed, 0) as devices_installed,
        coalesce(installed.devices_under_warranty, 0) as devices_under_warranty,
        installed.first_installed_on,
        cast(coalesce(ordered.billed_amount, 0) as decimal(18, 2)) as billed_amount,
        ordered.first_statement_on,
        -- shares of statements, so doubles: cast to decimal as DuckDB casts on both engines
        {{ decimal_of_double('coalesce(ordered.credited_amount, 0)', 18, 2) }} as credited_amount,
        {{ decimal_of_double('coalesce(ordered.written_off_amount, 0)', 18, 2) }}
            as written_off_amount,
        {{ decimal_of_double('coalesce(ordered.collected_amount, 0)', 18, 2) }} as collected_amount,
        ordered.first_paid_on,
        {{ decimal_of_double(
            'coalesce(ordered.billed_amount, 0)
            - coalesce(ordered.credited_amount, 0)
            - coalesce(ordered.collected_amount, 0)',
            18, 2
        ) }} as outstanding_amount,
        {{ date_diff_in('day', 'won.closed_on', 'contracted.first_signed_on') }}
            as days_won_to_contract,
        {{ date_diff_in('day', 'contracted.first_signed_on', 'ordered.first_ordered_on') }}
            as days_contract_to_order,
        {{ date_diff_in('day', 'ordered.first_ordered_on', 'installed.first_installed_on') }}
            as days_order_to_install,
        {{ date_diff_in('day', 'ordered.first_statement_on', 'ordered.first_paid_on') }}
            as days_statement_to_payment,
        -- the step the deal stopped at (null once fully settled)
        case
            when contracted.opportunity_id is null then 'no_contract'
            when ordered.opportunity_id is null then 'no_order'
            when coalesce(ordered.billed_amount, 0) = 0 then 'not_billed'
            when
                coalesce(ordered.billed_amount, 0)
                - coalesce(ordered.credited_amount, 0)
                - coalesce(ordered.collected_amount, 0) > 0.005
                then 'not_collected'
        end as stuck_at_step,
        case
            when contracted.opportunity_id is null then won.closed_on
            when ordered.opportunity_id is null then contracted.first_signed_on
            when coalesce(ordered.billed_amount, 0) = 0 then ordered.first_ordered_on
            else ordered.first_statement_on
        end as stuck_since,
        as_of.as_of_date
    from won
    cross join as_of
    left join customer_accounts on won.account_id = customer_accounts.account_id
    left join contracted on won.opportunity_id = contracted.opportunity_id
    left join ordered on won.opportunity_id = ordered.opportunity_id
    left join installed on won.opportunity_id = installed.opportunity_id
)

select
    *,
    case
        when stuck_at_step is not null then {{ date_diff_in('day', 'stuck_since', 'as_of_date') }}
    end as days_stuck
from final
