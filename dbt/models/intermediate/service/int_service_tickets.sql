-- one row per ticket with what its SLA and KPIs depend on: the customer (province, region,
-- hospital grade and service tier), the device (model, class), the contract and warranty in
-- force on the day of the call, the customer's business calendar, the SLA policy version in
-- force at creation, and the milestones only the status history shows (first resolution,
-- reopening, waits)
with tickets as (
    select * from {{ ref('stg_service__tickets') }}
),

history as (
    select * from {{ ref('stg_service__ticket_history') }}
),

devices as (
    select * from {{ ref('stg_service__devices') }}
),

products as (
    select * from {{ ref('stg_erp__products') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

contracts as (
    select * from {{ ref('stg_service__service_contracts') }}
),

province_regions as (
    select * from {{ ref('int_service_province_regions') }}
),

tiers as (
    select * from {{ ref('service_tiers') }}
),

calendar_regions as (
    select * from {{ ref('service_calendar_regions') }}
),

policy_versions as (
    select distinct
        policy_version,
        valid_from,
        valid_to
    from {{ ref('service_sla_policies') }}
),

-- the ticket exports whose tickets name devices the device export knows; an export none of
-- whose tickets does comes from a desk whose devices MedOps does not get (a company without a
-- device export, a second desk): its tickets take their priority's default policy, as an event
-- log's do, rather than none
files_naming_devices as (
    select distinct tickets.source_file_name
    from tickets
    inner join devices on tickets.serial_no = devices.serial_no
),

milestones as (
    select
        ticket_id,
        min(changed_at) filter (where ticket_status = 'resolved') as first_resolved_at,
        min(changed_at) filter (where ticket_status = 'closed') as first_closed_at,
        min(changed_at) filter (where ticket_status = 'reopened') as first_reopened_at,
        count(*) filter (where ticket_status = 'reopened') as reopen_count,
        count(*) filter (where ticket_status = 'waiting_parts') > 0 as waited_for_parts,
        count(*) filter (where ticket_status = 'waiting_customer') > 0 as waited_for_customer,
        count(distinct priority) > 1 as priority_changed,
        min_by(priority, change_no) as initial_priority
    from history
    group by ticket_id
),

-- the service contracts in force on the day of the call; a 7x24 one puts the customer on the
-- 24x7 clock
contract_cover as (
    select
        tickets.ticket_id,
        bool_or(contracts.coverage = 'all_hours') as has_all_hours_contract
    from tickets
    inner join contracts
        on
            tickets.serial_no = contracts.serial_no
            and cast(tickets.created_at as date) between contracts.starts_on and contracts.ends_on
    group by tickets.ticket_id
),

final as (
    select
        tickets.ticket_id,
        tickets.serial_no,
        tickets.account_id,
        accounts.account_name,
        accounts.account_type,
        accounts.hospital_grade,
        coalesce(grade_tiers.service_tier, default_tier.service_tier) as service_tier,
        accounts.province,
        province_regions.region_id,
        province_regions.region_name,
        devices.sku,
        products.product_name as device_model,
        products.product_line as device_class,
        -- a device export's ticket whose device is missing or not in the device export: a
        -- data gap, so no SLA policy (the default policy is for desks that record no devices)
        tickets.source_records_devices
        and files_naming_devices.source_file_name is not null
        and products.product_line is null as is_device_unknown,
        -- tickets exports none of which records an acceptance (受理) of any ticket (an incident
        -- list) have none to measure, rather than every acceptance open; over all the exports,
        -- not per file: one day's file may hold only tickets not yet accepted
        max(case when tickets.accepted_at is not null then 1 else 0 end) over ()
        = 1 as export_records_acceptance,
        tickets.channel,
        tickets.priority as current_priority,
        coalesce(milestones.initial_priority, tickets.priority) as initial_priority,
        coalesce(milestones.priority_changed, false) as priority_changed,
        tickets.fault_type,
        tickets.created_at,
        tickets.accepted_at,
        tickets.dispatched_at,
        tickets.arrived_at,
        -- the history's first resolution; the ticket export's when the history lacks it (a
        -- history row lost to quarantine must not reopen a resolved ticket)
        coalesce(milestones.first_resolved_at, tickets.resolved_at) as first_resolved_at,
        tickets.resolved_at,
        coalesce(milestones.first_closed_at, tickets.closed_at) as first_closed_at,
        tickets.closed_at,
        milestones.first_reopened_at,
        coalesce(milestones.reopen_count, 0) as reopen_count,
        coalesce(milestones.waited_for_parts, false) as waited_for_parts,
        coalesce(milestones.waited_for_customer, false) as waited_for_customer,
        tickets.engineer_id,
        tickets.resolution_mode,
        tickets.ticket_status,
        tickets.satisfaction,
        cast(tickets.created_at as date) <= devices.warranty_ends_on as under_warranty,
        contract_cover.ticket_id is not null as under_service_contract,
        coalesce(contract_cover.has_all_hours_contract, false) as has_all_hours_contract,
        case
            when contract_cover.has_all_hours_contract then 'cn_24x7'
            else coalesce(province_calendars.calendar_id, default_calendar.calendar_id)
        end as customer_calendar_id,
        policy_versions.policy_version
    from tickets
    left join milestones on tickets.ticket_id = milestones.ticket_id
    left join files_naming_devices on tickets.source_file_name = files_naming_devices.source_file_name
    left join devices on tickets.serial_no = devices.serial_no
    left join products on devices.sku = products.sku
    left join accounts on tickets.account_id = accounts.account_id
    left join province_regions on accounts.province = province_regions.province
    left join tiers as grade_tiers on accounts.hospital_grade = grade_tiers.hospital_grade
    left join tiers as default_tier on default_tier.hospital_grade = '*'
    left join calendar_regions as province_calendars on accounts.province = province_calendars.province
    left join calendar_regions as default_calendar on default_calendar.province = '*'
    left join contract_cover on tickets.ticket_id = contract_cover.ticket_id
    left join policy_versions
        on cast(tickets.created_at as date) between policy_versions.valid_from and policy_versions.valid_to
)

select * from final
