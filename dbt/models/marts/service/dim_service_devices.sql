-- one row per installed device: model, customer, install date, warranty and service-contract
-- status at the as-of date, last census scan and whether the census has lost sight of it,
-- tickets, preventive maintenance due and overdue
with devices as (
    select * from {{ ref('stg_service__devices') }}
),

products as (
    select * from {{ ref('stg_erp__products') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

province_regions as (
    select * from {{ ref('int_service_province_regions') }}
),

contracts as (
    select * from {{ ref('stg_service__service_contracts') }}
),

tickets as (
    select * from {{ ref('fct_service_tickets') }}
),

pm as (
    select * from {{ ref('fct_service_pm_visits') }}
),

parameters as (
    select max(value) filter (where parameter = 'census_overdue_days') as census_overdue_days
    from {{ ref('service_parameters') }}
),

as_of as (
    select cast(max(as_of_at) as date) as as_of_date from tickets
),

active_contracts as (
    select
        contracts.serial_no,
        max(contracts.ends_on) as contract_ends_on,
        bool_or(contracts.coverage = 'all_hours') as is_all_hours
    from contracts
    cross join as_of
    where as_of.as_of_date between contracts.starts_on and contracts.ends_on
    group by contracts.serial_no
),

device_tickets as (
    select
        serial_no,
        count(*) as tickets,
        count(*) filter (where is_open) as open_tickets,
        max(created_at) as last_ticket_at
    from tickets
    where serial_no is not null
    group by serial_no
),

device_pm as (
    select
        serial_no,
        count(*) filter (where pm_status = 'due') as pm_due,
        count(*) filter (where pm_status = 'overdue') as pm_overdue,
        max(done_on) as last_pm_on
    from pm
    group by serial_no
),

final as (
    select
        devices.serial_no,
        devices.sku,
        products.product_name as device_model,
        products.product_line as device_class,
        devices.account_id,
        accounts.account_name,
        accounts.account_type,
        accounts.hospital_grade,
        accounts.province,
        province_regions.region_id,
        province_regions.region_name,
        devices.installed_on,
        devices.warranty_ends_on,
        devices.service_contract_ends_on,
        as_of.as_of_date,
        -- an installation dated after the as-of day (a typo in the export, or a booking
        -- ahead of the visit) is not yet under warranty: the deal-to-cash chain counts it so
        coalesce(
            devices.installed_on <= as_of.as_of_date
            and as_of.as_of_date <= devices.warranty_ends_on,
            false
        ) as is_under_warranty,
        active_contracts.serial_no is not null as is_under_service_contract,
        coalesce(active_contracts.is_all_hours, false) as has_all_hours_contract,
        case
            when
                devices.installed_on <= as_of.as_of_date
                and as_of.as_of_date <= devices.warranty_ends_on
                then 'warranty'
            when active_contracts.serial_no is not null then 'service_contract'
            else 'uncovered'
        end as coverage_status,
        devices.last_census_scan_at,
        devices.last_census_scan_at is null
        or cast(devices.last_census_scan_at as date)
        < as_of.as_of_date - cast(parameters.census_overdue_days as integer) as is_not_seen_in_census,
        coalesce(device_tickets.tickets, 0) as tickets,
        coalesce(device_tickets.open_tickets, 0) as open_tickets,
        device_tickets.last_ticket_at,
        coalesce(device_pm.pm_due, 0) as pm_visits_due,
        coalesce(device_pm.pm_overdue, 0) as pm_visits_overdue,
        device_pm.last_pm_on
    from devices
    cross join as_of
    cross join parameters
    left join products on devices.sku = products.sku
    left join accounts on devices.account_id = accounts.account_id
    left join province_regions on accounts.province = province_regions.province
    left join active_contracts on devices.serial_no = active_contracts.serial_no
    left join device_tickets on devices.serial_no = device_tickets.serial_no
    left join device_pm on devices.serial_no = device_pm.serial_no
)

select * from final
