-- one row per planned preventive-maintenance visit: done (on time or late), due within the
-- horizon, overdue, or planned later
with visits as (
    select * from {{ ref('stg_service__pm_visits') }}
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

province_regions as (
    select * from {{ ref('int_service_province_regions') }}
),

parameters as (
    select
        max(value) filter (where parameter = 'pm_due_within_days') as due_within_days,
        max(value) filter (where parameter = 'pm_on_time_tolerance_days') as tolerance_days
    from {{ ref('service_parameters') }}
),

-- the service system's clock, as for tickets: its latest recorded event
as_of as (
    select cast(max(as_of_at) as date) as as_of_date
    from {{ ref('int_service_ticket_sla') }}
),

final as (
    select
        visits.pm_id,
        visits.serial_no,
        devices.sku,
        products.product_name as device_model,
        products.product_line as device_class,
        devices.account_id,
        accounts.account_name,
        province_regions.region_id,
        province_regions.region_name,
        visits.planned_on,
        visits.done_on,
        visits.engineer_id,
        as_of.as_of_date,
        case
            when
                visits.done_on is not null
                and visits.done_on <= visits.planned_on + cast(parameters.tolerance_days as integer)
                then 'done_on_time'
            when visits.done_on is not null then 'done_late'
            when visits.planned_on < as_of.as_of_date then 'overdue'
            when visits.planned_on <= as_of.as_of_date + cast(parameters.due_within_days as integer) then 'due'
            else 'planned'
        end as pm_status,
        case
            when visits.done_on is null and visits.planned_on < as_of.as_of_date
                then cast({{ date_diff_in('day', 'visits.planned_on', 'as_of.as_of_date') }} as bigint)
        end as days_overdue
    from visits
    cross join as_of
    cross join parameters
    left join devices on visits.serial_no = devices.serial_no
    left join products on devices.sku = products.sku
    left join accounts on devices.account_id = accounts.account_id
    left join province_regions on accounts.province = province_regions.province
)

select * from final
