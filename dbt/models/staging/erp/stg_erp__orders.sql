{{ incremental_export_config(['order_id', 'line_no']) }}
with orders as (
    {{ latest_export_rows(source('erp', 'erp_orders'), ['order_id', 'line_no'], changed_only=true) }}
),

final as (
    select
        order_id,
        line_no,
        contract_id,
        account_id,
        sku,
        quantity,
        cast(unit_price as decimal(18, 2)) as unit_price,
        discount,
        ordered_on,
        _file_name as source_file_name,
        _row_number as source_row_number,
        _load_id as source_load_id
    from orders
)

select * from final
