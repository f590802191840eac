-- One row per opportunity and period in which its stage, owner, amount and expected close
-- date were all unchanged. Stages come from the CRM's own stage history (exact). Owner, amount
-- and expected close date come from the snapshot of successive exports: a version counts from
-- the date of the export in which it was first seen; the first version an opportunity ever
-- showed is taken to hold since its creation (the exports say nothing earlier). A period's
-- null bound is open: since ever (valid_from) or still (valid_to).
with stage_spells as (
    select * from {{ ref('int_opportunity_stage_spells') }}
),

snapshot_versions as (
    select * from {{ opportunity_export_versions() }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

stages as (
    select * from {{ ref('opportunity_stages') }}
),

owners as (
    select * from {{ ref('int_employee_teams') }}
),

versions as (
    select
        opportunity_id,
        owner_id,
        amount,
        expected_close_on,
        -- versions snapshotted before staging carried the export date: the date in the file
        -- name, else the day the snapshot saw the version
        cast(
            coalesce(
                exported_on, {{ export_date_of('source_file_name') }}, cast(dbt_valid_from as date)
            ) as timestamp
        ) as first_seen_at,
        row_number() over (
            partition by opportunity_id order by dbt_valid_from
        ) as version_number
    from snapshot_versions
),

version_periods as (
    select
        opportunity_id,
        owner_id,
        amount,
        expected_close_on,
        version_number,
        case when version_number > 1 then first_seen_at end as valid_from,
        lead(first_seen_at) over (
            partition by opportunity_id order by version_number
        ) as valid_to
    from versions
),

stage_periods as (
    select
        opportunity_id,
        stage,
        stage_order,
        entered_at as valid_from,
        left_at as valid_to
    from stage_spells
),

period_overlaps as (
    select
        stage_periods.opportunity_id,
        stage_periods.stage,
        stage_periods.stage_order,
        version_periods.owner_id,
        version_periods.amount,
        version_periods.expected_close_on,
        version_periods.version_number,
        -- greatest and least skip nulls: an open bound gives way to the other period's
        greatest(stage_periods.valid_from, version_periods.valid_from) as valid_from,
        least(stage_periods.valid_to, version_periods.valid_to) as valid_to
    from stage_periods
    inner join version_periods
        on
            stage_periods.opportunity_id = version_periods.opportunity_id
            and (
                version_periods.valid_to is null
                or stage_periods.valid_from < version_periods.valid_to
            )
            and (
                stage_periods.valid_to is null
                or version_periods.valid_from is null
                or stage_periods.valid_to > version_periods.valid_from
            )
),

final as (
    select
        period_overlaps.opportunity_id,
        period_overlaps.valid_from,
        period_overlaps.valid_to,
        period_overlaps.stage as stage_code,
        period_overlaps.stage_order,
        coalesce(stages.is_closed, false) as is_closed,
        coalesce(stages.is_won, false) as is_won,
        period_overlaps.owner_id,
        owners.team_id,
        owners.team_name,
        owners.province_unit_name,
        owners.region_name,
        opportunities.product_line,
        opportunities.channel,
        opportunities.account_id,
        opportunities.created_on,
        period_overlaps.amount,
        period_overlaps.expected_close_on,
        period_overlaps.version_number = 1 as is_first_exported_version
    from period_overlaps
    inner join opportunities on period_overlaps.opportunity_id = opportunities.opportunity_id
    left join stages on period_overlaps.stage = stages.stage_code
    left join owners on period_overlaps.owner_id = owners.employee_id
    where period_overlaps.valid_to is null or period_overlaps.valid_from < period_overlaps.valid_to
)

select * from final
