-- devices under warranty: the service page (dim_service_devices) = installed equipment of the
-- chain whose warranty has not ended (deal-linked or not); a failing row names the device
-- missing on one side or counted differently
with tolerance as (
    select tolerance from {{ ref('deal_to_cash_tolerances') }}
    where tie_out = 'devices_under_warranty'
),

service as (
    select serial_no from {{ ref('dim_service_devices') }}
    where is_under_warranty
),

chain as (
    select serial_no from {{ ref('int_d2c_device_links') }}
    where installed_on <= as_of_date and warranty_ends_on >= as_of_date
),

differences as (
    select
        coalesce(service.serial_no, chain.serial_no) as serial_no,
        service.serial_no is not null as on_service_page,
        chain.serial_no is not null as in_chain
    from service
    full outer join chain on service.serial_no = chain.serial_no
    where service.serial_no is null or chain.serial_no is null
)

select
    'devices_under_warranty' as tie_out,
    differences.*,
    count(*) over () as devices_different
from differences
cross join tolerance
qualify count(*) over () > tolerance.tolerance
