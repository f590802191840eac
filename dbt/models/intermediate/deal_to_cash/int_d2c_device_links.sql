-- every device with the equipment order line it was delivered for: the devices export has
-- no order key, so by rule (same account and SKU, installed on or after the order within
-- the window, the latest such order); devices no order explains keep a null order_id
with devices as (
    select * from {{ ref('dim_service_devices') }}
),

lines as (
    select * from {{ ref('int_d2c_order_lines') }}
),

settings as (
    select * from {{ ref('deal_to_cash_settings') }}
),

candidates as (
    select
        devices.serial_no,
        lines.order_id,
        lines.line_no,
        lines.opportunity_id
    from devices
    cross join settings
    inner join lines
        on
            devices.account_id = lines.account_id
            and devices.sku = lines.sku
            and devices.installed_on >= lines.ordered_on
            and devices.installed_on <= lines.ordered_on + settings.install_link_window_days
    qualify
        row_number() over (
            partition by devices.serial_no order by lines.ordered_on desc, lines.order_id asc
        ) = 1
),

final as (
    select
        devices.serial_no,
        devices.sku,
        devices.account_id,
        devices.installed_on,
        devices.warranty_ends_on,
        devices.is_under_warranty,
        devices.as_of_date,
        candidates.order_id,
        candidates.line_no,
        candidates.opportunity_id,
        case when candidates.order_id is not null then 'rule:account+sku+install_after_order' end
            as link_method,
        case when candidates.order_id is not null then 0.8 end as link_confidence
    from devices
    left join candidates on devices.serial_no = candidates.serial_no
)

select * from final
