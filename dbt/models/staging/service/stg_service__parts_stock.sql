with stock as (
    {{ latest_export_rows(source('service', 'svc_parts_stock'), ['warehouse_id', 'part_id', 'snapshot_on']) }}
),

final as (
    select
        warehouse_id,
        warehouse_province,
        part_id,
        on_hand_qty,
        cast(unit_cost as decimal(18, 2)) as unit_cost,
        snapshot_on,
        _file_name as source_file_name,
        _row_number as source_row_number
    from stock
)

select * from final
