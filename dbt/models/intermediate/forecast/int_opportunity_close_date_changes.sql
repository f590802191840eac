-- One row per change of an opportunity's expected close date seen between two exports (from
-- the snapshot of successive exports; the CRM export itself keeps no such history). A single
-- export shows no changes: the first version of every deal is where its history starts. A
-- version is seen on the export date of the file it first appeared in (`exported_on`).
with versions as (
    select
        opportunity_id,
        owner_id,
        amount,
        expected_close_on,
        source_file_name,
        -- versions snapshotted before staging carried the export date: the date in the file
        -- name, else the day the snapshot saw the version
        coalesce(
            exported_on, {{ export_date_of('source_file_name') }}, cast(dbt_valid_from as date)
        ) as seen_on,
        lag(expected_close_on) over (
            partition by opportunity_id order by dbt_valid_from
        ) as previous_expected_close_on
    from {{ opportunity_export_versions() }}
),

owners as (
    select * from {{ ref('int_employee_teams') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

final as (
    select
        versions.opportunity_id,
        versions.seen_on,
        versions.source_file_name,
        versions.previous_expected_close_on,
        versions.expected_close_on,
        {{ date_diff_in(
            'day', 'versions.previous_expected_close_on', 'versions.expected_close_on'
        ) }} as days_moved,
        versions.expected_close_on > versions.previous_expected_close_on as is_pushed_out,
        date_trunc('month', versions.expected_close_on)
        > date_trunc('month', versions.previous_expected_close_on) as is_moved_out_of_month,
        versions.owner_id,
        owners.team_id,
        opportunities.product_line,
        versions.amount
    from versions
    left join owners on versions.owner_id = owners.employee_id
    left join opportunities on versions.opportunity_id = opportunities.opportunity_id
    where
        versions.previous_expected_close_on is distinct from versions.expected_close_on
        and versions.previous_expected_close_on is not null
)

select * from final
